/**
 * The JSON shape of a statement compiled by the MySQL/MariaDB dialect. `kova build` writes it into
 * generated apps, so everything here is plain data: SQL text with `?` placeholders, and for each
 * placeholder a `Param` saying where its value comes from at run time.
 */
import { createHash } from "node:crypto";
import type { CompiledQuery, EntitySchema, QueryPlan, ResultColumn } from "@kova/query";
import type { Statement } from "@kova/sql";
import { historyTable } from "@kova/sql";

/** Params, encodings and statements are the SQL kernel's (@kova/sql); `?` placeholders, 1/0 for `present`. */
export type { Encoding, ListType, Param, Statement } from "@kova/sql";
export { historyTable, HISTORY_SUFFIX, historyColumn } from "@kova/sql";

/** A column of the result (the same for every dialect). */
export type { ResultColumn } from "@kova/query";

interface CompiledBase extends CompiledQuery {
  dialect: "mysql";
  plan: QueryPlan;
  // No entity schema: the plan names the entity and the driver knows its schema from migrate(),
  // so a generated app holds each schema once (in its data source), not once per query.
  /** The result row's columns in order: `id` first. */
  columns: ResultColumn[];
  /** One row or null rather than a list. */
  single: boolean;
}

export interface CompiledRead extends CompiledBase {
  kind: "select" | "history";
  read: Statement;
  /** A page's count alone, for a page that came back empty past its OFFSET. */
  total?: Statement;
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
  /** Records versions of rows the write has in hand (see HistoryInsert); absent for NO HISTORY. */
  history?: HistoryInsert;
}

/**
 * `INSERT INTO <table>__history (id, op, at, …fields) VALUES <tuple>, <tuple>, …`: one tuple per
 * row written, each bound with [id, at, …field values]. Rows are written from values in hand rather
 * than by INSERT … SELECT, whose auto-increment reservations would leave gaps in `version`.
 */
export interface HistoryInsert {
  prefix: string;
  tuple: { insert: string; update: string; delete: string };
  /** Positions (in field order) of SECRET fields, bound as NULL: a version keeps no value for them. */
  secret?: number[];
}

export type MysqlCompiledQuery = CompiledRead | CompiledWrite;

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

/** `UNIQUE (a, b)` → `<table>__unique_a__b`, `INDEX (a, b)` → `<table>__index_a__b`. */
export function compositeIndexName(entity: EntitySchema, unique: boolean, fields: readonly string[]): string {
  return identifier(`${entity.table}__${unique ? "unique" : "index"}_${fields.join("__")}`);
}

/** A reference's FOREIGN KEY; the action is in the name, so changing it drops one and adds another. */
export function foreignKeyName(entity: EntitySchema, field: string, action: string): string {
  return identifier(`${entity.table}__fk_${field}__${action}`);
}

/** Longest value of a string field stored as VARCHAR (UNIQUE/INDEX fields: TEXT cannot be indexed whole). */
export const INDEXED_STRING_LENGTH = 255;
