/**
 * The Redis dialect's compiler. A key-value store finds a row by its key and walks a sorted set of
 * ids; it has no secondary filters, pattern search or sorts by value. So `compile` accepts only the
 * plans Redis serves directly and refuses every other one, at build time, with a message saying
 * what Redis cannot do and what to use instead (`kova build` reports it as a build error):
 *
 *   insert, save                         HSET <table>:<id> (+ ZADD ids, + history), one script
 *   select / update / delete WHERE id == v   one hash
 *   select * (no WHERE) [ORDER BY id] [LIMIT/OFFSET]   ZRANGE <table>:ids, then the hashes
 *   history WHERE id == v [ORDER BY version]           LRANGE <table>:<id>:history
 *   select … AS OF t WHERE id == v                     the newest version at or before t
 */
import { readsRow, entityOf, selectedColumns, usesRelations } from "@kova/query";
import type { CompiledQuery, EntitySchema, Filter, Operand, OrderTerm, QueryPlan, ResultColumn } from "@kova/query";

/** A column of the result (the same for every dialect). */
export type { ResultColumn } from "@kova/query";

/** Where a run-time value comes from: an argument, or a constant written in the source. */
export type ValueSource = { from: "arg"; index: number } | { from: "literal"; value: string | number | boolean | null };

export interface RedisCompiledQuery extends CompiledQuery {
  dialect: "redis";
  plan: QueryPlan;
  kind: QueryPlan["kind"];
  // No entity schema: the driver knows it from migrate() (each schema once per generated app).
  /** The key prefix of the entity (before the driver's own `keyPrefix`). */
  table: string;
  columns: ResultColumn[];
  /** "id": one row by id; "all": every row, through the sorted set of ids; "new": a write without WHERE. */
  access: "id" | "all" | "new";
  /** The id a WHERE id == … names. */
  id?: ValueSource;
  /** ORDER BY id DESC (or version DESC for history). */
  descending: boolean;
  limit?: ValueSource;
  offset?: ValueSource;
  asOf?: ValueSource;
  single: boolean;
}

const USE_INSTEAD = "use a SQL data source (embedded, postgres, mysql) or mongodb for this query, or look the row up by its id";

function refuse(entity: string, what: string): never {
  throw new Error(`Redis cannot run this query on ${entity}: ${what}. Redis keeps each row under its id and the ids in one sorted set, nothing else; ${USE_INSTEAD}.`);
}

function valueOf(operand: Operand, entity: string, clause: string): ValueSource {
  if (operand.kind === "field") refuse(entity, `${clause} takes a value or an argument, not the field "${operand.field}"`);
  if (operand.kind !== "arg" && operand.kind !== "literal") refuse(entity, `${clause} cannot compute from the row's own fields (arithmetic on a field is done by SQL databases and MongoDB)`);
  return operand.kind === "arg" ? { from: "arg", index: operand.index } : { from: "literal", value: operand.value };
}

function describe(filter: Filter): string {
  switch (filter.kind) {
    case "like":
      return "it has no pattern search (LIKE)";
    case "in":
      return "it has no IN over a field";
    case "and":
    case "or":
    case "not":
      return `it cannot combine conditions (${filter.kind.toUpperCase()})`;
    case "isNull":
      return "it cannot find rows by a null field";
    case "truthy":
      return "it cannot find rows by a boolean field";
    case "related":
      return "it cannot read related rows (no joins: each row is one hash under its key)";
    case "contains":
      return `it cannot find rows by an element of the list field "${filter.field}" (it keeps no index of list elements)`;
    case "compare": {
      const field = [filter.left, filter.right].find((o) => o.kind === "field" && o.field !== "id");
      if (field !== undefined && field.kind === "field") return `it cannot filter by the field "${field.field}" (only WHERE id == <value>)`;
      return `it cannot compare ids with ${filter.op} (only WHERE id == <value>)`;
    }
  }
}

