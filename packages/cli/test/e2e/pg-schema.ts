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
