/**
 * The JSON shape of a statement compiled by the SQLite dialect. It is written into generated apps
 * by `kova build`, so everything here is plain data: SQL text with `?` placeholders, and for each
 * placeholder a `Param` saying where its value comes from at run time.
 */
import type { CompiledQuery, QueryPlan, ResultColumn } from "@kova/query";
import type { Statement } from "@kova/sql";

/**
 * Params, encodings and statements are the SQL kernel's (@kova/sql). In SQLite an instant is
 * epoch milliseconds, a `present` param is 1/0 and values are bound positionally to `?`.
 */
export type { Encoding, Param, Statement } from "@kova/sql";
export { historyTable, HISTORY_SUFFIX, historyColumn } from "@kova/sql";
export { quoteIdent } from "./sqlite-flavour.js";

/** A column of the result (the same for every dialect). */
export type { ResultColumn } from "@kova/query";

interface CompiledBase extends CompiledQuery {
  dialect: "sqlite";
  plan: QueryPlan;
  // No entity schema: the plan names the entity and the driver knows its schema from migrate(),
  // so a generated app holds each schema once (in its data source), not once per query.
  /** The result row's columns in order: `id` first. */
  columns: ResultColumn[];
}

export interface CompiledRead extends CompiledBase {
  kind: "select" | "history";
  read: Statement;
  /** One row or null rather than a list. */
  single: boolean;
  /** A page's count alone, for a page that came back empty past its OFFSET. */
  total?: Statement;
}

export interface CompiledWrite extends CompiledBase {
  kind: "insert" | "update" | "delete" | "save";
  single: boolean;
  /** INSERT of a new row (insert, save). */
  insert?: Statement;
  /** UPDATE … RETURNING (update; save with an id, which sets every field). */
  update?: Statement;
  /** DELETE … RETURNING. */
  delete?: Statement;
  /** Records one version: id, at and the row's field values. */
  /** The versions a write records; absent for an entity marked NO HISTORY. */
  history?: { insert: Statement; update: Statement; delete: Statement };
}

export type SqliteCompiledQuery = CompiledRead | CompiledWrite;
