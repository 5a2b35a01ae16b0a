import { readFileSync } from "node:fs";
import { applyKey, cipherDatabase, looksPlain, openStore, sqlLiteral, StoreKeyError } from "@kova/driver-embedded";
import { UsageError } from "../../args.js";
import { ExitCode } from "../../command.js";
import { defineCommand } from "../../define-command.js";
import { appIsRunning, fail, isBusy, keyFrom, requireFile, storeLocation } from "./store.js";

export const rekeyCommand = defineCommand({
  name: "db rekey",
  summary: "Encrypt the embedded store, change its key, or decrypt it",
  usage: `Usage: kova db rekey [APP] (--new-key-file FILE | --decrypt) [--store FILE]

Re-encrypts the embedded store of the app in APP (default ".") with a new key (AES-256, SQLCipher's
format). The current key comes from KOVA_DB_KEY, KOVA_DB_KEY_FILE or KOVA_DB_KEY_COMMAND (none: the
store is plain and gets encrypted); the new key from KOVA_DB_NEW_KEY or the first line of
--new-key-file. Keys are never taken as arguments, which other users could read in the process list.

SQLite rewrites every page in one transaction: a failure or a crash midway leaves the store with
its old key, never half re-keyed. The app must be stopped. Afterwards, start it with the new key.
Needs the better-sqlite3-multiple-ciphers package.

Options:
  --new-key-file <FILE>  Read the new key from this file's first line
  --decrypt              Remove the encryption (the store becomes a plain SQLite file)
  --store <FILE>         The store file (default APP/.kova/data.db)
  -h, --help             Show this help
`,
  options: { "new-key-file": { type: "string" }, decrypt: { type: "boolean" }, store: { type: "string" } },
  async execute({ values, positionals }, context) {
    if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
    const decrypt = values.decrypt === true;
    let next: string | undefined;
    if (values["new-key-file"] !== undefined) next = readFileSync(String(values["new-key-file"]), "utf8").split(/\r?\n/)[0];
    else next = context.env.KOVA_DB_NEW_KEY;
    if (decrypt && next !== undefined) throw new UsageError("--decrypt takes no new key");
    if (!decrypt && (next === undefined || next === "")) throw new UsageError("the new key is missing: set KOVA_DB_NEW_KEY or pass --new-key-file FILE (or --decrypt)");
    const where = storeLocation(values, positionals[0]);
    requireFile(where.path, "the store");
    if (await appIsRunning(where.appDir)) return fail(context, "rekey", `the app in ${where.appDir} is running; stop it first`);
    let current: string | undefined;
    try {
      current = keyFrom(context);
      if (current === undefined && !looksPlain(where.path)) throw new StoreKeyError(`${where.path} is encrypted: set KOVA_DB_KEY (or KOVA_DB_KEY_FILE / KOVA_DB_KEY_COMMAND) to its current key`);
      if (current === undefined && decrypt) return fail(context, "rekey", `${where.path} is not encrypted; there is nothing to decrypt`);
      // Proves the current key before anything is written.
      openStore(where.path, { key: current, create: false, timeout: 2000 }).close();
    } catch (error) {
      if (error instanceof StoreKeyError) return fail(context, "rekey", error.message);
      if (isBusy(error)) return fail(context, "rekey", `${where.path} is held by another process; stop the app first`);
      throw error;
    }
    const Database = cipherDatabase();
    const db = new Database(where.path, { fileMustExist: true, timeout: 2000 });
    try {
      if (current !== undefined) applyKey(db, current);
      else db.pragma("cipher = 'sqlcipher'");
      db.prepare("SELECT count(*) FROM sqlite_master").get();
      // SQLite3 Multiple Ciphers cannot re-key in WAL mode: switch to a rollback journal for the rewrite.
      db.pragma("journal_mode = DELETE");
      db.pragma(`rekey = ${sqlLiteral(decrypt ? "" : next!)}`);
      db.pragma("journal_mode = WAL");
    } catch (error) {
      if (isBusy(error)) return fail(context, "rekey", `${where.path} is held by another process; stop the app first`);
      throw error;
    } finally {
      db.close();
    }
    // Reopen as the app will, with the new key: the store must read back before we say it is done.
    const check = openStore(where.path, { key: decrypt ? undefined : next, create: false });
    const integrity = check.prepare("PRAGMA integrity_check").pluck().get();
    check.close();
    if (integrity !== "ok") return fail(context, "rekey", `the store reads back but fails SQLite's integrity check: ${String(integrity)}`);
    context.stdout.write(
      decrypt ? `${where.path} is now a plain (unencrypted) store; unset KOVA_DB_KEY\n`
        : `${where.path} is now encrypted with the new key; start the app with KOVA_DB_KEY set to it\n`,
    );
    return ExitCode.ok;
  },
});
