import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { openStore, StoreKeyError } from "@kova/driver-embedded";
import { BackupFileError, checkBackup, readManifest, rebuildAt, writeBackup } from "@kova/driver-embedded/backups";
import { parseInstant } from "@kova/query";
import { UsageError } from "../../args.js";
import { ExitCode, type CliContext } from "../../command.js";
import { defineCommand } from "../../define-command.js";
import { appIsRunning, askRunningApp, fail, keyFrom, requireFile, storeLocation, type StoreLocation } from "./store.js";

export const restoreCommand = defineCommand({
  name: "db restore",
  summary: "Restore a backup file, or rebuild the store as it was at an instant",
  usage: `Usage: kova db restore FILE [APP] [--force]
       kova db restore --at INSTANT [APP] [--from FILE] [--output FILE]

With FILE: checks the backup fully (as 'kova db verify' does) and only then puts it in place as
the app's store (APP/.kova/data.db). A store that exists is refused unless --force; with --force
it is kept beside the new one as data.db.replaced-<time>. The app must be stopped.

With --at: point-in-time recovery. Rebuilds the live tables as they were at INSTANT (ISO 8601,
e.g. 2026-02-06T14:30:00Z) from the history every write records, into a NEW file (default
APP/.kova/data-at-<instant>.db); the store itself is not touched, and the app may keep running.
The base is a fresh backup of the store, or the backup given with --from. Entities declared
NO HISTORY have nothing to rebuild from and are copied as they are.

Options:
  --at <INSTANT>       Rebuild as of this instant instead of restoring FILE
  --from <FILE>        With --at: start from this backup instead of the current store
  -o, --output <FILE>  With --at: where to write the rebuilt store
  --store <FILE>       The store file (default APP/.kova/data.db)
  --force              Replace an existing target (the old store is kept as *.replaced-<time>)
  -h, --help           Show this help
`,
  options: { at: { type: "string" }, from: { type: "string" }, output: { type: "string", short: "o" }, store: { type: "string" }, force: { type: "boolean" } },
  async execute({ values, positionals }, context) {
    try {
      if (values.at !== undefined) {
        if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
        return await restoreAt(String(values.at), storeLocation(values, positionals[0]), values, context);
      }
      if (values.from !== undefined || values.output !== undefined) throw new UsageError("--from and --output go with --at");
      if (positionals.length === 0 || positionals.length > 2) throw new UsageError("expected a backup FILE (and optionally the APP folder)");
      return await restoreFile(resolve(positionals[0]), storeLocation(values, positionals[1]), values.force === true, context);
    } catch (error) {
      if (error instanceof BackupFileError || error instanceof StoreKeyError) return fail(context, "restore", error.message);
      throw error;
    }
  },
});

function stamp(at: Date): string {
  return at.toISOString().replace(/[-:.]/g, "");
}

/** Moves the store (and its WAL files, which belong to it) aside as `<path>.replaced-<time>`. */
function keepAside(path: string): string {
  const aside = `${path}.replaced-${stamp(new Date())}`;
  for (const suffix of ["-wal", "-shm"]) if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
  renameSync(path, aside);
  return aside;
}

async function restoreFile(file: string, where: StoreLocation, force: boolean, context: CliContext): Promise<number> {
  requireFile(file, "the backup");
  const { manifest } = readManifest(file); // a file that is no backup at all is refused before anything else
  if (await appIsRunning(where.appDir)) return fail(context, "restore", `the app in ${where.appDir} is running; stop it before restoring its store`);
  const exists = existsSync(where.path);
  if (exists && !force) return fail(context, "restore", `${where.path} exists; pass --force to replace it (it is then kept as ${where.path}.replaced-<time>)`);
  mkdirSync(dirname(where.path), { recursive: true });
  const staged = join(dirname(where.path), `.restore-${process.pid}-${Date.now()}.db`);
  await checkBackup(file, staged, keyFrom(context));
  const aside = exists ? keepAside(where.path) : undefined;
  renameSync(staged, where.path);
  const rows = manifest.entities.reduce((n, e) => n + e.rows, 0);
  context.stdout.write(`restored ${file} (taken ${manifest.createdAt}; ${manifest.entities.length} entities, ${rows} rows) to ${where.path}\n`);
  if (aside !== undefined) context.stdout.write(`the previous store is kept as ${aside}\n`);
  return ExitCode.ok;
}

async function restoreAt(text: string, where: StoreLocation, values: Record<string, unknown>, context: CliContext): Promise<number> {
  const at = /^\d{4}-\d\d-\d\dT/.test(text.trim()) ? parseInstant(text) : undefined;
  if (at === undefined) throw new UsageError(`--at takes an ISO 8601 instant such as 2026-02-06T14:30:00Z, not '${text}'`);
  const output = resolve(values.output === undefined ? join(dirname(where.path), `data-at-${stamp(new Date(at))}.db`) : String(values.output));
  if (existsSync(output) && values.force !== true) return fail(context, "restore", `${output} exists; pass --force to replace it`);
  const key = keyFrom(context);
  mkdirSync(dirname(output), { recursive: true });
  const scratch = mkdtempSync(join(dirname(output), ".kova-pitr-"));
  try {
    let base: string;
    if (values.from !== undefined) {
      base = resolve(String(values.from));
      requireFile(base, "the backup");
    } else {
      base = join(scratch, "base.kovabackup");
      const reply = await askRunningApp(where.appDir, { op: "backup", output: base });
      if (reply !== undefined && !reply.ok) return fail(context, "restore", `the running app could not copy its store: ${reply.error}`);
      if (reply === undefined) {
        requireFile(where.path, "the store");
        openStore(where.path, { key, create: false, timeout: 2000 }).close(); // the key, checked here: one clear line
        await writeBackup({ kind: "snapshot", path: where.path }, base, { key });
      }
    }
    const staged = join(scratch, "rebuilt.db");
    const { manifest } = await checkBackup(base, staged, key);
    if (at > Date.parse(manifest.createdAt)) {
      context.stderr.write(`kova db restore: note: ${text} is after the backup was taken (${manifest.createdAt}); the result holds the data as of the backup\n`);
    }
    const db = openStore(staged, { key: manifest.encrypted ? key : undefined, create: false });
    let report;
    try {
      report = rebuildAt(db, at);
    } finally {
      db.close();
    }
    if (existsSync(output)) keepAside(output);
    renameSync(staged, output);
    context.stdout.write(`rebuilt as of ${new Date(at).toISOString()}: ${output}\n`);
    for (const [entity, rows] of Object.entries(report.rows)) context.stdout.write(`  ${entity}: ${rows} rows\n`);
    if (report.unchanged.length > 0) context.stdout.write(`  copied as they are now (NO HISTORY): ${report.unchanged.join(", ")}\n`);
    context.stdout.write(`to use it: stop the app, then move it to ${where.path} (or point the data source's path at it)\n`);
    return ExitCode.ok;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
