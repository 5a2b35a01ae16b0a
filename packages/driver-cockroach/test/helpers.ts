/**
 * Fixtures for the CockroachDB driver's tests. No CockroachDB server runs here: the dialect's SQL
 * and DDL are checked as pure functions, and the driver's wire-compatible paths (its DDL with
 * sequences, its statements, its SERIALIZABLE transactions and 40001 retries) run against the
 * real PostgreSQL server (KOVA_PG_URL, default postgresql://postgres@127.0.0.1:5432/test), each
 * store in a fresh schema dropped afterwards.
 */
import { randomBytes } from "node:crypto";
import type { TestContext } from "node:test";
import pg from "pg";
import type { EntitySchema, QueryPlan } from "@kova/query";
import { compileWith, field } from "@kova/query/testing";
import { cockroachDialect, createCockroachDriver, type CockroachDriver } from "../src/index.js";

export const PG_URL = process.env.KOVA_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

export const Account: EntitySchema = {
  name: "Account",
  table: "account",
  fields: [
    field("owner", "string", { unique: true }),
    field("balance", "int", { default: { value: 0 } }),
    field("note", "string", { optional: true, index: true }),
    field("opened", "datetime", { default: { now: true } }),
    field("meta", "json", { optional: true }),
  ],
};

export const entities = new Map([[Account.name, Account]]);

export { f, arg, lit, eq, select } from "@kova/query/testing";

export const compile = (plan: QueryPlan) => compileWith(cockroachDialect, plan, entities);

let reachable: Promise<string | undefined> | undefined;

export async function serverUp(t: TestContext): Promise<boolean> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  const why = await reachable;
  if (why === undefined) return true;
  const message = `PostgreSQL (standing in for CockroachDB's wire protocol) is not reachable at ${PG_URL.replace(/:[^:@/]*@/, "@")} (${why})`;
  if (process.env.CI === "true") throw new Error(message);
  t.skip(`SKIPPED: ${message}`);
  return false;
}

export async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface Store {
  driver: CockroachDriver;
  schema: string;
  run(plan: QueryPlan, ...args: unknown[]): Promise<any>;
  cleanup(): Promise<void>;
}

export async function openStore(options: Record<string, unknown> = {}): Promise<Store> {
  const schema = `kova_test_${randomBytes(6).toString("hex")}`;
  await admin((c) => c.query(`CREATE SCHEMA ${schema}`));
  const driver = createCockroachDriver({ name: "bank", appDir: ".", options: { url: PG_URL, schema, ...options } });
  await driver.connect();
  await driver.migrate([Account]);
  return {
    driver,
    schema,
    run: (plan, ...args) => driver.execute(compile(plan), args) as Promise<any>,
    cleanup: async () => {
      await driver.close();
      await admin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    },
  };
}
