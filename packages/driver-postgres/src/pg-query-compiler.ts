/**
 * Compiles query plans to PostgreSQL statements (see pg-compiled.ts for the output's shape).
 *
 * Every entity has two tables: the live table `<table>` (id + one column per field) and the history
 * table `<table>__history` (version, id, op, at, data jsonb). A write is ONE statement: the live
 * change with RETURNING in a data-modifying CTE, and an INSERT of its versions into the history
 * table reading that CTE, so the versions commit with the write even in autocommit mode.
 *
 * Reads of the present use the live table. `history` plans read the history table, its fields out
 * of `data`; `asOf` selects take, for each id, the newest version at or before the instant
 * (DISTINCT ON (id) … ORDER BY id, version DESC) and drop ids whose newest version is a delete.
 */
import { fullColumns, graphColumns, historyEntity, keepsHistory, selectedColumns, usesRelations } from "@kova/query";
import type { EntitySchema, HistoryPlan, SelectPlan, WriteValues } from "@kova/query";
import { graphSelect, relatedRows, insertStatement, planCompiler, replaceClause, setClause, shapedSelect, SqlBuilder, writeBase, type RowSource, type Scope, type SqlFlavour, type WritePlan } from "@kova/sql";
import { historyField, pgGraph, pgSqlFlavour } from "./pg-flavour.js";
import {
  historyTable,
  namedStatement,
  quoteIdent,
  quoteLiteral,
  type PgCompiledQuery,
  type PgCompiledRead,
  type PgCompiledWrite,
  type PgStatement,
  type ResultColumn,
  type SqlFlavor,
} from "./pg-compiled.js";

const LIVE = "r";
const HISTORY = "h";
/** CTE names of a write; prefixed so that they never shadow a user's table. */
const WRITTEN = quoteIdent("__kova_w");
const INSTANT = quoteIdent("__kova_at");
const VERSIONS = quoteIdent("__kova_h");
/** jsonb_build_object takes at most 100 arguments: 50 fields per call, joined with ||. */
const FIELDS_PER_OBJECT = 50;

function columnList(alias: string, columns: readonly ResultColumn[]): string {
  return columns.map((c) => `${quoteIdent(alias)}.${quoteIdent(c.name)} AS ${quoteIdent(c.name)}`).join(", ");
}

/** The rows as of t, typed like the live table (see compileSelect); the caller drops deletes. */
function asOfRows(b: SqlBuilder, plan: SelectPlan, entity: EntitySchema, flavor: SqlFlavor): string {
  const h = quoteIdent(HISTORY);
  const fields = entity.fields.map((f) => `${historyField(HISTORY, f.name, f.type, flavor, f.items, f.rich)} AS ${quoteIdent(f.name)}`);
  return (
    `SELECT DISTINCT ON (${h}."id") ${h}."id" AS "id", ${h}."op" AS "__kova_op"${fields.map((f) => `, ${f}`).join("")} ` +
    `FROM ${quoteIdent(historyTable(entity))} AS ${h} WHERE ${h}."at" <= ${b.asOf(plan.asOf!)} ORDER BY ${h}."id", ${h}."version" DESC`
  );
}

/** Aggregates, aliases, DISTINCT, GROUP BY, pages (see @kova/sql shapedSelect) over the rows now or as of t. */
function compileShaped(plan: SelectPlan, entity: EntitySchema, entities: ReadonlyMap<string, EntitySchema>, flavor: SqlFlavor, sql: SqlFlavour): PgCompiledRead {
  const r = quoteIdent(LIVE);
  // Filters, orders and nested selections through relations read related rows (as of t too).
  const graph = relatedRows(sql, pgGraph(flavor), entities, plan.asOf);
  const shaped = shapedSelect(
    plan,
    () => new SqlBuilder({ entity, alias: LIVE, history: false }, sql, graph),
    (b): RowSource =>
      plan.asOf === null
        ? { from: `${quoteIdent(entity.table)} AS ${r}`, conditions: [] }
        : { from: `(${asOfRows(b, plan, entity, flavor)}) AS ${r}`, conditions: [`${r}."__kova_op" <> 'delete'`] },
    { graph, entity, entities },
  );
  const compiled: PgCompiledRead = { dialect: flavor.dialect, plan, kind: "select", columns: shaped.columns, read: namedStatement(shaped.sql, shaped.params), single: false };
  if (shaped.total !== undefined) compiled.total = namedStatement(shaped.total.sql, shaped.total.params);
  return compiled;
}

