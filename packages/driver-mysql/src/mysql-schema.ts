/**
 * DDL for MySQL/MariaDB: creates and evolves each entity's live table, history table and indexes,
 * and records what it did in `_kova_schema`. `ddlFor` is pure (it only writes SQL text from the
 * entities and, optionally, what the database already has), so `kova migrate` can print or run it;
 * `migrateSchema` reads the database's current state and runs what `ddlFor` says.
 *
 *   <table>            id BIGINT AUTO_INCREMENT PRIMARY KEY (ids are never reused), then one
 *                      column per field. UNIQUE/INDEX fields are indexed.
 *   <table>__history   version BIGINT AUTO_INCREMENT PRIMARY KEY (increases with every write),
 *                      id, op ('insert' | 'update' | 'delete'), at DATETIME(3) UTC, then the same
 *                      field columns; KEY (id, at) makes "latest version of id at or before t" a seek.
 *   _kova_schema       entity, table, fields (JSON), migrated_at.
 *
 * Required-ness is checked by the driver before writing (with messages that name the field), so
 * field columns carry no NOT NULL; that also lets a required field be added to a table that already
 * has rows. A field whose type has a rule the database can check (an enum's values, a port's range,
 * a slug's pattern: field-checks.ts in @kova/query) gets a named CHECK on the live table (MariaDB
 * 10.2+ and MySQL 8.0.16+ enforce them), so SQL run outside Kova cannot store what the app would
 * refuse; the driver still checks first, with its own messages.
 */
import mysql from "mysql2";
import { checkViolationMessage, fieldCheck, fieldCheckName, fieldCheckPrefix, fieldCheckSql, refuseStoredTypeChanges, type EntitySchema, type FieldSchema, type OnDelete } from "@kova/query";
import type { Connection } from "mysql2/promise";
import { compositeIndexName, foreignKeyName, historyColumn, historyIndexName, historyTable, identifier, INDEXED_STRING_LENGTH, plainIndexName, quoteIdent, uniqueIndexName } from "./mysql-compiled.js";
import { encodeFieldValue, isIndexedString, mysqlColumnType } from "./mysql-values.js";

export const SCHEMA_TABLE = "_kova_schema";

/** Case-sensitive, no trailing-space padding: string equality and order as in SQLite (MariaDB 10.2+). */
export const DEFAULT_COLLATION = "utf8mb4_nopad_bin";

/** What a table already has: column name → data type (lower case, e.g. "longtext"), and index names. */
export interface TableState {
  columns: Map<string, string>;
  indexes: Set<string>;
  /** FOREIGN KEY constraint names (live tables). */
  foreignKeys?: Set<string>;
  /** CHECK constraint names (live tables). */
  checks?: Set<string>;
  /** Column name → its COMMENT, and the table's COMMENT (live tables; absent or "" when none). */
  comments?: Map<string, string>;
  comment?: string;
}

export interface DdlOptions {
  /** The collation of every table (default utf8mb4_nopad_bin; MySQL 8 uses utf8mb4_0900_bin). */
  collation?: string;
  /** What the database has now, by table name; tables not listed are created. */
  existing?: ReadonlyMap<string, TableState>;
  /** Every entity of the data source, for the tables references point at (default: `entities`). */
  all?: readonly EntitySchema[];
}

/** A field's column; in the history table a field named like one of its own columns is renamed (historyColumn). */
function columnName(field: FieldSchema, history: boolean): string {
  return history ? historyColumn(field.name) : field.name;
}

/** A live column carries its field's `///` doc as its COMMENT. */
function columnDefinition(field: FieldSchema, history: boolean): string {
  const comment = !history && field.doc !== undefined ? ` COMMENT ${mysql.escape(field.doc)}` : "";
  return `${quoteIdent(columnName(field, history))} ${mysqlColumnType(field, history)} NULL${comment}`;
}

function tableOptions(collation: string): string {
  return ` ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`;
}

