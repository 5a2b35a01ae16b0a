/**
 * The API keys `kova db serve` accepts, kept in the store's own file (table `_kova_store_keys`, not a
 * collection: the name cannot be one, so no client can read or write it). Only a key's SHA-256 is
 * stored (the runtime's hashToken, as AUTH api_key does), so a copied file holds nothing a caller
 * can present; the key itself is shown once, when it is created. Revoking deletes the row, and the
 * server looks the row up on every request, so a revoked key stops working at once.
 */
import type Database from "better-sqlite3";
import { hashToken, randomToken } from "@kova/runtime";
import { nearest, StoreError } from "@kova/store";

export const KEYS_TABLE = "_kova_store_keys";
/** Every key starts with this, so a leaked one is easy to recognise (and to scan for). */
export const KEY_PREFIX = "kovadb_";

export interface KeyInfo {
  name: string;
  /** The key's first characters, to tell keys apart in a list without showing them. */
  shown: string;
  created: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export class ApiKeys {
  constructor(private readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS "${KEYS_TABLE}" ("name" TEXT PRIMARY KEY, "hash" TEXT NOT NULL UNIQUE, "shown" TEXT NOT NULL, "created" INTEGER NOT NULL)`);
  }

  /** A new key named `name`: returns the key (shown once; only its hash is kept). */
  create(name: string): { name: string; key: string } {
    if (!NAME.test(name)) throw new StoreError(`invalid key name '${name}': use letters, digits, '.', '_' and '-', at most 64 characters`, "invalid-key-name", 400);
    const key = `${KEY_PREFIX}${randomToken()}`;
    const taken = this.db.prepare(`SELECT 1 FROM "${KEYS_TABLE}" WHERE "name" = ?`).get(name) !== undefined;
    if (taken) throw new StoreError(`an API key named '${name}' already exists`, "key-name-taken", 409, `pick another name, or revoke it first: kova db keys revoke ${name}`);
    this.db.prepare(`INSERT INTO "${KEYS_TABLE}" ("name", "hash", "shown", "created") VALUES (?, ?, ?, ?)`).run(name, hashToken(key), key.slice(0, KEY_PREFIX.length + 4), Date.now());
    return { name, key };
  }

  list(): KeyInfo[] {
    const rows = this.db.prepare(`SELECT "name", "shown", "created" FROM "${KEYS_TABLE}" ORDER BY "name"`).all() as Array<{ name: string; shown: string; created: number }>;
    return rows.map((r) => ({ name: r.name, shown: `${r.shown}…`, created: new Date(r.created).toISOString() }));
  }

  revoke(name: string): void {
    const removed = this.db.prepare(`DELETE FROM "${KEYS_TABLE}" WHERE "name" = ?`).run(name).changes;
    if (removed === 0) {
      const near = nearest(name, this.list().map((k) => k.name));
      throw new StoreError(`API key '${name}' not found.${near === undefined ? "" : ` Did you mean ${near}?`}`, "key-name-not-found", 404, "to list keys: kova db keys list");
    }
  }

  count(): number {
    return this.db.prepare(`SELECT count(*) FROM "${KEYS_TABLE}"`).pluck().get() as number;
  }

  /** The row holding this hash (the auth stage compares it again in constant time), or undefined. */
  byHash(hash: string): { name: string; hash: string } | undefined {
    return this.db.prepare(`SELECT "name", "hash" FROM "${KEYS_TABLE}" WHERE "hash" = ?`).get(hash) as { name: string; hash: string } | undefined;
  }
}
