/**
 * The CockroachDB dialect: the PostgreSQL compiler with CockroachDB's flavor. Statements are the
 * same SQL (placeholders, data-modifying CTEs, DISTINCT ON, jsonb); what differs is DDL and text
 * collation:
 *
 * - ids and versions come from explicit sequences (`INT8 DEFAULT nextval(…)`): CockroachDB's
 *   SERIAL means `unique_rowid()` by default, unique but neither small nor sequential;
 * - strings are `TEXT` (CockroachDB's STRING) with no collation: CockroachDB compares strings by
 *   their bytes already, which is the embedded store's order;
 * - index drops say CASCADE (a UNIQUE index backs a constraint there), and `migrate` runs its DDL
 *   statement by statement, as CockroachDB restricts schema changes inside transactions.
 *
 * Kova's AS OF is application time read from the history table, never CockroachDB's
 * `AS OF SYSTEM TIME` (which is bounded by the garbage-collection window and reads the whole
 * database at a past timestamp).
 */
import { richColumn, type Dialect, type ScalarType } from "@kova/query";
import { createPgCompiler, fitIdentifier, quoteIdent, type SqlFlavor } from "@kova/driver-postgres";

const COLUMN_TYPES: Record<ScalarType, string> = {
  string: "TEXT",
  int: "INT8",
  float: "FLOAT8",
  decimal: "DECIMAL",
  boolean: "BOOL",
  datetime: "TIMESTAMPTZ",
  date: "DATE",
  uuid: "UUID",
  json: "JSONB",
};

export function sequenceName(table: string, column: string): string {
  return fitIdentifier(`${table}__${column}_seq`);
}

export const cockroachFlavor: SqlFlavor = {
  dialect: "cockroach",
  columnType: (type, items, rich) => richColumn(rich, "cockroach") ?? (items !== undefined ? `${COLUMN_TYPES[items]}[]` : COLUMN_TYPES[type]),
  nativeType: (rich) => richColumn(rich, "cockroach"),
  textCollation: null,
  serialColumn: (table, column) => {
    const sequence = quoteIdent(sequenceName(table, column));
    return {
      // No CACHE: cached sequence values are handed out per session, out of order across sessions,
      // and versions must increase with every write.
      before: [`CREATE SEQUENCE IF NOT EXISTS ${sequence}`],
      definition: `${quoteIdent(column)} INT8 NOT NULL DEFAULT nextval('${sequence.replaceAll("'", "''")}') PRIMARY KEY`,
    };
  },
  dropIndex: (name) => `DROP INDEX IF EXISTS ${quoteIdent(name)} CASCADE`,
  transactionalDdl: false,
};

export const compileCockroach = createPgCompiler(cockroachFlavor);

export const cockroachDialect: Dialect = {
  name: "cockroach",
  // No CockroachDB server runs the conformance suite here, and its row-level security differs.
  limits: {
    tenants: "TENANT BY is held by conformance cases (and PostgreSQL row-level security) on embedded, PostgreSQL and MariaDB only",
    encryption: "ENCRYPTED fields (their data keys and kova db forget) are held by conformance cases on embedded, PostgreSQL and MariaDB only",
  },
  compile: compileCockroach,
};
