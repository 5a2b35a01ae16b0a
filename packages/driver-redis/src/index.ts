/**
 * @kova/driver-redis: Kova on Redis, for what a key-value store can honestly serve (rows by id,
 * all rows by id order, each row's history). Importing it registers the driver as "redis".
 */
import { registerDriver } from "@kova/query";
import { createRedisDriver } from "./redis-driver.js";
import { redisDialect } from "./redis-dialect.js";

export { redisDialect } from "./redis-dialect.js";
export { compileRedis, type RedisCompiledQuery } from "./redis-query-compiler.js";
export { createRedisDriver, RedisDriver } from "./redis-driver.js";
export { keysFor, migrateSchema } from "./redis-schema.js";
export { WRITE_SCRIPT, writeArguments } from "./redis-script.js";
export { resolveOptions, type RedisOptions } from "./redis-options.js";

registerDriver("redis", createRedisDriver);

/** The dialects `kova build` uses for the driver names this package serves. */
export const dialects = { redis: redisDialect };
