/**
 * Export and import for the embedded store (DataTransfer, @kova/query transfer.ts). Reads stream
 * through one statement each (better-sqlite3's iterate(): one row in memory at a time); an import
 * batch is one transaction of prepared inserts, with ids and versions kept as exported.
 */
import type Database from "better-sqlite3";
import { IMPORT_TABLE, type DataTransfer, type EntitySchema, type FieldSchema, type ImportMark, type TransferBatch, type TransferRow, type TransferVersion } from "@kova/query";
import { historyColumn, historyTable, quoteIdent } from "../sqlite-compiled.js";
import { SCHEMA_TABLE } from "../sqlite-schema.js";
import { encodeFieldValue } from "../sqlite-values.js";

function tableExists(db: Database.Database, name: string): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;
}

/** A stored value as the Kova value the API would return. */
function decode(field: FieldSchema, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (field.items !== undefined || field.type === "json") return typeof value === "string" ? JSON.parse(value) : value;
  if (field.type === "boolean") return value === 1 || value === 1n;
  if (typeof value === "bigint") return Number(value);
  return value;
}

/** The fields whose columns exist in `table` (a field removed and re-added keeps its column). */
function presentFields(db: Database.Database, entity: EntitySchema, table: string, history: boolean): FieldSchema[] {
  const columns = new Set(db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]);
  return entity.fields.filter((f) => columns.has(history ? historyColumn(f.name) : f.name));
}

export class SqliteTransfer implements DataTransfer {
  constructor(
    private readonly db: () => Database.Database,
    private readonly afterImport: () => void,
  ) {}

  async storedEntities(): Promise<EntitySchema[]> {
    const db = this.db();
    if (!tableExists(db, SCHEMA_TABLE)) return [];
    const rows = db.prepare(`SELECT entity, "table", fields FROM ${SCHEMA_TABLE} ORDER BY entity`).all() as Array<{ entity: string; table: string; fields: string }>;
    return rows.map((r) => {
      const entity: EntitySchema = { name: r.entity, table: r.table, fields: JSON.parse(r.fields) as FieldSchema[] };
      return tableExists(db, historyTable(entity)) ? entity : { ...entity, history: false };
    });
  }

  async *rows(entity: EntitySchema, asOf?: number): AsyncIterable<TransferRow> {
    const db = this.db();
    const history = historyTable(entity);
    let statement;
    let fields: FieldSchema[];
    if (asOf === undefined) {
      fields = presentFields(db, entity, entity.table, false);
      statement = db.prepare(`SELECT "id"${fields.map((f) => `, ${quoteIdent(f.name)}`).join("")} FROM ${quoteIdent(entity.table)} ORDER BY "id"`).raw();
    } else {
      if (!tableExists(db, history)) throw new Error(`${entity.name} keeps no history (NO HISTORY), so it cannot be read as of an instant`);
      fields = presentFields(db, entity, history, true);
      statement = db
        .prepare(
          `SELECT h."id"${fields.map((f) => `, h.${quoteIdent(historyColumn(f.name))}`).join("")} FROM ${quoteIdent(history)} h ` +
            `WHERE h."version" IN (SELECT max("version") FROM ${quoteIdent(history)} WHERE "at" <= ? GROUP BY "id") AND h."op" <> 'delete' ORDER BY h."id"`,
        )
        .raw()
        .bind(asOf);
    }
    for (const row of statement.iterate() as Iterable<unknown[]>) {
      const out: Record<string, unknown> = {};
      fields.forEach((f, i) => (out[f.name] = decode(f, row[i + 1])));
      yield { id: Number(row[0]), fields: out };
    }
  }

  async *versions(entity: EntitySchema, upTo?: number): AsyncIterable<TransferVersion> {
    const db = this.db();
    const history = historyTable(entity);
    if (!tableExists(db, history)) return;
    const fields = presentFields(db, entity, history, true);
    const statement = db
      .prepare(
        `SELECT "version", "id", "op", "at"${fields.map((f) => `, ${quoteIdent(historyColumn(f.name))}`).join("")} FROM ${quoteIdent(history)} ` +
          `${upTo === undefined ? "" : `WHERE "at" <= ${Number(upTo)} `}ORDER BY "version"`,
      )
      .raw();
    for (const row of statement.iterate() as Iterable<unknown[]>) {
      const out: Record<string, unknown> = {};
      fields.forEach((f, i) => (out[f.name] = decode(f, row[i + 4])));
      yield { version: Number(row[0]), id: Number(row[1]), op: row[2] as TransferVersion["op"], at: Number(row[3]), fields: out };
    }
  }

  async load(batches: readonly TransferBatch[], mark: ImportMark): Promise<void> {
    const db = this.db();
    ensureImportTable(db);
    const now = Date.now();
    db.transaction(() => {
      for (const { entity, rows, versions } of batches) {
        const fields = entity.fields;
        const live = db.prepare(`INSERT INTO ${quoteIdent(entity.table)} ("id"${fields.map((f) => `, ${quoteIdent(f.name)}`).join("")}) VALUES (?${", ?".repeat(fields.length)})`);
        // Encoded once: the live row and its insert version hold the same values.
        const encoded = rows.map((row) => fields.map((f) => encodeFieldValue(f, row.fields[f.name])));
        rows.forEach((row, i) => live.run(row.id, ...encoded[i]));
        const history = historyTable(entity);
        if (entity.history === false || !tableExists(db, history)) continue;
        const columns = fields.map((f) => `, ${quoteIdent(historyColumn(f.name))}`).join("");
        if (versions === undefined) {
          const insert = db.prepare(`INSERT INTO ${quoteIdent(history)} ("id", "op", "at"${columns}) VALUES (?, 'insert', ?${", ?".repeat(fields.length)})`);
          rows.forEach((row, i) => insert.run(row.id, now, ...encoded[i]));
        } else {
          const insert = db.prepare(`INSERT INTO ${quoteIdent(history)} ("version", "id", "op", "at"${columns}) VALUES (?, ?, ?, ?${", ?".repeat(fields.length)})`);
          for (const v of versions) insert.run(v.version, v.id, v.op, v.at, ...fields.map((f) => encodeFieldValue(f, v.fields[f.name])));
        }
      }
      db.prepare(
        `INSERT INTO ${IMPORT_TABLE} ("id", "line", "done", "updated_at") VALUES (?, ?, ?, ?) ` +
          `ON CONFLICT ("id") DO UPDATE SET "line" = excluded."line", "done" = excluded."done", "updated_at" = excluded."updated_at"`,
      ).run(mark.id, mark.line, mark.done ? 1 : 0, new Date(now).toISOString());
    })();
  }

  async mark(id: string): Promise<ImportMark | undefined> {
    const db = this.db();
    if (!tableExists(db, IMPORT_TABLE)) return undefined;
    const row = db.prepare(`SELECT "line", "done" FROM ${IMPORT_TABLE} WHERE "id" = ?`).get(id) as { line: number; done: number } | undefined;
    return row === undefined ? undefined : { id, line: row.line, done: row.done === 1 };
  }

  async finish(): Promise<void> {
    // AUTOINCREMENT already continues after the largest id inserted, and a version is a rowid.
    // What is left is the write clock: it must not go back behind an imported version.
    this.afterImport();
  }
}

function ensureImportTable(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS ${IMPORT_TABLE} ("id" TEXT PRIMARY KEY, "line" INTEGER NOT NULL, "done" INTEGER NOT NULL, "updated_at" TEXT NOT NULL)`);
}
