/**
 * The MySQL/MariaDB dialect: compiles query plans ahead of time into SQL with `?` placeholders
 * (see mysql-compiled.ts for the JSON it produces and mysql-query-compiler.ts for how). One dialect
 * serves both driver names; the SQL it writes runs on MariaDB 10.6+ and MySQL 8.0.4+ (JSON_TABLE,
 * window functions).
 */
import type { Dialect } from "@kova/query";
import { compileMysql } from "./mysql-query-compiler.js";

export const mysqlDialect: Dialect = {
  name: "mysql",
  compile: compileMysql,
  // Row triggers write each write's event into the outbox in its transaction (mysql-outbox.ts).
  changeEvents: true,
};
