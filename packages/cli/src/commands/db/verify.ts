import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BackupFileError, checkBackup } from "@kova/driver-embedded/backups";
import { UsageError } from "../../args.js";
import { ExitCode } from "../../command.js";
import { defineCommand } from "../../define-command.js";
import { fail, keyFrom, requireFile } from "./store.js";

export const verifyCommand = defineCommand({
  name: "db verify",
  summary: "Check a backup file: checksums, integrity, live rows equal their latest versions",
  usage: `Usage: kova db verify FILE [--json]

Checks a backup file without restoring it: the header and manifest, the checksums of the
compressed and the uncompressed database, SQLite's integrity check, the manifest's row and
version counts, and that every live row equals its latest version in the history. Exits 1 with
the reason when any check fails. An encrypted backup needs its key (KOVA_DB_KEY).

Options:
  --json        Print the manifest as JSON when the backup is sound
  -h, --help    Show this help
`,
  options: { json: { type: "boolean" } },
  async execute({ values, positionals }, context) {
    if (positionals.length !== 1) throw new UsageError("expected one backup FILE");
    const file = resolve(positionals[0]);
    requireFile(file, "the backup");
    const scratch = mkdtempSync(join(tmpdir(), "kova-verify-"));
    try {
      const { manifest } = await checkBackup(file, join(scratch, "data.db"), keyFrom(context));
      if (values.json === true) {
        context.stdout.write(JSON.stringify(manifest, null, 2) + "\n");
        return ExitCode.ok;
      }
      context.stdout.write(`${file}: sound (taken ${manifest.createdAt} by ${manifest.writer}${manifest.encrypted ? ", encrypted" : ""})\n`);
      for (const e of manifest.entities) context.stdout.write(`  ${e.name}: ${e.rows} rows, ${e.versions} versions\n`);
      return ExitCode.ok;
    } catch (error) {
      if (error instanceof BackupFileError) return fail(context, "verify", error.message);
      throw error;
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  },
});
