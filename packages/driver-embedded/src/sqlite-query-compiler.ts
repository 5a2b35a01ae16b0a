/**
 * Compiles query plans to SQLite statements (see sqlite-compiled.ts for the output's shape).
 *
 * Every entity has two tables: the live table `<table>` (id + one column per field) and the history
 * table `<table>__history` (version, id, op, at + the same field columns), written in the same
 * transaction as the live row. Reads of the present use the live table; `history` plans and `asOf`
 * selects read the history table, whose typed columns let the same WHERE compile against either.
 */
import { fullColumns, graphColumns, historyEntity, keepsHistory, pinsOneId, selectedColumns, usesRelations } from "@kova/query";
import type { EntitySchema, HistoryPlan, SelectPlan, WriteValues } from "@kova/query";
import { graphSelect, relatedRows, historyColumn, insertStatement, planCompiler, replaceClause, setClause, shapedSelect, SqlBuilder, writeBase, type RowSource, type Scope, type WritePlan } from "@kova/sql";
import { sqliteFlavour, sqliteGraph } from "./sqlite-flavour.js";
import {
  historyTable,
  quoteIdent,
  type CompiledRead,
  type CompiledWrite,
  type Param,
  type ResultColumn,
  type SqliteCompiledQuery,
  type Statement,
} from "./sqlite-compiled.js";

const LIVE = "r";
const HISTORY = "h";
/** The AS OF subquery's own alias for the history table. */
const LATEST = "v";

/** The result columns read from the live table, or from the history table (whose field columns may be renamed). */
function columnList(alias: string, columns: readonly ResultColumn[], history = false): string {
  return columns.map((c) => `${quoteIdent(alias)}.${quoteIdent(history ? historyColumn(c.name) : c.name)} AS ${quoteIdent(c.name)}`).join(", ");
}

const builder = (scope: Scope) => new SqlBuilder(scope, sqliteFlavour);

/** Aggregates, aliases, DISTINCT, GROUP BY, pages (see @kova/sql shapedSelect) over the rows now or as of t. */
function compileShaped(plan: SelectPlan, entity: EntitySchema, entities: ReadonlyMap<string, EntitySchema>): CompiledRead {
  const asOf = plan.asOf;
  // Filters, orders and nested selections through relations read related rows (as of t too).
  const graph = relatedRows(sqliteFlavour, sqliteGraph, entities, asOf);
  const shaped = shapedSelect(
    plan,
    () => new SqlBuilder({ entity, alias: asOf === null ? LIVE : HISTORY, history: asOf !== null }, sqliteFlavour, graph),
    (b): RowSource => {
      if (asOf === null) return { from: `${quoteIdent(entity.table)} AS ${quoteIdent(LIVE)}`, conditions: [] };
      // Each id's latest version at or before t, unless it is a delete (as in compileSelect).
      const table = quoteIdent(historyTable(entity));
      const [h, v] = [quoteIdent(HISTORY), quoteIdent(LATEST)];
      return {
        from: `${table} AS ${h}`,
        conditions: [
          `${h}."at" <= ${b.asOf(asOf)}`,
          `${h}."version" = (SELECT ${v}."version" FROM ${table} AS ${v} WHERE ${v}."id" = ${h}."id" AND ${v}."at" <= ${b.asOf(asOf)} ORDER BY ${v}."at" DESC, ${v}."version" DESC LIMIT 1)`,
          `${h}."op" <> 'delete'`,
        ],
      };
    },
    { graph, entity, entities },
  );
  const compiled: CompiledRead = { dialect: "sqlite", plan, kind: "select", columns: shaped.columns, read: { sql: shaped.sql, params: shaped.params }, single: false };
  if (shaped.total !== undefined) compiled.total = shaped.total;
  return compiled;
}

function compileSelect(plan: SelectPlan, entity: EntitySchema, entities: ReadonlyMap<string, EntitySchema>): CompiledRead {
  if (plan.shape !== undefined) return compileShaped(plan, entity, entities);
  if (usesRelations(plan)) {
    const read = graphSelect(plan, entity, entities, sqliteFlavour, sqliteGraph);
    return { dialect: "sqlite", plan, kind: "select", columns: graphColumns(plan, entity, entities), read, single: plan.single };
  }
  const columns = selectedColumns(entity, plan.fields);
  let sql: string;
  let params: Param[];
  if (plan.asOf === null) {
    const b = builder({ entity, alias: LIVE, history: false });
    sql = `SELECT ${columnList(LIVE, columns)} FROM ${quoteIdent(entity.table)} AS ${quoteIdent(LIVE)}`;
    sql += b.where(plan.where) + b.orderBy(plan.orderBy, idOf(b)) + b.limitOffset(plan.limit, plan.offset);
    params = b.params;
  } else if (pinsOneId(plan)) {
    // One id as of t: its newest version with at <= t is one seek down the (id, at) index; the
    // outer query drops it when that version is a delete.
    const b = builder({ entity, alias: HISTORY, history: true });
    const h = quoteIdent(HISTORY);
    const inner = `SELECT ${h}."op" AS "__kova_op", ${columnList(HISTORY, columns, true)} FROM ${quoteIdent(historyTable(entity))} AS ${h}`;
    const where = ` WHERE ${b.filter(plan.where!)} AND ${h}."at" <= ${b.asOf(plan.asOf)}`;
    const outer = columns.map((c) => quoteIdent(c.name)).join(", ");
    sql = `SELECT ${outer} FROM (${inner}${where} ORDER BY ${h}."at" DESC, ${h}."version" DESC LIMIT 1) WHERE "__kova_op" <> 'delete'`;
    params = b.params;
  } else {
    // As of instant t: for each id, its latest version with at <= t, unless that version is a
    // delete. The correlated subquery is one seek in the (id, at) index per candidate version.
    const b = builder({ entity, alias: HISTORY, history: true });
    const table = quoteIdent(historyTable(entity));
    const [h, v] = [quoteIdent(HISTORY), quoteIdent(LATEST)];
    sql = `SELECT ${columnList(HISTORY, columns, true)} FROM ${table} AS ${h} WHERE ${h}."at" <= ${b.asOf(plan.asOf)}`;
    sql += ` AND ${h}."version" = (SELECT ${v}."version" FROM ${table} AS ${v} WHERE ${v}."id" = ${h}."id" AND ${v}."at" <= ${b.asOf(plan.asOf)}`;
    sql += ` ORDER BY ${v}."at" DESC, ${v}."version" DESC LIMIT 1) AND ${h}."op" <> 'delete'`;
    if (plan.where !== null) sql += ` AND ${b.filter(plan.where)}`;
    sql += b.orderBy(plan.orderBy, idOf(b)) + b.limitOffset(plan.limit, plan.offset);
    params = b.params;
  }
  return { dialect: "sqlite", plan, kind: "select", columns, read: { sql, params }, single: plan.single };
}

