/**
 * DDL for the embedded store: creates and evolves each entity's live table, history table and
 * indexes, and records what it did in `_kova_schema`. Running it twice changes nothing.
 *
 *   <table>            id INTEGER PRIMARY KEY AUTOINCREMENT (ids are never reused, so one id's
 *                      history is one row's history), then one column per field.
 *   <table>__history   version INTEGER PRIMARY KEY (per entity, increasing with every write),
 *                      id, op ('insert' | 'update' | 'delete'), at (epoch ms), then the fields.
 *                      Index (id, at) makes "latest version of id at or before t" one seek.
 *   _kova_schema       entity, table, fields (JSON), migrated_at.
 *
 * Required-ness, enums and types are checked by the driver before writing (with messages that name
 * the field), so columns carry no NOT NULL or CHECK constraints; that also lets a required field be
 * added to a table that already has rows. (PostgreSQL and MySQL/MariaDB add CHECKs from field types
 * as the database's own guard, field-checks.ts in @kova/query; SQLite cannot add a CHECK to an
 * existing table, so a changed rule would mean rebuilding it, and the store has no outside writers.)
 */
import type { SqliteDatabase, SqliteStatement } from "./sqlite-database.js";
import { refuseStoredTypeChanges, type EntitySchema, type FieldSchema } from "@kova/query";
import { historyColumn, historyTable, quoteIdent } from "./sqlite-compiled.js";
import { encodeFieldValue, sqliteColumnType } from "./sqlite-values.js";

export const SCHEMA_TABLE = "_kova_schema";

function uniqueIndexName(entity: EntitySchema, field: string): string {
  return `${entity.table}__unique_${field}`;
}

function plainIndexName(entity: EntitySchema, field: string): string {
  return `${entity.table}__index_${field}`;
}

/** `UNIQUE (a, b)` → `<table>__unique_a__b` (the single-field prefixes, so unused ones are dropped alike). */
export function compositeIndexName(entity: EntitySchema, unique: boolean, fields: readonly string[]): string {
  return `${entity.table}__${unique ? "unique" : "index"}_${fields.join("__")}`;
}

/** A field's column in `table`: in the history table a field named like one of its own columns is renamed (historyColumn). */
function columnName(entity: EntitySchema, table: string, field: string): string {
  return table === historyTable(entity) ? historyColumn(field) : field;
}

function columnDefinition(field: FieldSchema, name = field.name): string {
  return `${quoteIdent(name)} ${sqliteColumnType(field.type)}`;
}

function existingColumns(db: SqliteDatabase, table: string): Set<string> {
  const rows = db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as Array<{ name: string }>;
  return new Set(rows.map((r) => r.name));
}

function recordedFields(db: SqliteDatabase, entity: EntitySchema): FieldSchema[] | undefined {
  const row = db.prepare(`SELECT fields FROM ${SCHEMA_TABLE} WHERE entity = ?`).get(entity.name) as { fields: string } | undefined;
  return row === undefined ? undefined : (JSON.parse(row.fields) as FieldSchema[]);
}


/**
 * Also catches a field removed and declared again with another type: it is no longer in
 * `_kova_schema`, but its column (and its values) are kept. SQLite stores what the column's type
 * says (TEXT, INTEGER, REAL), so a field whose column holds another kind of value is refused.
 */
function checkColumnTypes(db: SqliteDatabase, entity: EntitySchema): void {
  const rows = db.prepare(`SELECT "name", "type" FROM pragma_table_info(?)`).all(entity.table) as Array<{ name: string; type: string }>;
  const declared = new Map(rows.map((r) => [r.name, r.type.toUpperCase()]));
  for (const field of entity.fields) {
    const have = declared.get(field.name);
    if (have !== undefined && have !== sqliteColumnType(field.type)) {
      throw new Error(
        `cannot migrate ${entity.name}.${field.name} to ${field.type}: its column holds ${have} values (the field was removed ` +
          `earlier, and its data kept) and the embedded store does not convert stored values; use a new field name instead`,
      );
    }
  }
}

