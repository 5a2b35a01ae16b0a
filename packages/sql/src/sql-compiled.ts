/**
 * The JSON every SQL dialect compiles to, shared: SQL text with placeholders, and for each
 * placeholder a `Param` saying where its value comes from at run time. A dialect's own compiled
 * query (which statements a write runs) extends these; the pieces are the same everywhere.
 */
import type { EntitySchema, ScalarType } from "@kova/query";

export type ListType = ScalarType | "id" | "instant" | "any";

/**
 * How a run-time value is turned into what the database compares or stores, so that a comparison
 * with a column compares like with like (a `true` argument against a 0/1 column, a datetime
 * argument against the column's time type, an AS OF instant against the history's `at`).
 */
export type Encoding =
  | { kind: "scalar"; type: ScalarType | "id" }
  /** The history's own `at` column. */
  | { kind: "instant" }
  /** The right side of IN: one list parameter (a JSON array or an array, per flavour). */
  | { kind: "list"; type: ListType }
  /** LIMIT / OFFSET: a non-negative integer. */
  | { kind: "count"; clause: "LIMIT" | "OFFSET" }
  /** AS OF: an ISO string or epoch milliseconds within a Date's range; anything else is a 400. */
  | { kind: "asOf" }
  /** A value compared with another non-field value. */
  | { kind: "any" }
  /** A LIKE pattern (`%`, `_`, `\` escaping the next character) rewritten as a GLOB pattern, for SQLite. */
  | { kind: "likeToGlob" };

export type Param =
  /** The query's argument number `index`, encoded. */
  | { from: "arg"; index: number; encoding: Encoding }
  /** Key `position` (of `count`) of the keyset cursor in argument `index`, encoded; a bad cursor is a 400 naming `field`. */
  | { from: "cursor"; index: number; position: number; count: number; field: string; encoding: Encoding }
  /** A constant from the source, encoded at compile time (kept out of the SQL text all the same). */
  | { from: "literal"; value: unknown }
  /** The validated value for `field` of the row being written. */
  | { from: "value"; field: string }
  /** Whether the write sets `field` (a partial update). */
  | { from: "present"; field: string }
  /** The id of the row being written. */
  | { from: "id" }
  /** The ids of the rows a write locked, as a JSON array (MySQL). */
  | { from: "ids" }
  /** The write's commit instant. */
  | { from: "at" }
  /** Whether the write sets any field: an update that sets none (PATCH {}) records no version. */
  | { from: "changes" };

export interface Statement {
  sql: string;
  params: Param[];
}

export const HISTORY_SUFFIX = "__history";

export function historyTable(entity: EntitySchema): string {
  return entity.table + HISTORY_SUFFIX;
}

/**
 * The history table's own columns. Where a history table keeps each field in a column of its own
 * (SQLite, MySQL), a field with one of these names is stored under `historyColumn(name)` instead,
 * so every lower-case word stays free for fields.
 */
export const HISTORY_OWN_COLUMNS: ReadonlySet<string> = new Set(["version", "op", "at"]);

/** The history-table column of field `name` (`field:at` for a field named `at`). */
export function historyColumn(name: string): string {
  return HISTORY_OWN_COLUMNS.has(name) ? `field:${name}` : name;
}
