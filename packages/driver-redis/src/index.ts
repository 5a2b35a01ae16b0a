/**
 * @kova/driver-redis: Kova on Redis, for what a key-value store can honestly serve (rows by id,
 * all rows by id order, each row's history). Its one entry for the toolchain is `driverPackage` (name "redis").
 */
import type { DriverPackage } from "@kova/query";
import { createRedisDriver } from "./redis-driver.js";
import { redisDialect } from "./redis-dialect.js";

export { redisDialect } from "./redis-dialect.js";
export { compileRedis, type RedisCompiledQuery } from "./redis-query-compiler.js";
export { createRedisDriver, RedisDriver } from "./redis-driver.js";
export { keysFor, migrateSchema } from "./redis-schema.js";
export { WRITE_SCRIPT, writeArguments } from "./redis-script.js";
export { resolveOptions, type RedisOptions } from "./redis-options.js";

export const driverPackage: DriverPackage = {
  names: ["redis"],
  dialect: redisDialect,
  createDriver: createRedisDriver,
};
