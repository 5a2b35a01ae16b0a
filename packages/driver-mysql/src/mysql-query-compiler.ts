/**
 * Compiles query plans to MySQL/MariaDB statements (see mysql-compiled.ts for the output's shape).
 *
 * Every entity has two tables: the live table `<table>` (id + one column per field) and the history
 * table `<table>__history` (version, id, op, at + the same field columns), written in the same
 * transaction as the live row. Reads of the present use the live table; `history` plans and `asOf`
 * selects read the history table, whose typed columns let the same WHERE compile against either.
 */
import { fullColumns, graphColumns, keepsHistory, pinsOneId, selectedColumns, usesRelations } from "@kova/query";
import type { EntitySchema, HistoryPlan, SelectPlan, WriteValues } from "@kova/query";
import { graphSelect, relatedRows, insertStatement, planCompiler, replaceClause, setClause, shapedSelect, SqlBuilder, writeBase, type RowSource, type Scope, type WritePlan } from "@kova/sql";
import { mysqlFlavour, mysqlGraph } from "./mysql-flavour.js";
import {
  historyColumn,
  historyTable,
  quoteIdent,
  type CompiledRead,
  type CompiledWrite,
  type HistoryInsert,
  type MysqlCompiledQuery,
  type Param,
  type ResultColumn,
  type Statement,
} from "./mysql-compiled.js";

const LIVE = "r";
const HISTORY = "h";

/** The result columns from the live table, or from the history table (whose field columns may be renamed). */
function columnList(alias: string, columns: readonly ResultColumn[], history = false): string {
  return columns.map((c) => `${quoteIdent(alias)}.${quoteIdent(history ? historyColumn(c.name) : c.name)}`).join(", ");
}

const builder = (scope: Scope) => new SqlBuilder(scope, mysqlFlavour);
const idOf = (b: SqlBuilder) => ({ name: "id", sql: b.resolveColumn("id").sql });

/** Aggregates, aliases, DISTINCT, GROUP BY, pages (see @kova/sql shapedSelect) over the rows now or as of t. */
function compileShaped(plan: SelectPlan, entity: EntitySchema, entities: ReadonlyMap<string, EntitySchema>): CompiledRead {
  const asOf = plan.asOf;
  // Filters, orders and nested selections through relations read related rows (as of t too).
  const graph = relatedRows(mysqlFlavour, mysqlGraph, entities, asOf);
  const h = quoteIdent(HISTORY);
  const shaped = shapedSelect(
    plan,
    () => new SqlBuilder({ entity, alias: asOf === null ? LIVE : HISTORY, history: asOf !== null }, mysqlFlavour, graph),
    (b): RowSource => {
      if (asOf === null) return { from: `${quoteIdent(entity.table)} AS ${quoteIdent(LIVE)}`, conditions: [] };
      // Each id's latest version at or before t (as in compileSelect), unless it is a delete.
      const latest = `SELECT ${h}.*, ROW_NUMBER() OVER (PARTITION BY ${h}.\`id\` ORDER BY ${h}.\`at\` DESC, ${h}.\`version\` DESC) AS \`kova_rank\`` +
        ` FROM ${quoteIdent(historyTable(entity))} AS ${h} WHERE ${h}.\`at\` <= ${b.asOf(asOf)}`;
      return { from: `(${latest}) AS ${h}`, conditions: [`${h}.\`kova_rank\` = 1`, `${h}.\`op\` <> 'delete'`] };
    },
    { graph, entity, entities },
  );
  const compiled: CompiledRead = { dialect: "mysql", plan, kind: "select", columns: shaped.columns, read: { sql: shaped.sql, params: shaped.params }, single: false };
  if (shaped.total !== undefined) compiled.total = shaped.total;
  return compiled;
}

