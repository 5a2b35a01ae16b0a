/**
 * The JSON shape of a statement compiled by the MySQL/MariaDB dialect. `kova build` writes it into
 * generated apps, so everything here is plain data: SQL text with `?` placeholders, and for each
 * placeholder a `Param` saying where its value comes from at run time.
 */
import { createHash } from "node:crypto";
import type { CompiledQuery, EntitySchema, QueryPlan, ResultColumn, ScalarType } from "@kova/query";

/**
 * How a run-time value is bound so that it compares like with like: a `true` argument against a
 * TINYINT(1) column, an ISO datetime argument against a UTC DATETIME(3) column, and so on.
 */
export type Encoding =
  | { kind: "scalar"; type: ScalarType | "id" }
  /** The history's own `at` column (DATETIME(3), UTC): ISO string or epoch ms in. */
  | { kind: "instant" }
  /** The right side of IN: a JSON array of encoded values, unpacked with JSON_TABLE. */
  | { kind: "list"; type: ListType }
  /** LIMIT / OFFSET: a non-negative integer. */
  | { kind: "count"; clause: "LIMIT" | "OFFSET" }
  /** AS OF: an ISO string or epoch milliseconds (digit strings too); anything else is a 400. */
  | { kind: "asOf" }
  /** A value compared with another non-column value: only booleans change (to 1/0). */
  | { kind: "any" };

export type ListType = ScalarType | "id" | "instant" | "any";

export type Param =
  /** The query's argument number `index`, encoded. */
  | { from: "arg"; index: number; encoding: Encoding }
  /** A constant from the source, encoded at compile time (kept out of the SQL text all the same). */
  | { from: "literal"; value: string | number | boolean | null }
  /** The validated value for `field` of the row being written. */
  | { from: "value"; field: string }
  /** 1 when the write sets `field` (a partial update), else 0. */
  | { from: "present"; field: string }
  /** The id of the row being written (insert's history, save). */
  | { from: "id" }
  /** The ids of the rows a write locked, as a JSON array (read with JSON_TABLE). */
  | { from: "ids" }
  /** The write's commit instant. */
  | { from: "at" };

export interface Statement {
  sql: string;
  params: Param[];
}

/** A column of the result (the same for every dialect). */
export type { ResultColumn } from "@kova/query";

interface CompiledBase extends CompiledQuery {
  dialect: "mysql";
  plan: QueryPlan;
  /** The entity as it was compiled against: writes are validated with it. */
  entity: EntitySchema;
  /** The result row's columns in order: `id` first. */
  columns: ResultColumn[];
  /** One row or null rather than a list. */
  single: boolean;
}

export interface CompiledRead extends CompiledBase {
  kind: "select" | "history";
  read: Statement;
}

/**
 * MariaDB has no UPDATE/DELETE … RETURNING, so a write first locks the rows it will touch
 * (`lock`: SELECT id … FOR UPDATE), then works on exactly those ids, inside one transaction.
 */
export interface CompiledWrite extends CompiledBase {
  kind: "insert" | "update" | "delete" | "save";
  /** INSERT of a new row (insert, save). */
  insert?: Statement;
  /** SELECT id … FOR UPDATE: the rows an update/delete/save touches. */
  lock?: Statement;
  /** UPDATE … WHERE id IN (ids). */
  update?: Statement;
  /** DELETE … WHERE id IN (ids). */
  delete?: Statement;
  /** The rows with the locked ids as stored (ordered by id). */
  fetch: Statement;
  /** Records versions of rows the write has in hand (see HistoryInsert). */
  history: HistoryInsert;
}

/**
 * `INSERT INTO <table>__history (id, op, at, …fields) VALUES <tuple>, <tuple>, …`: one tuple per
 * row written, each bound with [id, at, …field values]. Rows are written from values in hand rather
 * than by INSERT … SELECT, whose auto-increment reservations would leave gaps in `version`.
 */
export interface HistoryInsert {
  prefix: string;
  tuple: { insert: string; update: string; delete: string };
}

export type MysqlCompiledQuery = CompiledRead | CompiledWrite;

export const HISTORY_SUFFIX = "__history";

export function historyTable(entity: EntitySchema): string {
  return entity.table + HISTORY_SUFFIX;
}

/** Quotes an identifier with backticks; identifiers come from the schema, never from requests. */
export function quoteIdent(name: string): string {
  return `\`${name.replaceAll("`", "``")}\``;
}

/** MySQL identifiers are at most 64 characters: a longer name keeps its start and a short hash. */
export function identifier(name: string): string {
  if (name.length <= 64) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${name.slice(0, 55)}_${hash}`;
}

export function uniqueIndexName(entity: EntitySchema, field: string): string {
  return identifier(`${entity.table}__unique_${field}`);
}

export function plainIndexName(entity: EntitySchema, field: string): string {
  return identifier(`${entity.table}__index_${field}`);
}

export function historyIndexName(entity: EntitySchema, field: string): string {
  return identifier(`${historyTable(entity)}__index_${field}`);
}

/** Longest value of a string field stored as VARCHAR (UNIQUE/INDEX fields: TEXT cannot be indexed whole). */
export const INDEXED_STRING_LENGTH = 255;