function compileHistory(plan: HistoryPlan, entity: EntitySchema): CompiledRead {
  const b = builder({ entity, alias: HISTORY, history: true });
  const h = quoteIdent(HISTORY);
  const columns = fullColumns(entity);
  let sql = `SELECT ${h}."version" AS "version", ${h}."op" AS "op", ${h}."at" AS "at", ${columnList(HISTORY, columns, true)}`;
  sql += ` FROM ${quoteIdent(historyTable(entity))} AS ${h}`;
  sql += b.where(plan.where) + b.orderBy(plan.orderBy, { name: "version", sql: b.entryColumn("version").sql }) + b.limitOffset(plan.limit, plan.offset);
  return { dialect: "sqlite", plan, kind: "history", columns, read: { sql, params: b.params }, single: false };
}

function insert(entity: EntitySchema): Statement {
  return insertStatement(builder({ entity, alias: null, history: false }), entity.table, entity, "DEFAULT VALUES");
}

/** A version's INSERT; SECRET fields are not listed, so their history column stays NULL (history-control.ts). */
function historyStatement(stored: EntitySchema, op: "insert" | "update" | "delete"): Statement {
  const entity = historyEntity(stored);
  const names = ["id", "op", "at", ...entity.fields.map((f) => historyColumn(f.name))].map(quoteIdent).join(", ");
  const marks = ["?", `'${op}'`, "?", ...entity.fields.map(() => "?")].join(", ");
  return {
    sql: `INSERT INTO ${quoteIdent(historyTable(entity))} (${names}) VALUES (${marks})`,
    params: [{ from: "id" }, { from: "at" }, ...entity.fields.map((f): Param => ({ from: "value", field: f.name }))],
  };
}

/** SET for an update (see @kova/sql setClause); an update that sets nothing keeps the statement valid with `id = id`. */
function set(entity: EntitySchema, values: WriteValues, b: SqlBuilder): string {
  return setClause(b, entity, values, { target: quoteIdent }) ?? `"id" = "id"`;
}

function returning(entity: EntitySchema): string {
  return ` RETURNING ${["id", ...entity.fields.map((f) => f.name)].map(quoteIdent).join(", ")}`;
}

function compileWrite(plan: WritePlan, entity: EntitySchema): CompiledWrite {
  const table = quoteIdent(entity.table);
  const compiled: CompiledWrite = {
    ...writeBase("sqlite", plan, entity),
    ...(keepsHistory(entity) ? { history: { insert: historyStatement(entity, "insert"), update: historyStatement(entity, "update"), delete: historyStatement(entity, "delete") } } : {}),
  };
  // Writes name the table without an alias (UPDATE/DELETE … AS is not portable across versions).
  const scope = { entity, alias: entity.table, history: false };
  switch (plan.kind) {
    case "insert":
      compiled.insert = insert(entity);
      break;
    case "update": {
      const b = builder(scope);
      compiled.update = { sql: `UPDATE ${table} SET ${set(entity, plan.values, b)}${b.where(plan.where)}${returning(entity)}`, params: b.params };
      break;
    }
    case "delete": {
      const b = builder(scope);
      compiled.delete = { sql: `DELETE FROM ${table}${b.where(plan.where)}${returning(entity)}`, params: b.params };
      break;
    }
    case "save": {
      // SAVE replaces the record with that id (every field written), or inserts without an id.
      const b = builder(scope);
      const assignments = replaceClause(b, entity, { target: quoteIdent }) ?? `"id" = "id"`;
      const id = b.push({ from: "id" });
      // A scoped save (a tenant's) replaces only a record within its scope: any other id is a 404.
      const scoped = plan.where ? b.where(plan.where).replace(/^ WHERE /, " AND ") : "";
      compiled.update = { sql: `UPDATE ${table} SET ${assignments} WHERE "id" = ${id}${scoped}${returning(entity)}`, params: b.params };
      compiled.insert = insert(entity);
      break;
    }
  }
  return compiled;
}

export const compileSqlite = planCompiler<SqliteCompiledQuery>({ select: compileSelect, history: compileHistory, write: compileWrite });

const idOf = (b: SqlBuilder) => ({ name: "id", sql: b.resolveColumn("id").sql });
