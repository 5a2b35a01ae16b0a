/**
 * A shaped SELECT (see `SelectShape`): chosen columns with aliases, computed values and aggregates,
 * DISTINCT, GROUP BY … HAVING, a count returned as one value, a page with its total. One writer for
 * every flavour; a dialect only says where the rows come from (the live table, or the rows as of
 * an instant), so the same shape reads the present and the past alike.
 */
import { graphColumns, isValueOperand, keyColumn, TOTAL_COLUMN, type EntitySchema, type ResultColumn, type SelectPlan, type SelectShape } from "@kova/query";
import type { Graph } from "./sql-graph.js";
import type { Param } from "./sql-compiled.js";
import type { SqlBuilder } from "./sql-filter.js";

/** Where a dialect's rows come from: a FROM item, and conditions every row must meet (AS OF). */
export interface RowSource {
  from: string;
  conditions: string[];
}

export interface ShapedStatement {
  sql: string;
  params: Param[];
  columns: ResultColumn[];
  /**
   * For a page: the count alone, run only when the page came back empty past its OFFSET (the
   * window total rides on the page's rows, so an empty page has none to carry it).
   */
  total?: { sql: string; params: Param[] };
}

/**
 * Writes the statement. `builder()` makes a fresh builder on the source's scope; `source(b)` writes
 * the FROM with that builder, after the columns, so positional placeholders stay in text order.
 */
export function shapedSelect(
  plan: SelectPlan,
  builder: () => SqlBuilder,
  source: (b: SqlBuilder) => RowSource,
  /** For a plan with nested selections (the checker allows them beside a plain list, page or keyset page). */
  nested?: { graph: Graph; entity: EntitySchema; entities: ReadonlyMap<string, EntitySchema> },
): ShapedStatement {
  const shape = plan.shape!;
  const b = builder();
  const q = (name: string) => b.flavour.quoteIdent(name);
  const columns = resultColumns(b, shape);
  const projection = shape.columns.map((c) => `${b.operand(c.value, undefined).sql} AS ${q(c.name)}`);
  // `SELECT title, author { name }, COUNT(comments) … WITH TOTAL`: one scalar subquery per nested
  // selection, decoded like a graph select's.
  if ((plan.nested?.length ?? 0) > 0) {
    if (nested === undefined || shape.distinct || shape.groupBy.length > 0) throw new Error("nested selections in a grouped or DISTINCT SELECT cannot be compiled");
    const names = new Set(plan.nested!.map((n) => n.name));
    for (const n of plan.nested!) projection.push(`${nested.graph.nested(b, n)} AS ${q(n.name)}`);
    columns.push(...graphColumns({ fields: [], nested: plan.nested }, nested.entity, nested.entities).filter((c) => names.has(c.name)));
  }
  // A keyset page also reads its keys, so the next cursor can be made from its last row.
  shape.after?.keys.forEach((k, i) => {
    if ((k.via?.length ?? 0) > 0) throw new Error("AFTER cannot page by a field of a related row yet: order by fields of the entity for a keyset page");
    const column = b.resolveColumn(k.field);
    projection.push(`${column.sql} AS ${q(keyColumn(i))}`);
    columns.push({ name: keyColumn(i), type: column.type === "instant" ? "string" : column.type });
  });
  let sql: string;
  if (shape.result === "page" && shape.distinct) {
    // COUNT(*) OVER () would count the rows before DISTINCT: count the distinct rows outside.
    const inner = core(plan, shape, b, `SELECT DISTINCT ${projection.join(", ")}`, source);
    sql = `SELECT ${shape.columns.map((c) => `${q("__kova_q")}.${q(c.name)}`).join(", ")}, COUNT(*) OVER () AS ${q(TOTAL_COLUMN)} FROM (${inner}) AS ${q("__kova_q")}`;
    sql += orderBy(plan, shape, b, true) + b.limitOffset(plan.limit, plan.offset);
  } else {
    if (shape.result === "page") projection.push(`COUNT(*) OVER () AS ${q(TOTAL_COLUMN)}`);
    sql = core(plan, shape, b, `SELECT ${shape.distinct ? "DISTINCT " : ""}${projection.join(", ")}`, source);
    if (shape.result !== "value") sql += orderBy(plan, shape, b, false) + b.limitOffset(plan.limit, plan.offset);
  }
  const statement: ShapedStatement = { sql, params: b.params, columns };
  if (shape.result === "page") {
    const t = builder();
    const counted = shape.columns.map((c) => `${t.operand(c.value, undefined).sql} AS ${q(c.name)}`);
    const inner = core(plan, shape, t, `SELECT ${shape.distinct ? "DISTINCT " : ""}${counted.join(", ")}`, source);
    statement.total = { sql: `SELECT COUNT(*) AS ${q(TOTAL_COLUMN)} FROM (${inner}) AS ${q("__kova_q")}`, params: t.params };
    columns.push({ name: TOTAL_COLUMN, type: "int" });
  }
  return statement;
}

