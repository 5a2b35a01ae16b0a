/**
 * The JSON shape of a statement compiled by the SQLite dialect. It is written into generated apps
 * by `kova build`, so everything here is plain data: SQL text with `?` placeholders, and for each
 * placeholder a `Param` saying where its value comes from at run time.
 */
import type { CompiledQuery, EntitySchema, QueryPlan, ResultColumn, ScalarType } from "@kova/query";

/**
 * How a run-time value is turned into what SQLite stores, so that a comparison with a column
 * compares like with like (a `true` argument against an INTEGER 0/1 column, a datetime argument
 * against ISO-8601 text, an AS OF instant against the history's epoch-millisecond `at`).
 */
export type Encoding =
  | { kind: "scalar"; type: ScalarType | "id" }
  /** The history's own `at` column: epoch milliseconds. */
  | { kind: "instant" }
  /** The right side of IN: a JSON array of encoded values, read with `json_each`. */
  | { kind: "list"; type: ScalarType | "id" | "instant" | "any" }
  /** LIMIT / OFFSET: a non-negative integer. */
  | { kind: "count"; clause: "LIMIT" | "OFFSET" }
  /** AS OF: an ISO string or epoch milliseconds, bound as epoch milliseconds. */
  | { kind: "asOf" }
  /** A value compared with another non-field value: only booleans need changing (to 1/0). */
  | { kind: "any" };

export type Param =
  /** The query's argument number `index`, encoded. */
  | { from: "arg"; index: number; encoding: Encoding }
  /** A constant from the source, encoded at compile time (kept out of the SQL text all the same). */
  | { from: "literal"; value: string | number | boolean | null }
  /** The validated value for `field` of the row being written. */
  | { from: "value"; field: string }
  /** 1 when the write sets `field` (a partial update), else 0. */
  | { from: "present"; field: string }
  /** The id of the row being written. */
  | { from: "id" }
  /** The write's commit instant, epoch milliseconds. */
  | { from: "at" };

export interface Statement {
  sql: string;
  params: Param[];
}

/** A column of the result (the same for every dialect). */
export type { ResultColumn } from "@kova/query";

interface CompiledBase extends CompiledQuery {
  dialect: "sqlite";
  plan: QueryPlan;
  /** The entity as it was compiled against: writes are validated with it. */
  entity: EntitySchema;
  /** The result row's columns in order: `id` first. */
  columns: ResultColumn[];
}

export interface CompiledRead extends CompiledBase {
  kind: "select" | "history";
  read: Statement;
  /** One row or null rather than a list. */
  single: boolean;
}

export interface CompiledWrite extends CompiledBase {
  kind: "insert" | "update" | "delete" | "save";
  single: boolean;
  /** INSERT of a new row (insert, save). */
  insert?: Statement;
  /** UPDATE … RETURNING (update, save with an id). */
  update?: Statement;
  /** DELETE … RETURNING. */
  delete?: Statement;
  /** Does a row with this id exist (save). */
  exists?: Statement;
  /** Records one version: id, at and the row's field values. */
  history: { insert: Statement; update: Statement; delete: Statement };
}

export type SqliteCompiledQuery = CompiledRead | CompiledWrite;

export const HISTORY_SUFFIX = "__history";

export function historyTable(entity: EntitySchema): string {
  return entity.table + HISTORY_SUFFIX;
}

/** Quotes an identifier for SQLite ("a""b"); identifiers come from the schema, never from requests. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
