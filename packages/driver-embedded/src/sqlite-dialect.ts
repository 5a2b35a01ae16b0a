/**
 * The SQLite dialect: compiles query plans ahead of time into SQL with `?` placeholders (see
 * sqlite-compiled.ts for the JSON it produces and sqlite-query-compiler.ts for how).
 */
import type { Dialect } from "@kova/query";
import { compileSqlite } from "./sqlite-query-compiler.js";

export const sqliteDialect: Dialect = {
  name: "sqlite",
  compile: compileSqlite,
  // The runner records each write's event next to its version (sqlite-outbox.ts).
  changeEvents: true,
};
