/**
 * The Redis dialect: compiles the plans a key-value store can serve, and refuses the others at
 * build time with a message that says why and what to use instead (see redis-query-compiler.ts).
 */
import type { Dialect } from "@kova/query";
import { compileRedis } from "./redis-query-compiler.js";

export const redisDialect: Dialect = {
  name: "redis",
  compile: compileRedis,
};
