/**
 * DDL for PostgreSQL (and, through its flavor, CockroachDB): creates and evolves each entity's live
 * table, history table and indexes, and records what it did in `_kova_schema`. Running it twice
 * changes nothing.
 *
 *   <table>            id from a sequence (small, increasing integers), then one column per field.
 *   <table>__history   version from a sequence (increasing with every write to the entity), id,
 *                      op ('insert' | 'update' | 'delete'), at (timestamptz, milliseconds),
 *                      data (jsonb: the row's fields after the write; for a delete, before it).
 *                      Index (id, version): "newest version of id at or before t" is one descent.
 *   _kova_schema       entity, table, fields (jsonb), migrated_at.
 *
 * Columns carry no NOT NULL: the driver checks required fields before writing (with messages that
 * name the field), which also lets a required field be added to a table that already has rows. On
 * PostgreSQL, a field whose type has a rule the database can check (an enum's values, a port's
 * range, a slug's pattern: field-checks.ts in @kova/query) gets a named CHECK, so SQL run outside
 * Kova cannot store what the app would refuse. The history keeps its fields in jsonb, so adding a
 * field never alters it.
 */
import { fieldCheck, fieldCheckName, fieldCheckSql, richColumn, tenantField, type EntitySchema, type FieldSchema, type OnDelete } from "@kova/query";
import { fitIdentifier, historyTable, quoteIdent, quoteLiteral, type SqlFlavor } from "./pg-compiled.js";
import { encodeFieldValue, pgColumnType } from "./pg-values.js";

export const SCHEMA_TABLE = "_kova_schema";

export function uniqueIndexName(entity: EntitySchema, field: string): string {
  return fitIdentifier(`${entity.table}__unique_${field}`);
}

export function plainIndexName(entity: EntitySchema, field: string): string {
  return fitIdentifier(`${entity.table}__index_${field}`);
}

/** `UNIQUE (a, b)` → `<table>__unique_a__b`, `INDEX (a, b)` → `<table>__index_a__b`. */
export function compositeIndexName(entity: EntitySchema, unique: boolean, fields: readonly string[]): string {
  return fitIdentifier(`${entity.table}__${unique ? "unique" : "index"}_${fields.join("__")}`);
}

const ON_DELETE_SQL: Record<OnDelete, string> = { restrict: "RESTRICT", cascade: "CASCADE", setNull: "SET NULL" };
const ON_DELETE_ACTIONS = Object.keys(ON_DELETE_SQL) as OnDelete[];

/** A reference's FOREIGN KEY; the action is in the name, so changing it drops one and adds another. */
export function foreignKeyName(entity: EntitySchema, field: string, action: OnDelete): string {
  return fitIdentifier(`${entity.table}__fk_${field}__${action}`);
}

/**
 * The FOREIGN KEY of each reference to an entity of the same data source (`entities`), run after
 * every table exists. Idempotent: a constraint already there is left alone (PostgreSQL has no ADD
 * CONSTRAINT IF NOT EXISTS, hence the DO block); one with another action is dropped first.
 */
