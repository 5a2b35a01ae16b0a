/**
 * Shared test fixtures: entities, plan builders, and a migrated driver on a fresh database of the
 * real server (KOVA_MYSQL_URL, default mysql://root@127.0.0.1:3306/test). Each store gets its own
 * database `kova_test_<random>`, dropped by cleanup(). An unreachable server skips the test loudly,
 * or fails it when CI=true.
 */
import { randomBytes } from "node:crypto";
import type { TestContext } from "node:test";
import mysql from "mysql2/promise";
import type { EntitySchema, FieldSchema, Filter, HistoryPlan, Operand, OrderTerm, QueryPlan, SelectPlan } from "@kova/query";
import { createMysqlDriver, mysqlDialect, type MysqlDriver } from "../src/index.js";

export const MYSQL_URL = process.env.KOVA_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";

export function field(name: string, type: FieldSchema["type"], extra: Partial<FieldSchema> = {}): FieldSchema {
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
    field("active", "boolean", { default: { value: true } }),
    field("meta", "json", { optional: true }),
    field("born", "date", { optional: true }),
    field("joined", "datetime", { default: { now: true } }),
    field("role", "string", { optional: true, enumValues: ["admin", "member"] }),
  ],
};

export const Note: EntitySchema = { name: "Note", table: "note", fields: [field("text", "string"), field("big", "int", { optional: true })] };

export const Item: EntitySchema = {
  name: "Item",
  table: "item",
  fields: [field("code", "uuid", { optional: true }), field("price", "decimal", { optional: true }), field("due", "datetime", { optional: true })],
};

export const allEntities = [User, Note, Item];
export const entities = new Map(allEntities.map((e) => [e.name, e]));

export const f = (name: string): Operand => ({ kind: "field", field: name });
export const arg = (index: number): Operand => ({ kind: "arg", index });
export const lit = (value: string | number | boolean | null): Operand => ({ kind: "literal", value });
export const cmp = (op: "==" | "!=" | "<" | "<=" | ">" | ">=", left: Operand, right: Operand): Filter => ({ kind: "compare", op, left, right });
export const eq = (left: Operand, right: Operand): Filter => cmp("==", left, right);

export function select(entity: string, extra: Partial<SelectPlan> = {}): SelectPlan {
  return { kind: "select", entity, fields: null, where: null, orderBy: [], limit: null, offset: null, asOf: null, single: false, ...extra };
}

export function history(entity: string, extra: Partial<HistoryPlan> = {}): HistoryPlan {
  return { kind: "history", entity, where: null, orderBy: [], limit: null, offset: null, ...extra };
}

export const asc = (name: string): OrderTerm => ({ field: name, direction: "ASC" });
export const desc = (name: string): OrderTerm => ({ field: name, direction: "DESC" });

/** Compiles through a JSON round trip, as `kova build` writes the statements into the app. */
export function compile(plan: QueryPlan) {
  return JSON.parse(JSON.stringify(mysqlDialect.compile(plan, entities)));
}

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
    insert: (entity, body) => run({ kind: "insert", entity, values: { kind: "object", operand: arg(0) } }, body),
    cleanup: async () => {
      await driver.close();
      await dropDatabase(database);
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
