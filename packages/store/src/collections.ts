/**
 * How a store collection maps onto the embedded store's tables — the same format a Kova app's
 * embedded data source uses, created by the driver's own migrateSchema:
 *
 *   collection `users`  =  entity `users`, table `users`, fields `key: string UNIQUE`, `value: json?`
 *                          (so `ENTITY users { key: text UNIQUE  value: json? }` in an app reads it)
 *   users__history         one row per version (version, id, op, at, key, value), as for any entity
 *   _kova_schema           records the entity, so an app's migration sees a known table
 *
 * A Kova app's own entity (any other fields) is a collection too, read-only: its key is the record's
 * id and its value the record's fields.
 */
import type Database from "better-sqlite3";
import { migrateSchema, SCHEMA_TABLE } from "@kova/driver-embedded";
import type { EntitySchema, FieldSchema } from "@kova/query";
import { CollectionNotFoundError, nearest } from "./errors.js";

export interface CollectionInfo {
  /** The name callers use: the table name (which is also the entity name for a store-made collection). */
  name: string;
  entity: string;
  table: string;
  history: string;
  /** "kv": key/value collection the store writes; "entity": a Kova app's typed entity, read-only. */
  kind: "kv" | "entity";
  fields: FieldSchema[];
  /** False for `ENTITY … NO HISTORY`: no versions to read. */
  versioned: boolean;
}

export const KV_FIELDS: FieldSchema[] = [
  { name: "key", type: "string", optional: false, unique: true, index: false },
  { name: "value", type: "json", optional: true, unique: false, index: false },
];

export function kvEntity(collection: string): EntitySchema {
  return { name: collection, table: collection, fields: KV_FIELDS.map((f) => ({ ...f })) };
}

export class Collections {
  private readonly known = new Map<string, CollectionInfo>();

  constructor(private readonly db: Database.Database) {}

  /** The collection, or undefined when it was never created. */
  find(name: string, cachedOnly = false): CollectionInfo | undefined {
    const cached = this.known.get(name);
    if (cached !== undefined || cachedOnly) return cached;
    if (!this.hasSchemaTable()) return undefined;
    const rows = this.db.prepare(`SELECT entity, "table", fields FROM ${SCHEMA_TABLE} WHERE "table" = ? OR entity = ? ORDER BY "table" = ? DESC`).all(name, name, name) as Array<{ entity: string; table: string; fields: string }>;
    if (rows.length === 0) return undefined;
    const row = rows[0];
    const fields = JSON.parse(row.fields) as FieldSchema[];
    const kv = fields.length === 2 && fields.some((f) => f.name === "key" && f.type === "string" && f.unique) && fields.some((f) => f.name === "value" && f.type === "json");
    const history = `${row.table}__history`;
    const versioned = this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(history) !== undefined;
    const info: CollectionInfo = { name, entity: row.entity, table: row.table, history, kind: kv ? "kv" : "entity", fields, versioned };
    this.known.set(name, info);
    return info;
  }

  /** The collection, or CollectionNotFoundError with the nearest existing name. */
  require(name: string): CollectionInfo {
    const found = this.find(name);
    if (found === undefined) throw new CollectionNotFoundError(name, nearest(name, this.names()));
    return found;
  }

  /** The collection, created (as a key/value collection, by the driver's migration) when missing. */
  ensure(name: string): CollectionInfo {
    const found = this.find(name);
    if (found !== undefined) return found;
    migrateSchema(this.db, [kvEntity(name)]);
    return this.require(name);
  }

  /** Every collection: store-made ones and a Kova app's entities, by table name. */
  names(): string[] {
    if (!this.hasSchemaTable()) return [];
    return this.db.prepare(`SELECT DISTINCT "table" FROM ${SCHEMA_TABLE} ORDER BY "table"`).pluck().all() as string[];
  }

  private hasSchemaTable(): boolean {
    return this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(SCHEMA_TABLE) !== undefined;
  }
}
