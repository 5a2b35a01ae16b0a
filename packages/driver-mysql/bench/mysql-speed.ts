/**
 * Rough throughput of the driver against the real server (KOVA_MYSQL_URL): versioned inserts and
 * point reads by id, one at a time and 10 at a time (the pool's size). Uses a throwaway database.
 *
 *   cd /work/main && npx tsc -b packages/driver-mysql && node packages/driver-mysql/dist/bench/mysql-speed.js
 */
import type { QueryPlan } from "@kova/query";
import { createMysqlDriver, mysqlDialect } from "../src/index.js";
import { allEntities, arg, createDatabase, dropDatabase, entities, eq, f, select, urlFor } from "../test/helpers.js";

const insert: QueryPlan = { kind: "insert", entity: "Note", values: { kind: "object", operand: arg(0) } };
const byId = select("Note", { where: eq(f("id"), arg(0)), single: true });

async function timed(label: string, count: number, concurrency: number, work: (i: number) => Promise<unknown>): Promise<void> {
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await work(next++);
  }));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`${label.padEnd(34)} ${Math.round(count / seconds).toString().padStart(7)} ops/s  (${count} in ${seconds.toFixed(2)} s)`);
}

const database = await createDatabase();
const driver = createMysqlDriver({ name: "bench", appDir: ".", options: urlFor(database) });
try {
  await driver.connect();
  await driver.migrate(allEntities);
  const ins = mysqlDialect.compile(insert, entities);
  const read = mysqlDialect.compile(byId, entities);
  await timed("insert (+ version), 1 at a time", 1000, 1, (i) => driver.execute(ins, [{ text: `n${i}`, big: i }]));
  await timed("insert (+ version), 10 at a time", 3000, 10, (i) => driver.execute(ins, [{ text: `p${i}`, big: i }]));
  await timed("read by id, 1 at a time", 3000, 1, (i) => driver.execute(read, [1 + (i % 4000)]));
  await timed("read by id, 10 at a time", 10000, 10, (i) => driver.execute(read, [1 + (i % 4000)]));
  const asOf = mysqlDialect.compile(select("Note", { where: eq(f("id"), arg(0)), asOf: arg(1), single: true }), entities);
  await timed("AS OF read by id, 10 at a time", 5000, 10, (i) => driver.execute(asOf, [1 + (i % 4000), Date.now()]));
} finally {
  await driver.close();
  await dropDatabase(database);
}
