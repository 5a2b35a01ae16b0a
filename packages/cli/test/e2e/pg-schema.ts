/**
 * A PostgreSQL schema of its own for one e2e test: created before, dropped (with everything in it)
 * after. Without a server it is a loud skip locally and a failure with CI=true; the caller then
 * gets undefined and returns.
 */
import type { TestContext } from "node:test";
import { randomBytes } from "node:crypto";
import pg from "pg";

export const PG_URL = process.env.KOVA_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface PgSchema {
  /** The schema's name: `<prefix>_<pid>_<hex>`, so parallel runs and test files never share one. */
  name: string;
  /** An open connection for the test's own checks (ended after the test). */
  client: pg.Client;
}

export async function pgTestSchema(t: TestContext, prefix: string): Promise<PgSchema | undefined> {
  const name = `${prefix}_${process.pid}_${randomBytes(3).toString("hex")}`;
  const client = new pg.Client({ connectionString: PG_URL });
  try {
    await client.connect();
  } catch (error) {
    if (process.env.CI === "true") throw error;
    t.skip(`SKIPPED: no PostgreSQL at ${PG_URL}: ${(error as Error).message}`);
    return undefined;
  }
  await client.query(`CREATE SCHEMA "${name}"`);
  t.after(async () => {
    await client.query(`DROP SCHEMA "${name}" CASCADE`);
    await client.end();
  });
  return { name, client };
}

export interface PgRlsApp {
  /** The app's role: LOGIN, no superuser, no BYPASSRLS; it owns `schema` (it migrates its tables). */
  role: string;
  schema: string;
  /** PG_URL as that role. */
  url: string;
  /** A superuser connection (which bypasses RLS) for the test's own checks; ended after the test. */
  admin: pg.Client;
}

/**
 * A role that row-level security holds, owning a schema of its own, for a TENANT BY app served on
 * PostgreSQL: FORCE ROW LEVEL SECURITY applies to it, so every statement must carry its tenant.
 * Dropped (schema and role) after the test; undefined (a loud skip, a failure with CI=true) without
 * a server.
 */
export async function pgRlsApp(t: TestContext, prefix: string): Promise<PgRlsApp | undefined> {
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (error) {
    if (process.env.CI === "true") throw error;
    t.skip(`SKIPPED: PostgreSQL is not reachable (${(error as Error).message})`);
    return undefined;
  }
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  await admin.query(`CREATE ROLE ${name} LOGIN NOSUPERUSER NOBYPASSRLS`);
  await admin.query(`CREATE SCHEMA ${name} AUTHORIZATION ${name}`);
  t.after(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
    await admin.query(`DROP ROLE IF EXISTS ${name}`);
    await admin.end();
  });
  return { role: name, schema: name, url: PG_URL.replace(/\/\/[^@/]*@/, `//${name}@`), admin };
}