function addMissingColumns(db: SqliteDatabase, entity: EntitySchema): void {
  for (const table of [entity.table, historyTable(entity)]) {
    const have = existingColumns(db, table);
    for (const field of entity.fields) {
      const name = columnName(entity, table, field.name);
      if (have.has(name)) continue;
      db.exec(`ALTER TABLE ${quoteIdent(table)} ADD COLUMN ${columnDefinition(field, name)}`);
      // A constant default also describes the rows written before the field existed, in the live
      // table and in every version, so reading as of any instant agrees with reading the present.
      if (field.default !== undefined && !("now" in field.default)) {
        const value = encodeFieldValue(field, field.default.value);
        db.prepare(`UPDATE ${quoteIdent(table)} SET ${quoteIdent(name)} = ? WHERE ${quoteIdent(name)} IS NULL`).run(value);
      }
    }
  }
}

/**
 * UNIQUE and INDEX fields get an index on the live table, and a plain index on the history table
 * too, so that AS OF and HISTORY queries pinned by such a field do not scan every version.
 */
function syncIndexes(db: SqliteDatabase, entity: EntitySchema): void {
  const wanted = new Map<string, string>();
  const table = quoteIdent(entity.table);
  const history = historyTable(entity);
  for (const field of entity.fields) {
    const column = quoteIdent(field.name);
    if (field.unique) {
      wanted.set(uniqueIndexName(entity, field.name), `CREATE UNIQUE INDEX IF NOT EXISTS ${quoteIdent(uniqueIndexName(entity, field.name))} ON ${table} (${column})`);
    } else if (field.index || field.references !== undefined) {
      wanted.set(plainIndexName(entity, field.name), `CREATE INDEX IF NOT EXISTS ${quoteIdent(plainIndexName(entity, field.name))} ON ${table} (${column})`);
    } else {
      continue;
    }
    const name = `${history}__index_${field.name}`;
    wanted.set(name, `CREATE INDEX IF NOT EXISTS ${quoteIdent(name)} ON ${quoteIdent(history)} (${quoteIdent(historyColumn(field.name))})`);
  }
  const labels = new Map<string, string>();
  for (const [unique, list] of [[true, entity.uniques ?? []], [false, entity.indexes ?? []]] as const) {
    for (const fields of list) labels.set(compositeIndexName(entity, unique, fields), `(${fields.join(", ")})`);
  }
  for (const [name, ddl] of compositeIndexStatements(entity)) wanted.set(name, ddl);
  const ours = db
    .prepare(
      `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN (?, ?) AND ` +
        `(name LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\')`,
    )
    .all(
      entity.table,
      history,
      `${likeEscape(entity.table)}\\_\\_unique\\_%`,
      `${likeEscape(entity.table)}\\_\\_index\\_%`,
      `${likeEscape(history)}\\_\\_index\\_%`,
    ) as Array<{ name: string }>;
  for (const { name } of ours) {
    if (!wanted.has(name)) db.exec(`DROP INDEX ${quoteIdent(name)}`);
  }
  for (const [name, ddl] of wanted) {
    try {
      db.exec(ddl);
    } catch (error) {
      if (!name.startsWith(`${entity.table}__unique_`)) throw error;
      const field = labels.get(name) ?? `.${name.slice(`${entity.table}__unique_`.length)}`;
      throw new Error(
        `cannot make ${entity.name}${field} UNIQUE: stored rows already share ${labels.has(name) ? "these values" : "a value"} ` +
          `(${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }
}

function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The live table, the history table and its (id, at) index: what every entity starts with. */
export function createTableStatements(entity: EntitySchema): string[] {
  const columns = entity.fields.map((f) => columnDefinition(f));
  const historyColumns = entity.fields.map((f) => columnDefinition(f, historyColumn(f.name)));
  const history = historyTable(entity);
  return [
    `CREATE TABLE IF NOT EXISTS ${quoteIdent(entity.table)} ("id" INTEGER PRIMARY KEY AUTOINCREMENT${columns.map((c) => `, ${c}`).join("")})`,
    `CREATE TABLE IF NOT EXISTS ${quoteIdent(history)} ("version" INTEGER PRIMARY KEY, "id" INTEGER NOT NULL, ` +
      `"op" TEXT NOT NULL, "at" INTEGER NOT NULL${historyColumns.map((c) => `, ${c}`).join("")})`,
    `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${history}_id_at`)} ON ${quoteIdent(history)} ("id", "at")`,
  ];
}

/** The indexes a field's UNIQUE / INDEX / reference asks for, on the live and the history table. */
export function fieldIndexStatements(entity: EntitySchema, field: FieldSchema): string[] {
  const table = quoteIdent(entity.table);
  const history = historyTable(entity);
  const column = quoteIdent(field.name);
  let live: string;
  if (field.unique) live = `CREATE UNIQUE INDEX IF NOT EXISTS ${quoteIdent(uniqueIndexName(entity, field.name))} ON ${table} (${column})`;
  else if (field.index || field.references !== undefined) live = `CREATE INDEX IF NOT EXISTS ${quoteIdent(plainIndexName(entity, field.name))} ON ${table} (${column})`;
  else return [];
  const name = `${history}__index_${field.name}`;
  return [live, `CREATE INDEX IF NOT EXISTS ${quoteIdent(name)} ON ${quoteIdent(history)} (${quoteIdent(historyColumn(field.name))})`];
}

/** Index names a field may own (dropped when the field stops asking for them). */
/** The composite `UNIQUE (a, b)` / `INDEX (a, b)` indexes of an entity, by name. */
export function compositeIndexStatements(entity: EntitySchema): Map<string, string> {
  const out = new Map<string, string>();
  for (const [unique, list] of [[true, entity.uniques ?? []], [false, entity.indexes ?? []]] as const) {
    for (const fields of list) {
      const name = compositeIndexName(entity, unique, fields);
      out.set(name, `CREATE ${unique ? "UNIQUE " : ""}INDEX IF NOT EXISTS ${quoteIdent(name)} ON ${quoteIdent(entity.table)} (${fields.map(quoteIdent).join(", ")})`);
    }
  }
  return out;
}

export function fieldIndexNames(entity: EntitySchema, field: string): string[] {
  return [uniqueIndexName(entity, field), plainIndexName(entity, field), `${historyTable(entity)}__index_${field}`];
}

export function addColumnStatements(entity: EntitySchema, field: FieldSchema): string[] {
  const tables = [entity.table, historyTable(entity)];
  const statements = tables.map((t) => `ALTER TABLE ${quoteIdent(t)} ADD COLUMN ${columnDefinition(field, columnName(entity, t, field.name))}`);
  if (field.default !== undefined && !("now" in field.default)) {
    const value = encodeFieldValue(field, field.default.value);
    const literal = value === null ? "NULL" : typeof value === "string" ? `'${value.replace(/'/g, "''")}'` : String(value);
    for (const t of tables) {
      const column = quoteIdent(columnName(entity, t, field.name));
      statements.push(`UPDATE ${quoteIdent(t)} SET ${column} = ${literal} WHERE ${column} IS NULL`);
    }
  }
  return statements;
}

/** Creates or evolves the storage of `entities` in one transaction. */
export function migrateSchema(db: SqliteDatabase, entities: readonly EntitySchema[]): void {
  db.exec(
    `CREATE TABLE IF NOT EXISTS ${SCHEMA_TABLE} (entity TEXT PRIMARY KEY, "table" TEXT NOT NULL, fields TEXT NOT NULL, migrated_at TEXT NOT NULL)`,
  );
  db.transaction(() => {
    for (const entity of entities) {
      refuseStoredTypeChanges(entity, recordedFields(db, entity));
      checkColumnTypes(db, entity);
      for (const statement of createTableStatements(entity)) db.exec(statement);
      addMissingColumns(db, entity);
      syncIndexes(db, entity);
      db.prepare(
        `INSERT INTO ${SCHEMA_TABLE} (entity, "table", fields, migrated_at) VALUES (?, ?, ?, ?) ` +
          `ON CONFLICT (entity) DO UPDATE SET "table" = excluded."table", fields = excluded.fields, migrated_at = excluded.migrated_at`,
      ).run(entity.name, entity.table, JSON.stringify(entity.fields), new Date().toISOString());
    }
  })();
}

/** The last `at` written to any recorded entity's history, so the write clock never goes back. */
export function lastRecordedInstant(db: SqliteDatabase): number {
  const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(SCHEMA_TABLE);
  if (exists === undefined) return 0;
  const tables = db.prepare(`SELECT "table" FROM ${SCHEMA_TABLE}`).pluck().all() as string[];
  let last = 0;
  for (const table of tables) {
    const history = `${table}__history`;
    const found = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(history);
    if (found === undefined) continue;
    // `at` never decreases as `version` grows, so the newest version holds the latest instant.
    const at = db.prepare(`SELECT "at" FROM ${quoteIdent(history)} ORDER BY "version" DESC LIMIT 1`).pluck().get() as number | undefined;
    if (at !== undefined && at > last) last = at;
  }
  return last;
}
