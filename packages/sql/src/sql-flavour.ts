/**
 * What differs between the SQL databases in the text of a query. The kernel (SqlBuilder) writes
 * every WHERE, ORDER BY and LIMIT; a flavour answers the few questions where SQLite, PostgreSQL,
 * CockroachDB and MySQL spell things differently. Each answer is a small pure function.
 */
import type { ListItemType, Operand, RichTypeRef, ScalarType, ValueOperand } from "@kova/query";
import type { Encoding, ListType } from "./sql-compiled.js";
import type { ColumnType, ResolvedColumn, SqlBuilder } from "./sql-filter.js";

/** What a placeholder stands for, so a flavour that must state parameter types can cast it. */
export type PlaceholderType =
  /** Compared with, or written into, a column of this type. */
  | { kind: "column"; type: ColumnType; rich?: RichTypeRef }
  /** Written into a list field (FieldSchema.items): the whole list. */
  | { kind: "array"; items: ListItemType }
  /** A whole IN list. */
  | { kind: "list"; type: ListType; rich?: RichTypeRef }
  | { kind: "text" }
  | { kind: "boolean" }
  | { kind: "count" }
  /** Compared with another value that is not a column: no type is known. */
  | { kind: "any" };

/** One side of a comparison, as the flavour sees it. */
export interface Side {
  sql: string;
  /** Set when the side is a column. */
  column?: ResolvedColumn;
  /** The side is a constant from the source that is not null. */
  nonNullLiteral: boolean;
}

export interface SqlFlavour {
  /** The dialect name written into compiled statements (a driver refuses another's). */
  readonly dialect: string;
  quoteIdent(name: string): string;
  /** The text of placeholder number `position` (1-based), e.g. `?` or `$3::bigint`. */
  placeholder(position: number, type: PlaceholderType): string;
  /** Turns a run-time argument (or a source constant, at compile time) into the bound value. */
  encodeParam(encoding: Encoding, value: unknown): unknown;
  /** Constant conditions (an empty AND / OR). */
  readonly true: string;
  readonly false: string;
  /** `==` / `!=`, null-safe: a null equals a null (IS NOT DISTINCT FROM). */
  nullSafe(op: "==" | "!=", left: Side, right: Side): string;
  /** `left IN (list)` with the list as one parameter, so the text does not depend on its length. */
  inList(b: SqlBuilder, left: Operand, right: ValueOperand): string;
  /** Kova's LIKE: case-sensitive, `%` and `_` the only wildcards. */
  like(b: SqlBuilder, left: Operand, right: Operand): string;
  /** Text joined: `a || b` in SQLite and PostgreSQL, `CONCAT(a, b)` in MySQL. */
  concat(parts: string[]): string;
  /** A non-text value as text, to be joined with text. */
  asText(sql: string): string;
  /** A numeric result as a double, so an AVG reads back as a JS number on every database. */
  asFloat(sql: string): string;
  /** The value at `path` inside a JSON column as text (null when missing or JSON null); booleans as `true`/`false`. */
  jsonText(sql: string, path: string[]): string;
  /** The number at `path` inside a JSON column (null when missing or not a number), to compare and sort as a number. */
  jsonNumber(sql: string, path: string[]): string;
  /** The JSON value at `path` inside a JSON column, read back as JSON (null when missing). */
  jsonValue(sql: string, path: string[]): string;
  /**
   * Whether the list column `column` (a native array, or JSON array text) holds an element equal to
   * the placeholder `item`; false (never null) for a null list, so NOT works as expected.
   */
  contains(column: string, item: string, items: ListItemType): string;
  /** A boolean column or value used as a condition. */
  truthy(sql: string): string;
  /**
   * ORDER BY term; NULLs sort as the smallest value (first ascending). Flavours whose database
   * already does so leave `nulls` unset.
   */
  readonly nulls?: { asc: string; desc: string };
  /** The LIMIT that means "no limit" when only OFFSET is given; null: OFFSET may stand alone. */
  readonly noLimit: string | null;
  /**
   * A field of a history row. Unset: the history table has a column per field (historyColumn).
   * PostgreSQL keeps them in a jsonb `data` column and reads them out typed.
   */
  historyField?(alias: string, name: string, type: ScalarType, items?: ListItemType, rich?: RichTypeRef): string;
}
