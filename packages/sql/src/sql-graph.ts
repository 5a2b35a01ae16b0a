/**
 * Selects that read related rows (nested selections, filters and orders through relations),
 * compiled into ONE statement for every SQL flavour: each related selection is a correlated
 * subquery that builds JSON (an object, a list, or a count), so a list of 50 posts with their
 * authors and comment counts is one round trip, never one query per row.
 *
 * Every related table is read through a source shaped like the live table (`id` + one column per
 * field): the live table itself, or under AS OF the flavour's "rows as they were" subquery, so the
 * whole graph is read at the same instant.
 */
import { graphColumns, type EntitySchema, type Filter, type NestedSelection, type Operand, type OrderTerm, type RelationStep, type SelectPlan } from "@kova/query";
import type { Param } from "./sql-compiled.js";
import type { ColumnType, RelatedRows } from "./sql-filter.js";
import { SqlBuilder } from "./sql-filter.js";
import type { SqlFlavour } from "./sql-flavour.js";

/** An ORDER BY key as a list aggregate sees it. */
export interface ListOrder {
  sql: string;
  direction: "ASC" | "DESC";
}

/**
 * The rows a related list reads. Each part is a function that adds its placeholders when called:
 * a flavour calls them in the order the parts appear in its SQL text (`?` placeholders are
 * positional), each exactly once.
 */
export interface ListRows {
  b: SqlBuilder;
  /** The JSON value of each row. */
  value(): string;
  /** The keys the list is ordered by (the last one the id, so the order is total). */
  order(): ListOrder[];
  /** `source AS alias WHERE …`. */
  from(): string;
  limit(): string | null;
  /** The LIMIT as the plan wrote it, for a flavour whose database takes only a constant there. */
  limitOperand: Operand | null;
}

/** How a flavour spells JSON building (each answer a small pure function of SQL text). */
export interface GraphFlavour {
  /** A JSON object from key/value pairs (keys are field names, written as SQL string literals). */
  jsonObject(pairs: ReadonlyArray<readonly [string, string]>): string;
  /** A column's value as it goes into a JSON object (e.g. SQLite's json(text) for a json field). */
  jsonValue(sql: string, type: ColumnType): string;
  /** JSON text read from a subquery, re-read as JSON so that it nests instead of being quoted. */
  embed(sql: string): string;
  /** The scalar subquery aggregating the rows' values into a JSON array (`[]` when none). */
  jsonList(rows: ListRows): string;
  /**
   * A FROM item shaped like the live table (`id` + each field under its own name) holding the
   * rows as they were at the instant; `instant()` adds the instant's placeholder (call it once
   * per use).
   */
  asOfSource(b: SqlBuilder, entity: EntitySchema, instant: () => string): string;
}

/** The SQL text of a string constant (field names only: they come from the schema). */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** ORDER BY text for list keys, with the flavour's NULL placement. */
export function orderText(flavour: SqlFlavour, order: readonly ListOrder[]): string {
  const nulls = flavour.nulls;
  return order.map((o) => `${o.sql} ${o.direction}${nulls === undefined ? "" : ` ${o.direction === "DESC" ? nulls.desc : nulls.asc}`}`).join(", ");
}

/**
 * The list form PostgreSQL and SQLite share: the rows ordered and limited in a derived table,
 * aggregated in that order (the keys are carried as columns so the aggregate can order by them).
 */
export function derivedList(rows: ListRows, aggregate: (value: string, order: string) => string): string {
  const { b } = rows;
  const q = (name: string) => b.flavour.quoteIdent(name);
  const x = b.uniqueAlias("kova_x");
  const value = rows.value();
  const order = rows.order();
  const keys = order.map((o, i) => `${o.sql} AS ${q(`kova_o${i}`)}`);
  const from = rows.from();
  const limit = rows.limit();
  const byAlias = (alias: string | null) => order.map((o, i) => ({ sql: `${alias === null ? "" : `${q(alias)}.`}${q(`kova_o${i}`)}`, direction: o.direction }));
  const inner = `SELECT ${[`${value} AS ${q("kova_v")}`, ...keys].join(", ")} FROM ${from} ORDER BY ${orderText(b.flavour, byAlias(null))}${limit === null ? "" : ` LIMIT ${limit}`}`;
  return `(SELECT ${aggregate(`${q(x)}.${q("kova_v")}`, orderText(b.flavour, byAlias(x)))} FROM (${inner}) AS ${q(x)})`;
}

/**
 * The related-rows compiler of a statement whose rows `plan` reads (live or as of its instant):
 * filters and orders through relations, and nested selections. A shaped SELECT (sql-shape.ts)
 * gives it to its builder so its WHERE, ORDER BY and columns can read related rows too.
 */
export function relatedRows(flavour: SqlFlavour, json: GraphFlavour, entities: ReadonlyMap<string, EntitySchema>, asOf: Operand | null): Graph {
  return new Graph(flavour, json, entities, asOf);
}

export type { Graph };

class Graph implements RelatedRows {
  constructor(
    readonly flavour: SqlFlavour,
    readonly json: GraphFlavour,
    readonly entities: ReadonlyMap<string, EntitySchema>,
    readonly asOf: Operand | null,
  ) {}

  private q(name: string): string {
    return this.flavour.quoteIdent(name);
  }

  target(step: RelationStep): EntitySchema {
    const entity = this.entities.get(step.entity);
    if (entity === undefined) throw new Error(`relation ${step.name} leads to entity ${step.entity}, which is not declared`);
    return entity;
  }