/** The indexes an entity wants, by table: name → definition (as in CREATE TABLE / ADD). */
function wantedIndexes(entity: EntitySchema): { live: Map<string, string>; history: Map<string, string> } {
  const live = new Map<string, string>();
  const history = new Map<string, string>();
  for (const field of entity.fields) {
    if (!field.unique && !field.index && field.references === undefined) continue;
    if (field.type === "json") {
      throw new Error(`cannot index ${entity.name}.${field.name}: MySQL cannot index a whole json column; index a field extracted from it instead`);
    }
    const column = quoteIdent(field.name);
    if (field.unique) live.set(uniqueIndexName(entity, field.name), `UNIQUE KEY ${quoteIdent(uniqueIndexName(entity, field.name))} (${column})`);
    else live.set(plainIndexName(entity, field.name), `KEY ${quoteIdent(plainIndexName(entity, field.name))} (${column})`);
    // History strings are LONGTEXT (see mysqlColumnType), indexed by their first 255 characters.
    const inHistory = quoteIdent(historyColumn(field.name));
    const indexed = field.type === "string" ? `${inHistory}(${INDEXED_STRING_LENGTH})` : inHistory;
    history.set(historyIndexName(entity, field.name), `KEY ${quoteIdent(historyIndexName(entity, field.name))} (${indexed})`);
  }
  for (const [unique, list] of [[true, entity.uniques ?? []], [false, entity.indexes ?? []]] as const) {
    for (const fields of list) {
      const name = compositeIndexName(entity, unique, fields);
      // A LONGTEXT member (a string field without its own UNIQUE/INDEX) is keyed by its first 255 characters.
      const columns = fields.map((f) => {
        const field = entity.fields.find((x) => x.name === f);
        return field !== undefined && field.type === "string" && !isIndexedString(field) ? `${quoteIdent(f)}(${INDEXED_STRING_LENGTH})` : quoteIdent(f);
      });
      live.set(name, `${unique ? "UNIQUE " : ""}KEY ${quoteIdent(name)} (${columns.join(", ")})`);
    }
  }
  return { live, history };
}

/** The CHECK constraints a field's type asks for on the live table: name → definition (as in CREATE TABLE / ADD). */
function wantedChecks(entity: EntitySchema): Map<string, string> {
  const wanted = new Map<string, string>();
  for (const field of entity.fields) {
    const check = fieldCheck(field, "mysql");
    if (check === undefined) continue;
    const name = identifier(fieldCheckName(entity.table, check));
    const condition = fieldCheckSql(check, quoteIdent(field.name), (s) => mysql.escape(s), (column, pattern) => `${column} REGEXP ${pattern}`);
    wanted.set(name, `CONSTRAINT ${quoteIdent(name)} CHECK (${condition})`);
  }
  return wanted;
}

function isOurs(entity: EntitySchema, table: string, index: string): boolean {
  if (table === entity.table) return index.startsWith(`${entity.table}__unique_`) || index.startsWith(`${entity.table}__index_`);
  return index.startsWith(`${historyTable(entity)}__index_`);
}

export function schemaTableDdl(): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${quoteIdent(SCHEMA_TABLE)} (\`entity\` VARCHAR(255) NOT NULL PRIMARY KEY, ` +
    `\`table\` VARCHAR(255) NOT NULL, \`fields\` LONGTEXT NOT NULL, \`migrated_at\` DATETIME(3) NOT NULL)` +
    tableOptions("utf8mb4_bin")
  );
}

function createTables(entity: EntitySchema, collation: string, existing: ReadonlyMap<string, TableState> | undefined): string[] {
  const out: string[] = [];
  const indexes = wantedIndexes(entity);
  const history = historyTable(entity);
  if (!existing?.has(entity.table)) {
    const parts = [
      "`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
      ...entity.fields.map((f) => columnDefinition(f, false)),
      ...indexes.live.values(),
      ...wantedChecks(entity).values(),
    ];
    const comment = entity.doc === undefined ? "" : ` COMMENT=${mysql.escape(entity.doc)}`;
    out.push(`CREATE TABLE IF NOT EXISTS ${quoteIdent(entity.table)} (${parts.join(", ")})${tableOptions(collation)}${comment}`);
  }
  if (!existing?.has(history)) {
    const parts = [
      "`version` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
      "`id` BIGINT NOT NULL",
      "`op` VARCHAR(6) NOT NULL",
      "`at` DATETIME(3) NOT NULL",
      ...entity.fields.map((f) => columnDefinition(f, true)),
      `KEY ${quoteIdent(`${history}_id_at`.slice(0, 64))} (\`id\`, \`at\`)`,
      ...indexes.history.values(),
    ];
    out.push(`CREATE TABLE IF NOT EXISTS ${quoteIdent(history)} (${parts.join(", ")})${tableOptions(collation)}`);
  }
  return out;
}

