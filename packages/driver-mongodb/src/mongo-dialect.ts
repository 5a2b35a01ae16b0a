/**
 * The MongoDB dialect: compiles query plans ahead of time into command documents with value slots
 * (see mongo-compiled.ts for the JSON it produces and mongo-query-compiler.ts for how).
 */
import type { Dialect } from "@kova/query";
import { compileMongo } from "./mongo-query-compiler.js";

export const mongoDialect: Dialect = {
  name: "mongodb",
  compile: compileMongo,
};