export function foreignKeyDdl(entity: EntitySchema, entities: ReadonlyMap<string, EntitySchema>): string[] {
  const out: string[] = [];
  const table = quoteIdent(entity.table);
  for (const field of entity.fields) {
    const parent = field.references === undefined ? undefined : entities.get(field.references);
    if (parent === undefined) continue;
    const action = field.onDelete ?? "restrict";
    for (const other of ON_DELETE_ACTIONS) {
      if (other !== action) out.push(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${quoteIdent(foreignKeyName(entity, field.name, other))}`);
    }
    const name = foreignKeyName(entity, field.name, action);
    out.push(
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = ${quoteLiteral(name)} AND conrelid = ${quoteLiteral(quoteIdent(entity.table))}::regclass) THEN ` +
        `ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(name)} FOREIGN KEY (${quoteIdent(field.name)}) REFERENCES ${quoteIdent(parent.table)} ("id") ON DELETE ${ON_DELETE_SQL[action]}; END IF; END $$`,
    );
  }
  return out;
}

function historyIndexName(entity: EntitySchema): string {
  return fitIdentifier(`${historyTable(entity)}__id_version`);
}

/** The indexes `entity` wants on its live table, by name. */
export function wantedIndexes(entity: EntitySchema): Map<string, string> {
  const wanted = new Map<string, string>();
  const table = quoteIdent(entity.table);
  for (const field of entity.fields) {
    const column = quoteIdent(field.name);
    if (field.unique) {
      const name = uniqueIndexName(entity, field.name);
      wanted.set(name, `CREATE UNIQUE INDEX IF NOT EXISTS ${quoteIdent(name)} ON ${table} (${column})`);
    } else if (field.index || field.references !== undefined) {
      const name = plainIndexName(entity, field.name);
      wanted.set(name, `CREATE INDEX IF NOT EXISTS ${quoteIdent(name)} ON ${table} (${column})`);
    }
  }
  for (const [unique, list] of [[true, entity.uniques ?? []], [false, entity.indexes ?? []]] as const) {
    for (const fields of list) {
      const name = compositeIndexName(entity, unique, fields);
      wanted.set(name, `CREATE ${unique ? "UNIQUE " : ""}INDEX IF NOT EXISTS ${quoteIdent(name)} ON ${table} (${fields.map(quoteIdent).join(", ")})`);
    }
  }
  return wanted;
}

export function schemaTableDdl(): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${quoteIdent(SCHEMA_TABLE)} ("entity" text PRIMARY KEY, "table" text NOT NULL, ` +
      `"fields" jsonb NOT NULL, "migrated_at" timestamptz NOT NULL)`,
    // Added after the table's first release (see storageMark in pg-migrate.ts).
    `ALTER TABLE ${quoteIdent(SCHEMA_TABLE)} ADD COLUMN IF NOT EXISTS "storage_mark" text`,
  ];
}

/** The statements that create one entity's storage, or complete it (new columns, new indexes). */
export function entityDdl(entity: EntitySchema, flavor: SqlFlavor): string[] {
  const table = quoteIdent(entity.table);
  const history = quoteIdent(historyTable(entity));
  const id = flavor.serialColumn(entity.table, "id");
  const version = flavor.serialColumn(historyTable(entity), "version");
  const columns = entity.fields.map((f) => `${quoteIdent(f.name)} ${flavor.columnType(f.type, f.items, f.rich)}`);
  return [
    ...id.before,
    `CREATE TABLE IF NOT EXISTS ${table} (${[id.definition, ...columns].join(", ")})`,
    ...columns.map((column) => `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${column}`),
    ...version.before,
    `CREATE TABLE IF NOT EXISTS ${history} (${version.definition}, "id" bigint NOT NULL, "op" text NOT NULL, ` +
      `"at" timestamptz NOT NULL, "data" jsonb NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS ${quoteIdent(historyIndexName(entity))} ON ${history} ("id", "version")`,
    ...commentDdl(entity),
    ...wantedIndexes(entity).values(),
    ...(flavor.dialect === "postgres" ? [...checkDdl(entity), ...tenantPolicyDdl(entity)] : []),
  ];
}

/** The `///` docs of the entity and its fields as COMMENTs on the live table and its columns (setting one is idempotent). */
export function commentDdl(entity: EntitySchema): string[] {
  const table = quoteIdent(entity.table);
  const out = entity.doc === undefined ? [] : [`COMMENT ON TABLE ${table} IS ${quoteLiteral(entity.doc)}`];
  for (const field of entity.fields) {
    if (field.doc !== undefined) out.push(`COMMENT ON COLUMN ${table}.${quoteIdent(field.name)} IS ${quoteLiteral(field.doc)}`);
  }
  return out;
}

/** Clears the COMMENTs of docs that `before` (the entity as it was) had and `entity` no longer has. */
export function staleCommentDrops(entity: EntitySchema, before: { doc?: string; fields: readonly FieldSchema[] }): string[] {
  const table = quoteIdent(entity.table);
  const out = before.doc !== undefined && entity.doc === undefined ? [`COMMENT ON TABLE ${table} IS NULL`] : [];
  for (const field of before.fields) {
    if (field.doc === undefined) continue;
    const now = entity.fields.find((f) => f.name === field.name);
    if (now?.doc === undefined) out.push(`COMMENT ON COLUMN ${table}.${quoteIdent(field.name)} IS NULL`);
  }
  return out;
}

/** The CHECK constraints `entity` wants on its live table: name → condition. */
export function wantedChecks(entity: EntitySchema): Map<string, string> {
  const wanted = new Map<string, string>();
  for (const field of entity.fields) {
    const check = fieldCheck(field, "postgres");
    if (check === undefined) continue;
    wanted.set(fitIdentifier(fieldCheckName(entity.table, check)), fieldCheckSql(check, quoteIdent(field.name), quoteLiteral, (column, pattern) => `${column} ~ ${pattern}`));
  }
  return wanted;
}

/**
 * Each field's CHECK, added when the table lacks it (PostgreSQL has no ADD CONSTRAINT IF NOT
 * EXISTS, hence the DO block; `$kova$` quoting, as a pattern may hold `$`). The rule is in the
 * name, so a changed rule is a new constraint; the old one is dropped by staleCheckDrops.
 */
export function checkDdl(entity: EntitySchema): string[] {
  const table = quoteIdent(entity.table);
  return [...wantedChecks(entity)].map(
    ([name, condition]) =>
      `DO $kova$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = ${quoteLiteral(name)} AND conrelid = ${quoteLiteral(table)}::regclass) THEN ` +
      `ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(name)} CHECK (${condition}); END IF; END $kova$`,
  );
}

/** Drops the CHECKs `fields` (what the entity had) wanted that `entity` no longer does. */
export function staleCheckDrops(entity: EntitySchema, fields: readonly FieldSchema[]): string[] {
  const wanted = wantedChecks(entity);
  const before = wantedChecks({ ...entity, fields: [...fields] });
  return [...before.keys()].filter((name) => !wanted.has(name)).map((name) => `ALTER TABLE ${quoteIdent(entity.table)} DROP CONSTRAINT IF EXISTS ${quoteIdent(name)}`);
}

/** The setting the driver sets to the caller's tenant in each transaction of a TENANT BY entity (pg-driver.ts). */
export const TENANT_SETTING = "kova.tenant";

/**
 * `ENTITY Contact TENANT BY org` on PostgreSQL: row-level security, so that even SQL run outside
 * Kova on the app's role cannot cross tenants. FORCE applies the policy to the table's owner too;
 * only a superuser or a role with BYPASSRLS is exempt (docs/entities.md, "Tenants"). A row is
 * visible and writable only when its tenant column equals `current_setting('kova.tenant', true)`,
 * which is null (so nothing matches) where the setting was never set. The history table holds each
 * version's tenant in its data, under the same rule. Dropped and created again, so a migration
 * always leaves the current policy.
 */
export function tenantPolicyDdl(entity: EntitySchema): string[] {
  const field = tenantField(entity);
  if (field === undefined) return [];
  const setting = `current_setting('${TENANT_SETTING}', true)`;
  const policy = (table: string, column: string) => {
    const name = quoteIdent(fitIdentifier(`${table}__tenant`));
    const target = quoteIdent(table);
    return [
      `ALTER TABLE ${target} ENABLE ROW LEVEL SECURITY`,
      `ALTER TABLE ${target} FORCE ROW LEVEL SECURITY`,
      `DROP POLICY IF EXISTS ${name} ON ${target}`,
      `CREATE POLICY ${name} ON ${target} USING (${column} = ${setting}) WITH CHECK (${column} = ${setting})`,
    ];
  };
  return [...policy(entity.table, quoteIdent(field.name)), ...policy(historyTable(entity), `("data" ->> ${quoteLiteral(field.name)})`)];
}

/**
 * The migration script for `entities`: idempotent statements (create tables, add columns, create
 * indexes) that `kova migrate` can print or run. It does not drop indexes or backfill defaults;
 * `migrate` on a live connection does those too, as it can see what exists.
 */
export function ddlFor(entities: readonly EntitySchema[], flavor: SqlFlavor): string[] {
  const byName = new Map(entities.map((e) => [e.name, e]));
  return [...schemaTableDdl(), ...entities.flatMap((entity) => entityDdl(entity, flavor)), ...entities.flatMap((entity) => foreignKeyDdl(entity, byName))];
}


/**
 * Backfill for a field just added with a constant default: the default also describes the rows
 * (and versions) written before the field existed, so AS OF reads agree with the present.
 */
export function backfillStatements(entity: EntitySchema, field: FieldSchema): Array<{ text: string; values: unknown[] }> {
  if (field.default === undefined || "now" in field.default) return [];
  const value = encodeFieldValue(field, field.default.value);
  if (value === null) return [];
  const type = richColumn(field.rich, "postgres") ?? pgColumnType(field.type, field.items);
  const column = quoteIdent(field.name);
  const key = quoteLiteral(field.name);
  return [
    { text: `UPDATE ${quoteIdent(entity.table)} SET ${column} = $1::${type} WHERE ${column} IS NULL`, values: [value] },
    {
      text:
        `UPDATE ${quoteIdent(historyTable(entity))} SET "data" = "data" || jsonb_build_object(${key}, $1::${type}) ` +
        `WHERE "data"->${key} IS NULL OR "data"->${key} = 'null'::jsonb`,
      values: [value],
    },
  ];
}