function compileSelect(plan: SelectPlan, entity: EntitySchema, entities: ReadonlyMap<string, EntitySchema>, flavor: SqlFlavor, sql: SqlFlavour): PgCompiledRead {
  if (plan.shape !== undefined) return compileShaped(plan, entity, entities, flavor, sql);
  if (usesRelations(plan)) {
    const read = graphSelect(plan, entity, entities, sql, pgGraph(flavor));
    return { dialect: flavor.dialect, plan, kind: "select", columns: graphColumns(plan, entity, entities), read: namedStatement(read.sql, read.params), single: plan.single };
  }
  const columns = selectedColumns(entity, plan.fields);
  const b = new SqlBuilder({ entity, alias: LIVE, history: false }, sql);
  const r = quoteIdent(LIVE);
  let text = `SELECT ${columnList(LIVE, columns)} FROM `;
  if (plan.asOf === null) {
    text += `${quoteIdent(entity.table)} AS ${r}${b.where(plan.where)}`;
  } else {
    // The rows as of t: each id's newest version with at <= t, typed like the live table so the
    // same WHERE and ORDER BY apply; a filter on id alone is pushed into the subquery by the planner.
    const h = quoteIdent(HISTORY);
    const fields = entity.fields.map((f) => `${historyField(HISTORY, f.name, f.type, flavor, f.items, f.rich)} AS ${quoteIdent(f.name)}`);
    const inner =
      `SELECT DISTINCT ON (${h}."id") ${h}."id" AS "id", ${h}."op" AS "__kova_op"${fields.map((f) => `, ${f}`).join("")} ` +
      `FROM ${quoteIdent(historyTable(entity))} AS ${h} WHERE ${h}."at" <= ${b.asOf(plan.asOf)} ORDER BY ${h}."id", ${h}."version" DESC`;
    text += `(${inner}) AS ${r} WHERE ${r}."__kova_op" <> 'delete'`;
    if (plan.where !== null) text += ` AND ${b.filter(plan.where)}`;
  }
  text += b.orderBy(plan.orderBy, { name: "id", sql: b.resolveColumn("id").sql }) + b.limitOffset(plan.limit, plan.offset);
  return { dialect: flavor.dialect, plan, kind: "select", columns, read: namedStatement(text, b.params), single: plan.single };
}

function compileHistory(plan: HistoryPlan, entity: EntitySchema, flavor: SqlFlavor, sql: SqlFlavour): PgCompiledRead {
  const b = new SqlBuilder({ entity, alias: HISTORY, history: true }, sql);
  const h = quoteIdent(HISTORY);
  const columns = fullColumns(entity);
  const fields = entity.fields.map((f) => `${historyField(HISTORY, f.name, f.type, flavor, f.items, f.rich)} AS ${quoteIdent(f.name)}`);
  let text = `SELECT ${h}."version" AS "version", ${h}."op" AS "op", ${h}."at" AS "at", ${h}."id" AS "id"${fields.map((f) => `, ${f}`).join("")}`;
  text += ` FROM ${quoteIdent(historyTable(entity))} AS ${h}`;
  text += b.where(plan.where) + b.orderBy(plan.orderBy, { name: "version", sql: b.entryColumn("version").sql }) + b.limitOffset(plan.limit, plan.offset);
  return { dialect: flavor.dialect, plan, kind: "history", columns, read: namedStatement(text, b.params), single: false };
}

function returning(entity: EntitySchema): string {
  return ` RETURNING ${["id", ...entity.fields.map((f) => f.name)].map(quoteIdent).join(", ")}`;
}

/** The jsonb `data` of a version: the written row's fields (the id has its own column). */
function versionData(entity: EntitySchema): string {
  if (entity.fields.length === 0) return `'{}'::jsonb`;
  const objects: string[] = [];
  for (let i = 0; i < entity.fields.length; i += FIELDS_PER_OBJECT) {
    const pairs = entity.fields.slice(i, i + FIELDS_PER_OBJECT).map((f) => `${quoteLiteral(f.name)}, ${WRITTEN}.${quoteIdent(f.name)}`);
    objects.push(`jsonb_build_object(${pairs.join(", ")})`);
  }
  return objects.join(" || ");
}

/**
 * Wraps the live change (`INSERT/UPDATE/DELETE … RETURNING`) so the same statement records one
 * version per changed row, all with one `at` (the clock when the write ran, to the millisecond),
 * and returns the changed rows ordered by id. The clock is read only once the change has produced
 * a row (`FROM` the written rows), so a write that waited for another's row lock is stamped after
 * that one committed: instants follow version order within a row's history.
 */
