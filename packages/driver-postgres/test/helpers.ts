/**
 * Shared test fixtures: entities, plan builders, and a migrated driver in a fresh schema of the
 * real PostgreSQL server (KOVA_PG_URL, default postgresql://postgres@127.0.0.1:5432/test).
 * Each store gets its own schema `kova_test_<random>`, dropped by cleanup().
 */
import { randomBytes } from "node:crypto";
import type { TestContext } from "node:test";
import pg from "pg";
import type { Dialect, Driver, EntitySchema, QueryPlan } from "@kova/query";
import { compileWith as roundTrip, field, insertPlan, Note as SharedNote, User } from "@kova/query/testing";
import { createPostgresDriver, postgresDialect } from "../src/index.js";

export const PG_URL = process.env.KOVA_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

export { User, f, arg, lit, cmp, eq, select, history, asc, desc, sleep } from "@kova/query/testing";

/** The shared Note with a decimal and a uuid column, for this driver's numeric and uuid mapping. */
export const Note: EntitySchema = {
  ...SharedNote,
  fields: [...SharedNote.fields, field("price", "decimal", { optional: true }), field("uid", "uuid", { optional: true })],
};

export const entities = new Map([User, Note].map((e) => [e.name, e]));

/** Compiles through a JSON round trip, as `kova build` writes the statements into the app. */
export function compileWith(dialect: Dialect, plan: QueryPlan, known: ReadonlyMap<string, EntitySchema> = entities) {
  return roundTrip(dialect, plan, known);
}

export const compile = (plan: QueryPlan) => compileWith(postgresDialect, plan);

let reachable: Promise<string | undefined> | undefined;

/** undefined when the server answers, else why not. */
function probe(): Promise<string | undefined> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return reachable;
}

/**
 * True when the PostgreSQL server answers. Otherwise the test is skipped loudly, or (with CI=true)
 * fails: in CI a missing server is a broken setup, not a reason to pass.
 */
export async function serverUp(t: TestContext): Promise<boolean> {
  const why = await probe();
  if (why === undefined) return true;
  const message = `PostgreSQL is not reachable at ${PG_URL.replace(/:[^:@/]*@/, "@")} (${why})`;
  if (process.env.CI === "true") throw new Error(message);
  t.skip(`SKIPPED: ${message}`);
  return false;
}

/** Runs SQL as the server's admin on the test database (schema setup, pg_terminate_backend, …). */
export async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function freshSchema(): Promise<string> {
  const schema = `kova_test_${randomBytes(6).toString("hex")}`;
  await admin((c) => c.query(`CREATE SCHEMA ${schema}`));
  return schema;
}

export async function dropSchema(schema: string): Promise<void> {
  await admin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
}

export interface Store {
  driver: Driver;
  schema: string;
  run(plan: QueryPlan, ...args: unknown[]): Promise<any>;
  insert(entity: string, body: Record<string, unknown>): Promise<any>;
  cleanup(): Promise<void>;
}

export interface StoreOptions {
  dialect?: Dialect;
  create?: (config: { name: string; appDir: string; options: unknown }) => Driver;
  options?: Record<string, unknown>;
  entities?: EntitySchema[];
}

export async function openStore(opts: StoreOptions = {}): Promise<Store> {
  const schema = await freshSchema();
  const create = opts.create ?? createPostgresDriver;
  const dialect = opts.dialect ?? postgresDialect;
  const list = opts.entities ?? [User, Note];
  const known = new Map(list.map((e) => [e.name, e]));
  const driver = create({ name: "db", appDir: ".", options: { url: PG_URL, schema, ...opts.options } });
  await driver.connect();
  await driver.migrate(list);
  const run = (plan: QueryPlan, ...args: unknown[]) => driver.execute(compileWith(dialect, plan, known), args) as Promise<any>;
  return {
    driver,
    schema,
    run,
    insert: (entity, body) => run(insertPlan(entity), body),
    cleanup: async () => {
      await driver.close();
      await dropSchema(schema);
    },
  };
}

