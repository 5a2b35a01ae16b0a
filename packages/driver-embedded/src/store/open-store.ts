/**
 * Opens an embedded store file, plain or encrypted. A plain store uses better-sqlite3; an
 * encrypted one uses better-sqlite3-multiple-ciphers (the same API over SQLite3 Multiple Ciphers),
 * loaded only when a key is configured: it is a 37 MB native package an app without encryption
 * should not have to install (an optional peer dependency of @kova/driver-embedded).
 *
 * The cipher is SQLCipher's (AES-256-CBC with HMAC-SHA512, key derived with PBKDF2), so the file
 * can also be opened by the `sqlcipher` shell. The key is checked by reading the schema before
 * anything writes to the file: a wrong or missing key fails here, and the file is never touched.
 */
import { createRequire } from "node:module";
import { execSync } from "node:child_process";
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import Database from "better-sqlite3";

const require = createRequire(import.meta.url);
export const CIPHER_PACKAGE = "better-sqlite3-multiple-ciphers";

/** Where the store's key comes from, in the order they are tried. */
export interface KeySources {
  KOVA_DB_KEY?: string;
  KOVA_DB_KEY_FILE?: string;
  KOVA_DB_KEY_COMMAND?: string;
}

/** A refusal to open a store (wrong key, missing key, cipher package absent): one line, no stack. */
export class StoreKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoreKeyError";
  }
}

/**
 * The key from the environment: KOVA_DB_KEY itself, else the first line of KOVA_DB_KEY_FILE,
 * else the output of KOVA_DB_KEY_COMMAND (e.g. `vault kv get -field=key kova/db`). Undefined: no key.
 */
export function storeKey(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const keys = env as KeySources;
  if (keys.KOVA_DB_KEY !== undefined && keys.KOVA_DB_KEY !== "") return keys.KOVA_DB_KEY;
  if (keys.KOVA_DB_KEY_FILE) {
    let text: string;
    try {
      text = readFileSync(keys.KOVA_DB_KEY_FILE, "utf8");
    } catch (error) {
      throw new StoreKeyError(`cannot read the store key file KOVA_DB_KEY_FILE=${keys.KOVA_DB_KEY_FILE}: ${(error as Error).message}`);
    }
    return nonEmpty(text.split(/\r?\n/)[0], `the store key file ${keys.KOVA_DB_KEY_FILE} is empty`);
  }
  if (keys.KOVA_DB_KEY_COMMAND) {
    let text: string;
    try {
      text = execSync(keys.KOVA_DB_KEY_COMMAND, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 });
    } catch (error) {
      throw new StoreKeyError(`the store key command KOVA_DB_KEY_COMMAND failed: ${String((error as { stderr?: string }).stderr ?? (error as Error).message).trim()}`);
    }
    return nonEmpty(text.trim(), "the store key command KOVA_DB_KEY_COMMAND printed nothing");
  }
  return undefined;
}

function nonEmpty(text: string | undefined, message: string): string {
  if (text === undefined || text === "") throw new StoreKeyError(message);
  return text;
}

type DatabaseClass = typeof Database;

/** The cipher build, or one clear line saying how to install it. */
export function cipherDatabase(): DatabaseClass {
  try {
    return require(CIPHER_PACKAGE) as DatabaseClass;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === "MODULE_NOT_FOUND" ? "it is not installed" : (error as Error).message;
    throw new StoreKeyError(`an encrypted store needs the ${CIPHER_PACKAGE} package (${why}): npm install ${CIPHER_PACKAGE}`);
  }
}

/** SQL string literal: keys are passed to PRAGMA, which takes no bound parameters. */
export function sqlLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** Sets the cipher and key on a freshly opened cipher connection (before its first read). */
export function applyKey(db: Database.Database, key: string): void {
  db.pragma("cipher = 'sqlcipher'");
  db.pragma(`key = ${sqlLiteral(key)}`);
}

export interface OpenStoreOptions {
  key?: string;
  timeout?: number;
  readonly?: boolean;
  /** Create the file when missing (false: a missing file is an error). */
  create?: boolean;
}

/**
 * Opens `path` and proves it readable with the key given (or without one). A wrong key, a key for
 * a plain file, or no key for an encrypted file each get a sentence saying which.
 */
export function openStore(path: string, options: OpenStoreOptions = {}): Database.Database {
  const Driver = options.key === undefined ? Database : cipherDatabase();
  const db = new Driver(path, { timeout: options.timeout ?? 5000, readonly: options.readonly === true, fileMustExist: options.create === false });
  try {
    if (options.key !== undefined) applyKey(db, options.key);
    db.prepare("SELECT count(*) FROM sqlite_master").get();
    return db;
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code !== "SQLITE_NOTADB") throw error;
    if (options.key !== undefined && looksPlain(path)) {
      throw new StoreKeyError(`${path} is not encrypted, but a key is set (KOVA_DB_KEY): unset it, or encrypt the store with kova db rekey`);
    }
    throw new StoreKeyError(
      options.key === undefined
        ? `${path} is encrypted: set KOVA_DB_KEY (or KOVA_DB_KEY_FILE / KOVA_DB_KEY_COMMAND) to open it`
        : `${path} cannot be opened with this key (KOVA_DB_KEY): the key is wrong, or the file is not a Kova store`,
    );
  }
}

/** A plain SQLite file starts with this header; an encrypted one starts with random bytes. */
export function looksPlain(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const head = Buffer.alloc(16);
    readSync(fd, head, 0, 16, 0);
    return head.toString("latin1") === "SQLite format 3\u0000";
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
