/** Shared test fixtures: entities, plan builders, and a driver on the real Redis with a unique key prefix. */
import { randomBytes } from "node:crypto";
import type { TestContext } from "node:test";
import { Redis } from "ioredis";
import type { EntitySchema, QueryPlan } from "@kova/query";
import { compileWith, field, Note, User as SharedUser, withFieldAfter } from "@kova/query/testing";
import { createRedisDriver, redisDialect, type RedisDriver } from "../src/index.js";

export const REDIS_URL = process.env.KOVA_REDIS_URL ?? "redis://127.0.0.1:6379";

export { Note, f, arg, lit, eq, byId, select, history, asc, desc, insertPlan, savePlan, updatePlan, deletePlan, sleep } from "@kova/query/testing";

/** The shared User with a decimal `price` after `score`, for this driver's decimal mapping. */
export const User: EntitySchema = withFieldAfter(SharedUser, "score", field("price", "decimal", { optional: true }));

export const entities = new Map([User, Note].map((e) => [e.name, e]));

/** Compiles through a JSON round trip, as `kova build` writes the statements into the app. */
export const compile = (plan: QueryPlan) => compileWith(redisDialect, plan, entities);

export interface Store {
  driver: RedisDriver;
  prefix: string;
  run(plan: QueryPlan, ...args: unknown[]): Promise<any>;
  cleanup(): Promise<void>;
}

/** Deletes every key under `prefix` (SCAN, never KEYS, so a shared Redis is not blocked). */
export async function deletePrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0 });
  await redis.connect();
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
  await redis.quit();
}

/**
 * A migrated driver on the real Redis, or a loud skip when it is not running (a failure under
 * CI=true, where the server must be there).
 */
export async function openStore(t: TestContext, name = "cache"): Promise<Store | undefined> {
  const prefix = `kova-test-${process.pid}-${randomBytes(4).toString("hex")}:`;
  const url = new URL(REDIS_URL);
  const driver = createRedisDriver({
    name,
    appDir: ".",
    options: { host: url.hostname, port: Number(url.port || 6379), keyPrefix: prefix, connectRetries: 1, ...(url.password ? { password: decodeURIComponent(url.password) } : {}) },
  });
  try {
    await driver.connect();
  } catch (error) {
    if (process.env.CI === "true") throw error;
    t.skip(`SKIPPED: no Redis at ${url.host} (${error instanceof Error ? error.message : String(error)}); set KOVA_REDIS_URL or start redis-server`);
    return undefined;
  }
  await driver.migrate([User, Note]);
  return {
    driver,
    prefix,
    run: (plan, ...args) => driver.execute(compile(plan), args) as Promise<any>,
    cleanup: async () => {
      await driver.close();
      await deletePrefix(prefix);
    },
  };
}