  /** The FROM item of an entity's rows (live, or as of the plan's instant), under `alias`. */
  source(b: SqlBuilder, entity: EntitySchema, alias: string): string {
    const from = this.asOf === null ? this.q(entity.table) : this.json.asOfSource(b, entity, () => b.asOf(this.asOf!));
    return `${from} AS ${this.q(alias)}`;
  }

  /**
   * A builder for the related rows of `parent` along `step`, the condition that links them, and
   * their FROM item (a function: under AS OF it adds placeholders, so it is called where its text goes).
   */
  step(parent: SqlBuilder, step: RelationStep): { c: SqlBuilder; from: () => string; link: string } {
    const entity = this.target(step);
    const alias = parent.uniqueAlias("kova_r");
    const c = parent.child({ entity, alias, history: false });
    const link =
      step.kind === "one"
        ? `${c.resolveColumn("id").sql} = ${parent.resolveColumn(step.field).sql}`
        : `${c.resolveColumn(step.field).sql} = ${parent.resolveColumn("id").sql}`;
    return { c, from: () => this.source(parent, entity, alias), link };
  }

  exists(b: SqlBuilder, filter: Filter & { kind: "related" }): string {
    const { c, from, link } = this.step(b, filter.relation);
    const source = from();
    const where = filter.filter === null ? "" : ` AND ${c.filter(filter.filter)}`;
    return `EXISTS (SELECT 1 FROM ${source} WHERE ${link}${where})`;
  }

  followed(b: SqlBuilder, term: OrderTerm): string {
    const [first, ...rest] = term.via ?? [];
    if (first === undefined) return b.orderKey({ ...term, via: undefined });
    const { c, from, link } = this.step(b, first);
    const value = this.followed(c, { ...term, via: rest });
    return `(SELECT ${value} FROM ${from()} WHERE ${link})`;
  }

  /** The JSON object of the row `b` reads: id, the selected fields, the nested selections. */
  object(b: SqlBuilder, fields: string[] | null, nested: readonly NestedSelection[]): string {
    const pairs: Array<readonly [string, string]> = [];
    for (const column of graphColumns({ fields, nested: [] }, b.scope.entity, this.entities)) {
      const resolved = b.resolveColumn(column.name);
      pairs.push([column.name, this.json.jsonValue(resolved.sql, resolved.type)]);
    }
    for (const n of nested) {
      const value = this.nested(b, n);
      pairs.push([n.name, n.shape === "count" ? value : this.json.embed(value)]);
    }
    return this.json.jsonObject(pairs);
  }

  /** A nested selection of the row `b` reads, as a scalar subquery (placeholders added in text order). */
  nested(b: SqlBuilder, n: NestedSelection): string {
    const { c, from, link } = this.step(b, n.relation);
    const where = () => (n.where === null ? "" : ` AND ${c.filter(n.where)}`);
    if (n.shape === "count") {
      const source = from();
      return `(SELECT COUNT(*) FROM ${source} WHERE ${link}${where()})`;
    }
    if (n.shape === "object") {
      const value = this.object(c, n.fields, n.nested);
      // A related row's own condition (a tenant's scope: @kova/query tenant-scope.ts) applies too.
      const source = from();
      return `(SELECT ${value} FROM ${source} WHERE ${link}${where()})`;
    }
    return this.json.jsonList({
      b: c,
      value: () => this.object(c, n.fields, n.nested),
      order: () => {
        const order: ListOrder[] = n.orderBy.map((t) => ({ sql: c.orderKey(t), direction: t.direction }));
        if (!n.orderBy.some((t) => t.field === "id" && (t.via?.length ?? 0) === 0)) order.push({ sql: c.resolveColumn("id").sql, direction: "ASC" });
        return order;
      },
      from: () => {
        const source = from();
        return `${source} WHERE ${link}${where()}`;
      },
      limitOperand: n.limit,
      limit: () => (n.limit === null ? null : c.value(n.limit as Extract<Operand, { kind: "arg" | "literal" }>, { kind: "count", clause: "LIMIT" }, { kind: "count" })),
    });
  }
}

/**
 * A select that reads related rows, as one statement: the entity's rows (live or as of the
 * plan's instant) with one column per selected field and one per nested selection.
 */
export function graphSelect(
  plan: SelectPlan,
  entity: EntitySchema,
  entities: ReadonlyMap<string, EntitySchema>,
  flavour: SqlFlavour,
  json: GraphFlavour,
): { sql: string; params: Param[] } {
  const graph = new Graph(flavour, json, entities, plan.asOf);
  const b = new SqlBuilder({ entity, alias: "r", history: false }, flavour, graph);
  const q = (name: string) => flavour.quoteIdent(name);
  const columns = graphColumns({ fields: plan.fields, nested: [] }, entity, entities).map((c) => `${b.resolveColumn(c.name).sql} AS ${q(c.name)}`);
  for (const n of plan.nested ?? []) columns.push(`${graph.nested(b, n)} AS ${q(n.name)}`);
  const from = graph.source(b, entity, "r");
  const sql =
    `SELECT ${columns.join(", ")} FROM ${from}` +
    b.where(plan.where) +
    b.orderBy(plan.orderBy, { name: "id", sql: b.resolveColumn("id").sql }) +
    b.limitOffset(plan.limit, plan.offset);
  return { sql, params: b.params };
}