/** The value of `WHERE id == <value>` (either way round), or a refusal naming what Redis cannot do. */
function pinnedId(where: Filter | null, entity: string, required: string): ValueSource {
  if (where === null) refuse(entity, `${required} needs WHERE id == <value>: Redis changes or reads one row by its key`);
  if (where.kind === "compare" && where.op === "==") {
    const isId = (o: Operand) => o.kind === "field" && o.field === "id";
    if (isId(where.left) && where.right.kind !== "field") return valueOf(where.right, entity, "WHERE id ==");
    if (isId(where.right) && where.left.kind !== "field") return valueOf(where.left, entity, "WHERE id ==");
  }
  refuse(entity, describe(where));
}

/** ORDER BY nothing or by `key` alone (id for rows, version for history); returns whether descending. */
function orderByKey(terms: readonly OrderTerm[], key: string, entity: string): boolean {
  if (terms.length === 0) return false;
  if (terms.length === 1 && terms[0].field === key) return terms[0].direction === "DESC";
  const other = terms.find((t) => t.field !== key)!;
  refuse(entity, `it can only order by ${key} (the sorted set's score), not by "${other.field}"`);
}

export function compileRedis(plan: QueryPlan, entities: ReadonlyMap<string, EntitySchema>): RedisCompiledQuery {
  const entity = entityOf(plan, entities);
  const name = entity.name;
  const base = { dialect: "redis" as const, plan, kind: plan.kind, table: entity.table, columns: selectedColumns(entity, null), descending: false };
  const counts = (limit: Operand | null, offset: Operand | null) => ({
    ...(limit !== null ? { limit: valueOf(limit, name, "LIMIT") } : {}),
    ...(offset !== null ? { offset: valueOf(offset, name, "OFFSET") } : {}),
  });
  switch (plan.kind) {
    case "insert":
    case "save":
      if (plan.values.kind === "fields") {
        for (const { field } of plan.values.fields) {
          if (field !== "id" && !entity.fields.some((f) => f.name === field)) throw new Error(`entity ${name} has no field "${field}"`);
        }
      }
      return { ...base, access: "new", single: true };
    case "update":
      // Its write script takes the values in hand; a value computed from the row is refused here.
      if (plan.values.kind === "fields") for (const { value } of plan.values.fields) if (readsRow(value)) valueOf(value, name, "SET");
      return { ...base, access: "id", id: pinnedId(plan.where, name, plan.kind.toUpperCase()), single: plan.single };
    case "delete":
      return { ...base, access: "id", id: pinnedId(plan.where, name, plan.kind.toUpperCase()), single: plan.single };
    case "history":
      return {
        ...base,
        access: "id",
        id: pinnedId(plan.where, name, "HISTORY"),
        descending: orderByKey(plan.orderBy, "version", name),
        ...counts(plan.limit, plan.offset),
        single: false,
      };
    case "select": {
      if (usesRelations(plan)) refuse(name, "it cannot read related rows (nested selections, filters or orders through a relation): it has no joins, each row is one hash under its key");
      if (plan.shape !== undefined) {
        refuse(name, "it cannot aggregate (COUNT, SUM, AVG, MIN, MAX), group (GROUP_BY), remove duplicates (DISTINCT), rename or compute columns, or count a page (WITH TOTAL) without reading every row");
      }
      const columns = selectedColumns(entity, plan.fields);
      const descending = orderByKey(plan.orderBy, "id", name);
      const asOf = plan.asOf === null ? {} : { asOf: valueOf(plan.asOf, name, "AS OF") };
      if (plan.where === null) {
        if (plan.asOf !== null) refuse(name, "AS OF over all rows would read every row's history; it serves AS OF only WHERE id == <value>");
        return { ...base, columns, access: "all", descending, ...counts(plan.limit, plan.offset), single: plan.single };
      }
      return { ...base, columns, access: "id", id: pinnedId(plan.where, name, "SELECT"), descending, ...counts(plan.limit, plan.offset), ...asOf, single: plan.single };
    }
  }
}