/** ALTERs that bring an existing table to what the entity wants. */
function alterTable(entity: EntitySchema, table: string, state: TableState, wanted: Map<string, string>, history: boolean): string[] {
  const drops: string[] = [];
  const changes: string[] = [];
  const fills: string[] = [];
  const adds: string[] = [];
  const t = quoteIdent(table);
  for (const index of state.indexes) {
    if (isOurs(entity, table, index) && !wanted.has(index)) drops.push(`ALTER TABLE ${t} DROP INDEX ${quoteIdent(index)}`);
  }
  for (const field of entity.fields) {
    const column = columnName(field, history);
    const have = state.columns.get(column);
    if (have === undefined) {
      changes.push(`ALTER TABLE ${t} ADD COLUMN ${columnDefinition(field, history)}`);
      // A constant default also describes the rows written before the field existed, in the live
      // table and in every version, so reading as of any instant agrees with reading the present.
      if (field.default !== undefined && !("now" in field.default)) {
        const value = mysql.escape(encodeFieldValue(field, field.default.value));
        fills.push(`UPDATE ${t} SET ${quoteIdent(column)} = ${value} WHERE ${quoteIdent(column)} IS NULL`);
      }
    } else if (!history && field.type === "string" && (have === "varchar") !== isIndexedString(field)) {
      // A live string field that gains (or loses) an index moves between VARCHAR(255) and LONGTEXT.
      changes.push(`ALTER TABLE ${t} MODIFY COLUMN ${columnDefinition(field, false)}`);
    } else if (!history && (state.comments?.get(column) ?? "") !== (field.doc ?? "")) {
      // MySQL sets a column's COMMENT only with its whole definition (which also clears a removed one).
      changes.push(`ALTER TABLE ${t} MODIFY COLUMN ${columnDefinition(field, false)}`);
    }
  }
  if (!history && (state.comment ?? "") !== (entity.doc ?? "")) changes.push(`ALTER TABLE ${t} COMMENT = ${mysql.escape(entity.doc ?? "")}`);
  for (const [name, definition] of wanted) {
    if (!state.indexes.has(name)) adds.push(`ALTER TABLE ${t} ADD ${definition}`);
  }
  // A changed rule has a new name (field-checks.ts): the new constraint is added before the old one
  // is dropped, so a failed ADD (stored rows break it; MySQL DDL is not transactional) keeps the old.
  const checkDrops: string[] = [];
  if (!history) {
    const checks = wantedChecks(entity);
    for (const [name, definition] of checks) {
      if (!state.checks?.has(name)) adds.push(`ALTER TABLE ${t} ADD ${definition}`);
    }
    for (const name of state.checks ?? []) {
      if (name.startsWith(fieldCheckPrefix(entity.table)) && !checks.has(name)) checkDrops.push(`ALTER TABLE ${t} DROP CONSTRAINT ${quoteIdent(name)}`);
    }
  }
  return [...drops, ...changes, ...fills, ...adds, ...checkDrops];
}

/**
 * The statements that create (or, given `existing`, evolve) the storage of `entities`: the
 * `_kova_schema` table, then per entity its live and history tables, new columns (with constant
 * defaults filled into existing rows and versions), and UNIQUE/INDEX changes.
 */