/** SELECT … FROM … WHERE … GROUP BY … HAVING …, without order or limit. */
function core(plan: SelectPlan, shape: SelectShape, b: SqlBuilder, select: string, source: (b: SqlBuilder) => RowSource): string {
  const from = source(b);
  const conditions = [...from.conditions];
  if (plan.where !== null) conditions.push(b.filter(plan.where));
  if (shape.after !== undefined) conditions.push(keyset(b, shape.after));
  let sql = `${select} FROM ${from.from}`;
  if (conditions.length > 0) sql += ` WHERE ${conditions.join(" AND ")}`;
  if (shape.groupBy.length > 0) sql += ` GROUP BY ${shape.groupBy.map((f) => b.resolveColumn(f).sql).join(", ")}`;
  if (shape.having !== null) sql += ` HAVING ${b.filter(shape.having)}`;
  return sql;
}

/**
 * ORDER BY the plan's terms (a result column by its name, or a field of the rows), then a
 * tiebreak that makes the order total, so pages never repeat or skip a row: the id for rows, the
 * grouped fields for groups, every column for DISTINCT rows.
 */
function orderBy(plan: SelectPlan, shape: SelectShape, b: SqlBuilder, outer: boolean): string {
  const q = (name: string) => b.flavour.quoteIdent(name);
  const names = new Set(shape.columns.map((c) => c.name));
  const nulls = b.flavour.nulls;
  const term = (sql: string, direction: "ASC" | "DESC") => `${sql} ${direction}${nulls === undefined ? "" : ` ${direction === "DESC" ? nulls.desc : nulls.asc}`}`;
  const ordered = new Set<string>();
  const parts = plan.orderBy.map((t) => {
    ordered.add(t.field);
    return term(names.has(t.field) && t.path === undefined ? q(t.field) : b.orderKey(t), t.direction);
  });
  if (shape.distinct || outer) {
    for (const c of shape.columns) if (!ordered.has(c.name)) parts.push(term(q(c.name), "ASC"));
  } else if (shape.groupBy.length > 0) {
    for (const f of shape.groupBy) if (!ordered.has(f)) parts.push(term(b.resolveColumn(f).sql, "ASC"));
  } else if (!isAggregateOnly(shape) && !ordered.has("id")) {
    parts.push(`${b.resolveColumn("id").sql} ASC`);
  }
  return parts.length === 0 ? "" : ` ORDER BY ${parts.join(", ")}`;
}

/**
 * The rows after the cursor's in the order of `keys`: `(k0 > v0) OR (k0 = v0 AND k1 > v1) OR …`
 * (`<` for DESC), every row when there is no cursor. Keys are never null (the checker sees to it),
 * so plain comparisons hold.
 */
function keyset(b: SqlBuilder, after: NonNullable<SelectShape["after"]>): string {
  const cursor = after.cursor;
  if (!isValueOperand(cursor)) throw new Error("AFTER takes a cursor value or argument, not a field");
  const none = `${b.value(cursor, { kind: "any" }, { kind: "text" })} IS NULL`;
  const count = after.keys.length;
  const key = (i: number) => {
    if (after.keys[i].path !== undefined) throw new Error("AFTER cannot page by a json sub-field yet: order by fields of the entity for a keyset page");
    const column = b.resolveColumn(after.keys[i].field);
    const type = column.type;
    if (cursor.kind === "literal") throw new Error("AFTER takes the cursor from the request, not a constant");
    const value = b.push({ from: "cursor", index: cursor.index, position: i, count, field: after.label, encoding: type === "instant" ? { kind: "instant" } : { kind: "scalar", type } }, { kind: "column", type });
    return { column: column.sql, value };
  };
  const alternatives: string[] = [];
  for (let i = 0; i < count; i++) {
    const parts: string[] = [];
    for (let j = 0; j < i; j++) {
      const { column, value } = key(j);
      parts.push(`${column} = ${value}`);
    }
    const { column, value } = key(i);
    parts.push(`${column} ${after.keys[i].direction === "DESC" ? "<" : ">"} ${value}`);
    alternatives.push(`(${parts.join(" AND ")})`);
  }
  return `(${none} OR ${alternatives.join(" OR ")})`;
}

/** Aggregates with no GROUP BY: one row, nothing to order. */
function isAggregateOnly(shape: SelectShape): boolean {
  return shape.groupBy.length === 0 && shape.columns.some((c) => c.value.kind === "aggregate");
}

/** Each column's name and the type its values are read back as. */
function resultColumns(b: SqlBuilder, shape: SelectShape): ResultColumn[] {
  return shape.columns.map((c) => {
    const type = b.typeOf(c.value);
    return { name: c.name, type: type === undefined || type === "instant" ? "string" : type };
  });
}
