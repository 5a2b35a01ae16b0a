import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { openStore, StoreKeyError } from "@kova/driver-embedded";
import { writeBackup } from "@kova/driver-embedded/backups";
import { UsageError } from "../../args.js";
import { ExitCode } from "../../command.js";
import { defineCommand } from "../../define-command.js";
import { askRunningApp, fail, isBusy, keyFrom, requireFile, storeLocation } from "./store.js";

export const backupCommand = defineCommand({
  name: "db backup",
  summary: "Write a backup file of the embedded store, online",
  usage: `Usage: kova db backup [APP] --output FILE [options]

Writes one compressed backup file of the embedded store of the app in APP (default "."): the
database with a manifest (schema, row and version counts, checksums). When the app is running, it
writes the backup itself (asked through .kova/control.sock) and keeps serving while it does; when
it is not, kova reads the store file directly. A backup of an encrypted store stays encrypted.

Check a backup with 'kova db verify FILE'; restore it with 'kova db restore FILE'.

Options:
  -o, --output <FILE>   The backup file to write (refused if it exists, unless --force)
  --store <FILE>        The store file (default APP/.kova/data.db)
  --source <NAME>       The data source, when the app has several embedded ones
  --force               Replace FILE if it exists
  -h, --help            Show this help
`,
  options: { output: { type: "string", short: "o" }, store: { type: "string" }, source: { type: "string" }, force: { type: "boolean" } },
  async execute({ values, positionals }, context) {
    if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
    if (values.output === undefined) throw new UsageError("--output FILE is required (where to write the backup)");
    const output = resolve(String(values.output));
    if (existsSync(output) && values.force !== true) return fail(context, "backup", `${output} exists; pass --force to replace it`);
    mkdirSync(dirname(output), { recursive: true });
    const where = storeLocation(values, positionals[0]);
    const reply = await askRunningApp(where.appDir, { op: "backup", output, ...(values.source === undefined ? {} : { source: String(values.source) }) });
    if (reply !== undefined) {
      if (!reply.ok) return fail(context, "backup", `the running app could not write the backup: ${reply.error}`);
      context.stdout.write(`backup of ${reply.source} written by the running app: ${reply.file} (${reply.bytes} bytes)\n`);
      return ExitCode.ok;
    }
    requireFile(where.path, "the store");
    // Opened here only to check the key (one clear line when it is wrong); the backup thread opens its own.
    try {
      openStore(where.path, { key: keyFrom(context), create: false, timeout: 2000 }).close();
    } catch (error) {
      if (isBusy(error)) return busyStore(context, where.path);
      return fail(context, "backup", error instanceof StoreKeyError ? error.message : `cannot open ${where.path}: ${(error as Error).message}`);
    }
    try {
      const summary = await writeBackup({ kind: "snapshot", path: where.path }, output, { key: keyFrom(context) });
      const rows = summary.manifest.entities.reduce((n, e) => n + e.rows, 0);
      context.stdout.write(`backup written: ${summary.file} (${summary.bytes} bytes; ${summary.manifest.entities.length} entities, ${rows} rows${summary.manifest.encrypted ? "; encrypted" : ""})\n`);
      return ExitCode.ok;
    } catch (error) {
      if (isBusy(error)) return busyStore(context, where.path);
      throw error;
    }
  },
});

function busyStore(context: Parameters<typeof fail>[0], path: string): number {
  return fail(context, "backup", `${path} is held by a running app that did not answer on its control socket; run the backup from the app's folder, or stop it`);
}
