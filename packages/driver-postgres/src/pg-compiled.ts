/**
 * The JSON shape of a statement compiled by the PostgreSQL dialect (and the CockroachDB dialect,
 * which reuses it). `kova build` writes it into generated apps, so everything here is plain data:
 * SQL text with `$n` placeholders, a stable statement name, and for each placeholder a `Param`
 * saying where its value comes from at run time.
 */
import { createHash } from "node:crypto";
import type { CompiledQuery, ListItemType, QueryPlan, ResultColumn, ScalarType } from "@kova/query";
import type { Param } from "@kova/sql";

/** Params and encodings are the SQL kernel's (@kova/sql); here every value is bound as text. */
export type { Encoding, Param } from "@kova/sql";
export { historyTable, HISTORY_SUFFIX } from "@kova/sql";

export interface PgStatement {
  /** A name derived from the text (stable across builds; postgres.js prepares by text, once per connection). */
  name: string;
  text: string;
  params: Param[];
}

/** A column of the result (the same for every dialect). */
export type { ResultColumn } from "@kova/query";

interface CompiledBase extends CompiledQuery {
  /** "postgres" or "cockroach": a driver refuses the other's statements. */
  dialect: string;
  plan: QueryPlan;
  // No entity schema: the plan names the entity and the driver knows its schema from migrate(),
  // so a generated app holds each schema once (in its data source), not once per query.
  /** The result row's columns in order, `id` first (for history: the data's columns). */
  columns: ResultColumn[];
  single: boolean;
}

export interface PgCompiledRead extends CompiledBase {
  kind: "select" | "history";
  read: PgStatement;
  /** A page's count alone, for a page that came back empty past its OFFSET. */
  total?: PgStatement;
}

export interface PgCompiledWrite extends CompiledBase {
  kind: "insert" | "update" | "delete" | "save";
  /**
   * One statement that changes the live table and records the versions (a data-modifying CTE), so
   * a write and its history commit together even outside an explicit transaction. For `save` it is
   * the replacement by id (every field set); `insert` runs instead when the save names no id.
   */
  write: PgStatement;
  /** For `save`: the insert of a new row (a save without an id). */
  insert?: PgStatement;
}

export type PgCompiledQuery = PgCompiledRead | PgCompiledWrite;

/**
 * What differs between PostgreSQL and CockroachDB in SQL text. Everything else (placeholders,
 * CTEs, DISTINCT ON, jsonb, IS NOT DISTINCT FROM) is shared.
 */
export interface SqlFlavor {
  /** The dialect name written into compiled statements. */
  dialect: string;
  /** The column type of each Kova type; a list field (`items` set) is a native array of its element type. */
  columnType(type: ScalarType, items?: ListItemType): string;
  /**
   * A collation applied to text so comparisons and ORDER BY are byte order (as in the embedded
   * store), or null when the database's strings already compare by bytes.
   */
  textCollation: string | null;
  /** DDL for an id / version column fed by a sequence, and the statements that must run before it. */
  serialColumn(table: string, column: string): { definition: string; before: string[] };
  /** DROP INDEX for one of our indexes. */
  dropIndex(name: string): string;
  /**
   * Whether `migrate` runs its DDL in one transaction (PostgreSQL: all or nothing, serialised with
   * an advisory lock) or statement by statement (CockroachDB, where schema changes inside
   * explicit transactions are restricted).
   */
  transactionalDdl: boolean;
}

/**
 * Quotes an identifier ("a""b"); identifiers come from the schema, never from requests. A name
 * longer than PostgreSQL's 63 bytes is shortened the same way everywhere (see fitIdentifier), so
 * that a long table's history table, or two long columns, do not collapse into one name.
 */
export function quoteIdent(name: string): string {
  return `"${fitIdentifier(name).replaceAll('"', '""')}"`;
}

/** A SQL string literal for schema-derived text (field names as jsonb keys). */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** PostgreSQL truncates identifiers past 63 bytes; longer names are shortened with a hash. */
export function fitIdentifier(name: string): string {
  if (Buffer.byteLength(name) <= 63) return name;
  const hash = createHash("sha1").update(name).digest("hex").slice(0, 10);
  let head = name;
  while (Buffer.byteLength(head) > 52) head = head.slice(0, -1);
  return `${head}_${hash}`;
}

/** A statement with a name derived from its text: identical text shares one prepared statement. */
export function namedStatement(text: string, params: Param[]): PgStatement {
  return { name: `kova_${createHash("sha1").update(text).digest("hex").slice(0, 24)}`, text, params };
}
