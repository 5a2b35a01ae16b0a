/**
 * The PostgreSQL dialect: compiles query plans ahead of time into SQL with `$n` placeholders (see
 * pg-compiled.ts for the JSON it produces and pg-query-compiler.ts for how).
 */
import type { Dialect } from "@kova/query";
import { quoteIdent, type SqlFlavor } from "./pg-compiled.js";
import { createPgCompiler } from "./pg-query-compiler.js";
import { pgColumnType } from "./pg-values.js";

export const postgresFlavor: SqlFlavor = {
  dialect: "postgres",
  // Text columns use the "C" collation: comparisons and ORDER BY are by code point (UTF-8 bytes),
  // as in the embedded store, whatever the database's locale; LIKE 'abc%' can use the index too.
  columnType: (type, items) => (items !== undefined ? pgColumnType(type, items) : type === "string" ? `text COLLATE "C"` : pgColumnType(type)),
  textCollation: "C",
  serialColumn: (_table, column) => ({ definition: `${quoteIdent(column)} bigserial PRIMARY KEY`, before: [] }),
  dropIndex: (name) => `DROP INDEX IF EXISTS ${quoteIdent(name)}`,
  transactionalDdl: true,
};

export const compilePostgres = createPgCompiler(postgresFlavor);

export const postgresDialect: Dialect = {
  name: "postgres",
  compile: compilePostgres,
  // Row triggers write each write's event into the outbox in its transaction (pg-outbox.ts).
  changeEvents: true,
};
