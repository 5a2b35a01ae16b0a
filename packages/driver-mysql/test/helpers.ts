/**
 * Shared test fixtures: entities, plan builders, and a migrated driver on a fresh database of the
 * real server (KOVA_MYSQL_URL, default mysql://root@127.0.0.1:3306/test). Each store gets its own
 * database `kova_test_<random>`, dropped by cleanup(). An unreachable server skips the test loudly,
 * or fails it when CI=true.
 */
import { randomBytes } from "node:crypto";
import type { TestContext } from "node:test";
import mysql from "mysql2/promise";
import type { EntitySchema, QueryPlan } from "@kova/query";
import { compileWith, field, insertPlan, Note, User } from "@kova/query/testing";
import { createMysqlDriver, mysqlDialect, type MysqlDriver } from "../src/index.js";

export const MYSQL_URL = process.env.KOVA_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";

export { User, Note, field, f, arg, lit, cmp, eq, select, history, asc, desc, sleep } from "@kova/query/testing";

export const Item: EntitySchema = {
  name: "Item",
  table: "item",
  fields: [field("code", "uuid", { optional: true }), field("price", "decimal", { optional: true }), field("due", "datetime", { optional: true })],
};

export const allEntities = [User, Note, Item];
export const entities = new Map(allEntities.map((e) => [e.name, e]));

/** Compiles through a JSON round trip, as `kova build` writes the statements into the app. */
export const compile = (plan: QueryPlan) => compileWith(mysqlDialect, plan, entities);

/** The test server's URL with another database in the path. */
export function urlFor(database: string): string {
  const url = new URL(MYSQL_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function adminConnection(): Promise<mysql.Connection> {
  return mysql.createConnection({ uri: MYSQL_URL, connectTimeout: 2000 });
}

/** Is the server there? Fails the test under CI=true, else skips it with a message naming the address. */
export async function serverOrSkip(t: TestContext): Promise<boolean> {
  try {
    const admin = await adminConnection();
    await admin.end();
    return true;
  } catch (error) {
    const url = new URL(MYSQL_URL);
    const message = `MySQL/MariaDB not reachable at ${url.hostname}:${url.port || 3306} (${error instanceof Error ? error.message : String(error)})`;
    if (process.env.CI === "true") throw new Error(`${message}; CI=true requires the server`);
    console.warn(`SKIPPED: ${message}`);
    t.skip(message);
    return false;
  }
}

export interface Store {
  driver: MysqlDriver;
  database: string;
  run(plan: QueryPlan, ...args: unknown[]): Promise<any>;
  insert(entity: string, body: Record<string, unknown>): Promise<any>;
  cleanup(): Promise<void>;
}

export async function createDatabase(): Promise<string> {
  const database = `kova_test_${randomBytes(6).toString("hex")}`;
  const admin = await adminConnection();
  try {
    await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
  } finally {
    await admin.end();
  }
  return database;
}

export async function dropDatabase(database: string): Promise<void> {
  const admin = await adminConnection();
  try {
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
  } finally {
    await admin.end();
  }
}

/** A connected, migrated driver on a fresh database; undefined when the test was skipped. */
export async function openStore(t: TestContext, options: Record<string, unknown> = {}): Promise<Store | undefined> {
  if (!(await serverOrSkip(t))) return undefined;
  const database = await createDatabase();
  const driver = createMysqlDriver({ name: "db", appDir: "/nonexistent", options: { url: urlFor(database), ...options } });
  await driver.connect();
  await driver.migrate(allEntities);
  const run = (plan: QueryPlan, ...args: unknown[]) => driver.execute(compile(plan), args) as Promise<any>;
  return {
    driver,
    database,
    run,
    insert: (entity, body) => run(insertPlan(entity), body),
    cleanup: async () => {
      await driver.close();
      await dropDatabase(database);
    },
  };
}

