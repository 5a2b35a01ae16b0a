/**
 * The MongoDB dialect: compiles query plans ahead of time into command documents with value slots
 * (see mongo-compiled.ts for the JSON it produces and mongo-query-compiler.ts for how).
 */
import type { Dialect } from "@kova/query";
import { compileMongo } from "./mongo-query-compiler.js";

export const mongoDialect: Dialect = {
  name: "mongodb",
  compile: compileMongo,
  limits: {
    transactions:
      "MongoDB rolls back only on a replica set, and a standalone server would keep the first writes; the build cannot know which server the app will reach",
    constraints: "the MongoDB driver does not enforce composite UNIQUE/INDEX or ON DELETE (it has no foreign keys)",
    tenants: "TENANT BY is held by conformance cases on the SQL drivers (embedded, PostgreSQL, MariaDB) only",
    encryption: "ENCRYPTED fields (their data keys and kova db forget) are held by conformance cases on embedded, PostgreSQL and MariaDB only",
  },
};
