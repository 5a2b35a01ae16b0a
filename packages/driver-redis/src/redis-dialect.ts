/**
 * The Redis dialect: compiles the plans a key-value store can serve, and refuses the others at
 * build time with a message that says why and what to use instead (see redis-query-compiler.ts).
 */
import type { Dialect } from "@kova/query";
import { compileRedis } from "./redis-query-compiler.js";

export const redisDialect: Dialect = {
  name: "redis",
  compile: compileRedis,
  limits: {
    transactions: "Redis has no transaction that can be rolled back (MULTI/EXEC cannot read inside one, and runs every command it queued)",
    constraints: "Redis keeps no schema, so it cannot enforce composite UNIQUE/INDEX or ON DELETE",
    tenants: "TENANT BY is held by conformance cases on the SQL drivers (embedded, PostgreSQL, MariaDB) only",
    encryption: "ENCRYPTED fields (their data keys and kova db forget) are held by conformance cases on embedded, PostgreSQL and MariaDB only",
  },
};