function compileSelect(plan: SelectPlan, entity: EntitySchema, entities: ReadonlyMap<string, EntitySchema>): CompiledRead {
  if (plan.shape !== undefined) return compileShaped(plan, entity, entities);
  if (usesRelations(plan)) {
    const read = graphSelect(plan, entity, entities, mysqlFlavour, mysqlGraph);
    return { dialect: "mysql", plan, kind: "select", columns: graphColumns(plan, entity, entities), read, single: plan.single };
  }
  const columns = selectedColumns(entity, plan.fields);
  // AS OF reads the history table, whose field columns may be renamed (so its scope is `history`).
  const b = builder({ entity, alias: plan.asOf === null ? LIVE : HISTORY, history: plan.asOf !== null });
  const h = quoteIdent(HISTORY);
  const history = quoteIdent(historyTable(entity));
  let sql: string;
  if (plan.asOf === null) {
    sql = `SELECT ${columnList(LIVE, columns)} FROM ${quoteIdent(entity.table)} AS ${quoteIdent(LIVE)}`;
    sql += b.where(plan.where) + b.orderBy(plan.orderBy, idOf(b)) + b.limitOffset(plan.limit, plan.offset);
  } else if (pinsOneId(plan)) {
    // One id as of t: its newest version with at <= t is one seek down the (id, at) index; the
    // outer query drops it when that version is a delete.
    const inner = `SELECT ${h}.\`op\` AS \`kova_op\`, ${columnList(HISTORY, columns, true)} FROM ${history} AS ${h}` +
      ` WHERE ${b.filter(plan.where!)} AND ${h}.\`at\` <= ${b.asOf(plan.asOf)} ORDER BY ${h}.\`at\` DESC, ${h}.\`version\` DESC LIMIT 1`;
    const outer = columns.map((c) => `${h}.${quoteIdent(historyColumn(c.name))}`).join(", ");
    sql = `SELECT ${outer} FROM (${inner}) AS ${h} WHERE ${h}.\`kova_op\` <> 'delete'`;
  } else {
    // As of instant t: for each id its latest version with at <= t (ROW_NUMBER over the id's
    // versions, newest first), unless that version is a delete; then the plan's WHERE and order.
    const latest = `SELECT ${h}.*, ROW_NUMBER() OVER (PARTITION BY ${h}.\`id\` ORDER BY ${h}.\`at\` DESC, ${h}.\`version\` DESC) AS \`kova_rank\`` +
      ` FROM ${history} AS ${h} WHERE ${h}.\`at\` <= ${b.asOf(plan.asOf)}`;
    sql = `SELECT ${columnList(HISTORY, columns, true)} FROM (${latest}) AS ${h} WHERE ${h}.\`kova_rank\` = 1 AND ${h}.\`op\` <> 'delete'`;
    if (plan.where !== null) sql += ` AND ${b.filter(plan.where)}`;
    sql += b.orderBy(plan.orderBy, idOf(b)) + b.limitOffset(plan.limit, plan.offset);
  }
  return { dialect: "mysql", plan, kind: "select", columns, read: { sql, params: b.params }, single: plan.single };
}

function compileHistory(plan: HistoryPlan, entity: EntitySchema): CompiledRead {
  const b = builder({ entity, alias: HISTORY, history: true });
  const h = quoteIdent(HISTORY);
  const columns = fullColumns(entity);
  let sql = `SELECT ${h}.\`version\`, ${h}.\`op\`, ${h}.\`at\`, ${columnList(HISTORY, columns, true)}`;
  sql += ` FROM ${quoteIdent(historyTable(entity))} AS ${h}`;
  sql += b.where(plan.where) + b.orderBy(plan.orderBy, { name: "version", sql: b.entryColumn("version").sql }) + b.limitOffset(plan.limit, plan.offset);
  return { dialect: "mysql", plan, kind: "history", columns, read: { sql, params: b.params }, single: false };
}

/**
 * `JOIN (the locked ids) ON <table>.id = …`: one JSON-array placeholder, whatever the number of
 * rows. A join rather than `id IN (subquery)`: MariaDB's single-table UPDATE/DELETE would scan the
 * whole table for the IN form, while the join is one primary-key lookup per id.
 */
function idsJoin(table: string, b: SqlBuilder): string {
  return `JOIN JSON_TABLE(${b.push({ from: "ids" })}, '$[*]' COLUMNS (v BIGINT PATH '$')) AS kova_ids ON ${table}.\`id\` = kova_ids.v`;
}

function insert(entity: EntitySchema): Statement {
  return insertStatement(builder({ entity, alias: null, history: false }), entity.table, entity, "() VALUES ()");
}

