/**
 * The World table on PostgreSQL: a fresh schema per run, created and filled by Kova's own driver
 * (@kova/driver-postgres: its migrate, its compiled INSERT, so the live table, the history table
 * and their indexes are the Kova app's), dropped at the end.
 */
import { WORLD_ROWS, worldRows } from "./seed.mjs";

export const PG_URL = process.env.KOVA_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

/** The URL with any password hidden, for messages. */
export const pgAddress = (url = PG_URL) => url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");

/** Whether PostgreSQL answers at `url` (one short connection attempt, never throws). */
export async function pgReachable(url = PG_URL) {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Creates schema `kova_bench_<random>` holding the World entity with WORLD_ROWS rows (the same
 * deterministic numbers as the embedded seed). Returns { schema, drop() }.
 */
export async function seedWorldPg(entities, url = PG_URL) {
  const { createPostgresDriver, postgresDialect } = await import("@kova/driver-postgres");
  const { default: pg } = await import("pg");
  const schema = `kova_bench_${Math.random().toString(36).slice(2, 10)}`;
  const admin = async (sql) => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE SCHEMA ${schema}`);
  // Its own connection, opened when called: one held through the whole run could have died by then.
  const drop = () => admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  try {
    const driver = createPostgresDriver({ name: "seed", appDir: ".", options: { url, schema } });
    await driver.connect();
    try {
      await driver.migrate(entities);
      const byName = new Map(entities.map((e) => [e.name, e]));
      const insert = postgresDialect.compile({ kind: "insert", entity: "World", values: { kind: "object", operand: { kind: "arg", index: 0 } } }, byName);
      const rows = worldRows();
      // Ten at a time (the pool's size), so ids 1..WORLD_ROWS are all there but which number each
      // id holds may differ between runs; every implementation reads the same schema, so parity holds.
      let next = 0;
      const worker = async () => {
        while (next < rows.length) await driver.execute(insert, [rows[next++]]);
      };
      await Promise.all(Array.from({ length: 10 }, worker));
    } finally {
      await driver.close();
    }
    const { rows: [count] } = await admin(`SELECT count(*)::int AS n, max(id)::int AS max FROM ${schema}.world`);
    if (count.n !== WORLD_ROWS || count.max !== WORLD_ROWS) throw new Error(`seeding ${schema}.world gave ${count.n} rows (max id ${count.max}), expected ${WORLD_ROWS}`);
  } catch (error) {
    await drop().catch(() => {});
    throw error;
  }
  return { schema, drop };
}