export function ddlFor(entities: readonly EntitySchema[], options: DdlOptions = {}): string[] {
  const collation = options.collation ?? DEFAULT_COLLATION;
  const existing = options.existing;
  const out = [schemaTableDdl()];
  const all = new Map((options.all ?? entities).map((e) => [e.name, e]));
  // FOREIGN KEYs no longer wanted go first: InnoDB refuses to drop an index (or a column) a
  // foreign key still needs, and a program that drops a reference drops its index too.
  for (const entity of entities) out.push(...foreignKeyDrops(entity, all, existing?.get(entity.table)?.foreignKeys));
  for (const entity of entities) {
    out.push(...createTables(entity, collation, existing));
    const indexes = wantedIndexes(entity);
    const live = existing?.get(entity.table);
    if (live !== undefined) out.push(...alterTable(entity, entity.table, live, indexes.live, false));
    const history = existing?.get(historyTable(entity));
    if (history !== undefined) out.push(...alterTable(entity, historyTable(entity), history, indexes.history, true));
  }
  for (const entity of entities) out.push(...foreignKeyAdds(entity, all, existing?.get(entity.table)?.foreignKeys));
  return out;
}

const ON_DELETE_SQL: Record<OnDelete, string> = { restrict: "RESTRICT", cascade: "CASCADE", setNull: "SET NULL" };

/** The FOREIGN KEY a reference field wants, by name → target table and action. */
function wantedForeignKeys(entity: EntitySchema, all: ReadonlyMap<string, EntitySchema>): Map<string, { field: FieldSchema; parent: EntitySchema; action: OnDelete }> {
  const wanted = new Map<string, { field: FieldSchema; parent: EntitySchema; action: OnDelete }>();
  for (const field of entity.fields) {
    const parent = field.references === undefined ? undefined : all.get(field.references);
    if (parent === undefined) continue;
    const action = field.onDelete ?? "restrict";
    wanted.set(foreignKeyName(entity, field.name, action), { field, parent, action });
  }
  return wanted;
}

/** The FOREIGN KEYs the table has (`have`) that no reference wants any more: one with another action, or for a field no longer a reference. */
function foreignKeyDrops(entity: EntitySchema, all: ReadonlyMap<string, EntitySchema>, have: ReadonlySet<string> | undefined): string[] {
  const wanted = wantedForeignKeys(entity, all);
  return [...(have ?? [])].filter((name) => name.startsWith(`${entity.table}__fk_`) && !wanted.has(name)).map((name) => `ALTER TABLE ${quoteIdent(entity.table)} DROP FOREIGN KEY ${quoteIdent(name)}`);
}

/** Each reference's FOREIGN KEY, after every table exists, when the table (`have`; none: new) lacks it. */
function foreignKeyAdds(entity: EntitySchema, all: ReadonlyMap<string, EntitySchema>, have: ReadonlySet<string> | undefined): string[] {
  const out: string[] = [];
  const table = quoteIdent(entity.table);
  const wanted = wantedForeignKeys(entity, all);
  for (const [name, { field, parent, action }] of wanted) {
    if (have?.has(name)) continue;
    out.push(`ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(name)} FOREIGN KEY (${quoteIdent(field.name)}) REFERENCES ${quoteIdent(parent.table)} (\`id\`) ON DELETE ${ON_DELETE_SQL[action]}`);
  }
  return out;
}

/**
 * What the tables of `entity` look like after `ddlFor([entity])` created them: the state `ddlFor`
 * compares against, for migration files computed from two schema versions without a database.
 */