function historyColumns(entity: EntitySchema): string {
  return ["id", "op", "at", ...entity.fields.map((f) => historyColumn(f.name))].map(quoteIdent).join(", ");
}

function historyInsert(entity: EntitySchema): HistoryInsert {
  const tuple = (op: string) => `(${["?", `'${op}'`, "?", ...entity.fields.map(() => "?")].join(", ")})`;
  return {
    prefix: `INSERT INTO ${quoteIdent(historyTable(entity))} (${historyColumns(entity)}) VALUES `,
    tuple: { insert: tuple("insert"), update: tuple("update"), delete: tuple("delete") },
    // History control (@kova/query history-control.ts): SECRET values never reach a version.
    ...(entity.fields.some((f) => f.secret === true) ? { secret: entity.fields.flatMap((f, i) => (f.secret === true ? [i] : [])) } : {}),
  };
}

/**
 * SET for an update (see @kova/sql setClause). Columns are qualified: the statement joins the id
 * list, whose column must not shadow a field. An update that sets nothing stays valid with `id = id`.
 */
function set(entity: EntitySchema, values: WriteValues, b: SqlBuilder): string {
  const table = quoteIdent(entity.table);
  return setClause(b, entity, values, { target: (name) => `${table}.${quoteIdent(name)}`, present: (p) => `${p} = 1` }) ?? `${table}.\`id\` = ${table}.\`id\``;
}

function compileWrite(plan: WritePlan, entity: EntitySchema): CompiledWrite {
  const table = quoteIdent(entity.table);
  const fetch = builder({ entity, alias: null, history: false });
  const compiled: CompiledWrite = {
    ...writeBase("mysql", plan, entity),
    fetch: {
      sql: `SELECT ${["id", ...entity.fields.map((f) => f.name)].map((c) => `${table}.${quoteIdent(c)}`).join(", ")} FROM ${table} ${idsJoin(table, fetch)} ORDER BY ${table}.\`id\``,
      params: fetch.params,
    },
    ...(keepsHistory(entity) ? { history: historyInsert(entity) } : {}),
  };
  const scope: Scope = { entity, alias: null, history: false };
  // Locking reads take the rows in id order, so two writes over the same rows queue instead of deadlocking.
  const lock = (where: string, params: Param[]): Statement => ({ sql: `SELECT \`id\` FROM ${table}${where} ORDER BY \`id\` FOR UPDATE`, params });
  switch (plan.kind) {
    case "insert":
      compiled.insert = insert(entity);
      break;
    case "update": {
      const w = builder(scope);
      compiled.lock = lock(w.where(plan.where), w.params);
      // Values computed from the row read it through the table's own name.
      const b = builder({ ...scope, alias: entity.table });
      const join = idsJoin(table, b);
      compiled.update = { sql: `UPDATE ${table} ${join} SET ${set(entity, plan.values, b)}`, params: b.params };
      break;
    }
    case "delete": {
      const w = builder(scope);
      compiled.lock = lock(w.where(plan.where), w.params);
      const b = builder(scope);
      compiled.delete = { sql: `DELETE ${table} FROM ${table} ${idsJoin(table, b)}`, params: b.params };
      break;
    }
    case "save": {
      // SAVE replaces the record with that id (every field written), or inserts without an id.
      if (plan.where) {
        // A scoped save (a tenant's) locks only a record within its scope: any other id is a 404.
        const w = builder(scope);
        w.params.push({ from: "id" });
        compiled.lock = lock(" WHERE `id` = ?" + w.where(plan.where).replace(/^ WHERE /, " AND "), w.params);
      } else compiled.lock = lock(" WHERE `id` = ?", [{ from: "id" }]);
      const b = builder({ ...scope, alias: entity.table });
      const join = idsJoin(table, b);
      const assignments = replaceClause(b, entity, { target: (name) => `${table}.${quoteIdent(name)}`, present: (p) => `${p} = 1` }) ?? `${table}.\`id\` = ${table}.\`id\``;
      compiled.update = { sql: `UPDATE ${table} ${join} SET ${assignments}`, params: b.params };
      compiled.insert = insert(entity);
      break;
    }
  }
  return compiled;
}

export const compileMysql = planCompiler<MysqlCompiledQuery>({ select: compileSelect, history: compileHistory, write: compileWrite });