function withVersions(change: string, entity: EntitySchema, op: "insert" | "update" | "delete", gate?: string): string {
  const columns = ["id", ...entity.fields.map((f) => f.name)].map(quoteIdent).join(", ");
  // NO HISTORY: the change alone, its rows in id order (@kova/query history-control.ts).
  if (!keepsHistory(entity)) return `WITH ${WRITTEN} AS (${change}) SELECT ${columns} FROM ${WRITTEN} ORDER BY "id"`;
  return (
    `WITH ${WRITTEN} AS (${change}), ` +
    `${INSTANT} AS (SELECT date_trunc('milliseconds', clock_timestamp()) AS "at" FROM (SELECT 1 FROM ${WRITTEN} LIMIT 1) AS "__kova_first"), ` +
    `${VERSIONS} AS (INSERT INTO ${quoteIdent(historyTable(entity))} ("id", "op", "at", "data") ` +
    `SELECT ${WRITTEN}."id", '${op}', ${INSTANT}."at", ${versionData(historyEntity(entity))} FROM ${WRITTEN} CROSS JOIN ${INSTANT}${gate === undefined ? "" : ` WHERE ${gate}`} ORDER BY ${WRITTEN}."id") ` +
    `SELECT ${columns} FROM ${WRITTEN} ORDER BY "id"`
  );
}

function insert(entity: EntitySchema, sql: SqlFlavour): PgStatement {
  const change = insertStatement(new SqlBuilder({ entity, alias: null, history: false }, sql), entity.table, entity, "DEFAULT VALUES");
  return namedStatement(withVersions(change.sql + returning(entity), entity, "insert"), change.params);
}

/** The condition under which an update records versions: it sets some field (PATCH {} records none). */
function changesGate(b: SqlBuilder, entity: EntitySchema): string | undefined {
  // Without versions there is nothing to gate (and no placeholder to bind).
  if (!keepsHistory(entity)) return undefined;
  return b.push({ from: "changes" }, { kind: "boolean" });
}

/** SET for an update (see @kova/sql setClause); an update that sets nothing stays valid with `id = id`. */
function set(entity: EntitySchema, values: WriteValues, b: SqlBuilder): string {
  return setClause(b, entity, values, { target: quoteIdent }) ?? `"id" = "id"`;
}

function compileWrite(plan: WritePlan, entity: EntitySchema, flavor: SqlFlavor, sql: SqlFlavour): PgCompiledWrite {
  const table = quoteIdent(entity.table);
  const base = writeBase(flavor.dialect, plan, entity);
  // Writes name the table itself (no alias), so WHERE columns are qualified by the table name.
  const scope: Scope = { entity, alias: entity.table, history: false };
  switch (plan.kind) {
    case "insert":
      return { ...base, write: insert(entity, sql) };
    case "update": {
      const b = new SqlBuilder(scope, sql);
      const change = `UPDATE ${table} SET ${set(entity, plan.values, b)}${b.where(plan.where)}${returning(entity)}`;
      return { ...base, write: namedStatement(withVersions(change, entity, "update", changesGate(b, entity)), b.params) };
    }
    case "delete": {
      const b = new SqlBuilder(scope, sql);
      const change = `DELETE FROM ${table}${b.where(plan.where)}${returning(entity)}`;
      return { ...base, write: namedStatement(withVersions(change, entity, "delete"), b.params) };
    }
    case "save": {
      // SAVE replaces the record with that id (every field written), or inserts without an id.
      const b = new SqlBuilder(scope, sql);
      const assignments = replaceClause(b, entity, { target: quoteIdent }) ?? `"id" = "id"`;
      const id = b.push({ from: "id" }, { kind: "column", type: "id" });
      // A scoped save (a tenant's) replaces only a record within its scope: any other id is a 404.
      const scoped = plan.where ? b.where(plan.where).replace(/^ WHERE /, " AND ") : "";
      const change = `UPDATE ${table} SET ${assignments} WHERE ${table}."id" = ${id}${scoped}${returning(entity)}`;
      return { ...base, write: namedStatement(withVersions(change, entity, "update", changesGate(b, entity)), b.params), insert: insert(entity, sql) };
    }
  }
}

/** The compiler for one flavor of SQL (PostgreSQL or CockroachDB). */
export function createPgCompiler(flavor: SqlFlavor) {
  const sql = pgSqlFlavour(flavor);
  return planCompiler<PgCompiledQuery>({
    select: (plan, entity, entities) => compileSelect(plan, entity, entities, flavor, sql),
    history: (plan, entity) => compileHistory(plan, entity, flavor, sql),
    write: (plan, entity) => compileWrite(plan, entity, flavor, sql),
  });
}