export function tableStatesOf(entity: EntitySchema, all: readonly EntitySchema[] = [entity]): Map<string, TableState> {
  const indexes = wantedIndexes(entity);
  const dataType = (field: FieldSchema, history: boolean) => mysqlColumnType(field, history).toLowerCase().replace(/\(.*$/, "");
  const foreignKeys = new Set(wantedForeignKeys(entity, new Map(all.map((e) => [e.name, e]))).keys());
  const checks = new Set(wantedChecks(entity).keys());
  const comments = new Map(entity.fields.flatMap((f) => (f.doc === undefined ? [] : [[f.name, f.doc] as const])));
  const live: TableState = { columns: new Map([["id", "bigint"]]), indexes: new Set(["PRIMARY", ...indexes.live.keys()]), foreignKeys, checks, comments, comment: entity.doc };
  const history: TableState = {
    columns: new Map([["version", "bigint"], ["id", "bigint"], ["op", "varchar"], ["at", "datetime"]]),
    indexes: new Set(["PRIMARY", `${historyTable(entity)}_id_at`.slice(0, 64), ...indexes.history.keys()]),
  };
  for (const field of entity.fields) {
    live.columns.set(field.name, dataType(field, false));
    history.columns.set(field.name, dataType(field, true));
  }
  return new Map([[entity.table, live], [historyTable(entity), history]]);
}


/** The DATA_TYPEs a field's column may have (MariaDB reports JSON as longtext). */
const STORED_AS: Record<FieldSchema["type"], string[]> = {
  string: ["longtext", "varchar"],
  uuid: ["char"],
  int: ["bigint"],
  float: ["double"],
  // decimal(p, s) is a native DECIMAL.
  decimal: ["double", "decimal"],
  boolean: ["tinyint"],
  date: ["date"],
  datetime: ["datetime"],
  json: ["longtext", "json"],
};

/** Also catches a type change of a field that was removed and re-added (no longer in _kova_schema). */
export function checkColumnTypes(entity: EntitySchema, state: TableState | undefined): void {
  if (state === undefined) return;
  for (const field of entity.fields) {
    const have = state.columns.get(field.name);
    if (have !== undefined && !STORED_AS[field.type].includes(have)) {
      throw new Error(
        `cannot migrate ${entity.name}.${field.name} to ${field.type}: its column holds ${have.toUpperCase()} values and the mysql driver ` +
          `does not convert stored values; use a new field name instead`,
      );
    }
  }
}

export async function readState(db: Connection, tables: string[]): Promise<Map<string, TableState>> {
  const state = new Map<string, TableState>();
  if (tables.length === 0) return state;
  const [columns] = await db.query(
    "SELECT TABLE_NAME AS t, COLUMN_NAME AS c, LOWER(DATA_TYPE) AS d, COLUMN_COMMENT AS m FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?)",
    [tables],
  );
  for (const row of columns as Array<{ t: string; c: string; d: string; m: string | null }>) {
    let table = state.get(row.t);
    if (table === undefined) state.set(row.t, (table = { columns: new Map(), indexes: new Set(), comments: new Map() }));
    table.columns.set(row.c, row.d);
    if (row.m) table.comments?.set(row.c, row.m);
  }
  const [comments] = await db.query("SELECT TABLE_NAME AS t, TABLE_COMMENT AS m FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?)", [tables]);
  for (const row of comments as Array<{ t: string; m: string | null }>) {
    const table = state.get(row.t);
    if (table !== undefined && row.m) table.comment = row.m;
  }
  const [indexes] = await db.query(
    "SELECT DISTINCT TABLE_NAME AS t, INDEX_NAME AS i FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?)",
    [tables],
  );
  for (const row of indexes as Array<{ t: string; i: string }>) state.get(row.t)?.indexes.add(row.i);
  const [keys] = await db.query(
    "SELECT TABLE_NAME AS t, CONSTRAINT_NAME AS c FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND CONSTRAINT_TYPE = 'FOREIGN KEY' AND TABLE_NAME IN (?)",
    [tables],
  );
  for (const row of keys as Array<{ t: string; c: string }>) {
    const table = state.get(row.t);
    if (table !== undefined) (table.foreignKeys ??= new Set()).add(row.c);
  }
  const [checks] = await db.query(
    "SELECT TABLE_NAME AS t, CONSTRAINT_NAME AS c FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND CONSTRAINT_TYPE = 'CHECK' AND TABLE_NAME IN (?)",
    [tables],
  );
  for (const row of checks as Array<{ t: string; c: string }>) {
    const table = state.get(row.t);
    if (table !== undefined) (table.checks ??= new Set()).add(row.c);
  }
  return state;
}

/**
 * Creates or evolves the storage of `entities`. MySQL commits DDL as it goes, so this is not one
 * transaction; it is idempotent instead, and a named lock keeps two processes from migrating at once.
 */
export async function migrateSchema(db: Connection, entities: readonly EntitySchema[], collation: string): Promise<void> {
  await db.query("SELECT GET_LOCK('kova_migrate', 60)");
  try {
    await db.query(schemaTableDdl());
    const [recorded] = await db.query(`SELECT \`entity\`, \`fields\` FROM ${quoteIdent(SCHEMA_TABLE)}`);
    const previous = new Map((recorded as Array<{ entity: string; fields: string }>).map((r) => [r.entity, JSON.parse(r.fields) as FieldSchema[]]));
    for (const entity of entities) refuseStoredTypeChanges(entity, previous.get(entity.name));
    const state = await readState(db, entities.flatMap((e) => [e.table, historyTable(e)]));
    for (const entity of entities) checkColumnTypes(entity, state.get(entity.table));
    for (const statement of ddlFor(entities, { collation, existing: state })) {
      try {
        await db.query(statement);
      } catch (error) {
        throw migrationError(statement, error, entities);
      }
    }
    for (const entity of entities) {
      await db.execute(
        `INSERT INTO ${quoteIdent(SCHEMA_TABLE)} (\`entity\`, \`table\`, \`fields\`, \`migrated_at\`) VALUES (?, ?, ?, UTC_TIMESTAMP(3)) ` +
          "ON DUPLICATE KEY UPDATE `table` = VALUES(`table`), `fields` = VALUES(`fields`), `migrated_at` = VALUES(`migrated_at`)",
        [entity.name, entity.table, JSON.stringify(entity.fields)],
      );
    }
  } finally {
    await db.query("SELECT RELEASE_LOCK('kova_migrate')");
  }
}

function migrationError(statement: string, error: unknown, entities: readonly EntitySchema[]): Error {
  const reason = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  // MariaDB: ER_CONSTRAINT_FAILED (4025); MySQL: ER_CHECK_CONSTRAINT_VIOLATED (3819).
  const broken = /CHECK|CONSTRAINT/.test(code ?? "") || /constraint .* (failed|is violated)/i.test(reason) ? checkViolationMessage(reason, entities, "mysql") : undefined;
  if (broken !== undefined) return new Error(broken);
  if (code === "ER_DUP_ENTRY") return new Error(`cannot add a UNIQUE index: stored rows already share a value (${reason}); statement: ${statement}`);
  if (code === "ER_NO_REFERENCED_ROW_2" || code === "ER_NO_REFERENCED_ROW" || /foreign key constraint fails/i.test(reason)) {
    return new Error(`cannot enforce a reference: stored rows refer to ids that do not exist; fix or delete them first (${reason}); statement: ${statement}`);
  }
  if (code === "ER_DATA_TOO_LONG" || code === "WARN_DATA_TRUNCATED") {
    return new Error(`cannot make a string field UNIQUE/indexed: stored values are longer than 255 characters (${reason})`);
  }
  return new Error(`migration statement failed: ${reason}; statement: ${statement}`);
}

/** The last `at` written to any recorded entity's history (epoch ms), so the write clock never goes back. */
export async function lastRecordedInstant(db: Connection): Promise<number> {
  const [tables] = await db.query(
    `SELECT s.\`table\` AS t FROM ${quoteIdent(SCHEMA_TABLE)} AS s JOIN information_schema.TABLES AS i ` +
      "ON i.TABLE_SCHEMA = DATABASE() AND i.TABLE_NAME = CONCAT(s.`table`, '__history')",
  );
  let last = 0;
  for (const { t } of tables as Array<{ t: string }>) {
    const [rows] = await db.query({ sql: `SELECT MAX(\`at\`) FROM ${quoteIdent(`${t}__history`)}`, rowsAsArray: true });
    const at = (rows as unknown[][])[0]?.[0];
    if (typeof at === "string") last = Math.max(last, Date.parse(at.replace(" ", "T") + "Z"));
  }
  return last;
}
