/** Shared test fixtures: entities, plan builders, and a driver on the real Redis with a unique key prefix. */
import { randomBytes } from "node:crypto";
import type { TestContext } from "node:test";
import { Redis } from "ioredis";
import type { EntitySchema, FieldSchema, Filter, HistoryPlan, Operand, OrderTerm, QueryPlan, SelectPlan } from "@kova/query";
import { createRedisDriver, redisDialect, type RedisDriver } from "../src/index.js";

export const REDIS_URL = process.env.KOVA_REDIS_URL ?? "redis://127.0.0.1:6379";

function field(name: string, type: FieldSchema["type"], extra: Partial<FieldSchema> = {}): FieldSchema {
  return { name, type, optional: false, unique: false, index: false, ...extra };
}

export const User: EntitySchema = {
  name: "User",
  table: "user",
  fields: [
    field("name", "string"),
    field("email", "string", { unique: true }),
    field("age", "int", { optional: true, index: true }),
    field("score", "float", { optional: true }),
    field("price", "decimal", { optional: true }),
    field("active", "boolean", { default: { value: true } }),
    field("meta", "json", { optional: true }),
    field("born", "date", { optional: true }),
    field("joined", "datetime", { default: { now: true } }),
    field("role", "string", { optional: true, enumValues: ["admin", "member"] }),
  ],
};

export const Note: EntitySchema = { name: "Note", table: "note", fields: [field("text", "string"), field("big", "int", { optional: true })] };

export const entities = new Map([User, Note].map((e) => [e.name, e]));

export const f = (name: string): Operand => ({ kind: "field", field: name });
export const arg = (index: number): Operand => ({ kind: "arg", index });
export const lit = (value: string | number | boolean | null): Operand => ({ kind: "literal", value });
export const eq = (left: Operand, right: Operand): Filter => ({ kind: "compare", op: "==", left, right });
export const byId = (index = 0): Filter => eq(f("id"), arg(index));

export function select(entity: string, extra: Partial<SelectPlan> = {}): SelectPlan {
  return { kind: "select", entity, fields: null, where: null, orderBy: [], limit: null, offset: null, asOf: null, single: false, ...extra };
}
export function history(entity: string, extra: Partial<HistoryPlan> = {}): HistoryPlan {
  return { kind: "history", entity, where: null, orderBy: [], limit: null, offset: null, ...extra };
}
export const asc = (name: string): OrderTerm => ({ field: name, direction: "ASC" });
export const desc = (name: string): OrderTerm => ({ field: name, direction: "DESC" });
export const insertPlan = (entity: string): QueryPlan => ({ kind: "insert", entity, values: { kind: "object", operand: arg(0) } });
export const savePlan = (entity: string): QueryPlan => ({ kind: "save", entity, values: { kind: "object", operand: arg(0) } });
export const updatePlan = (entity: string): QueryPlan => ({ kind: "update", entity, values: { kind: "object", operand: arg(1) }, where: byId(0), single: true });
export const deletePlan = (entity: string): QueryPlan => ({ kind: "delete", entity, where: byId(0), single: true });

/** Compiles through a JSON round trip, as `kova build` writes the statements into the app. */
export function compile(plan: QueryPlan) {
  return JSON.parse(JSON.stringify(redisDialect.compile(plan, entities)));
}

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

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
