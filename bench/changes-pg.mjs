// What recording change events costs a single write on PostgreSQL: N serial inserts through the
// driver with recording off, then on (the outbox trigger, the write in its own transaction, its
// events read and NOTIFYed before COMMIT). Prints both times and their ratio.
//
//   node bench/changes-pg.mjs            (N=1000; KOVA_BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/test)
import pg from "pg";
import { createPostgresDriver, postgresDialect } from "@kova/driver-postgres";
import { compileWith, insertPlan, Note } from "@kova/query/testing";

const URL = process.env.KOVA_BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const N = Number(process.env.N ?? 1000);
const schema = `events_bench_${process.pid}`;
const admin = new pg.Client({ connectionString: URL });
await admin.connect();
await admin.query(`CREATE SCHEMA ${schema}`);
try {
  const driver = createPostgresDriver({ name: "db", appDir: "/tmp", options: { url: URL, schema } });
  await driver.connect();
  await driver.migrate([Note]);
  const insert = compileWith(postgresDialect, insertPlan("Note"), new Map([["Note", Note]]));
  const run = async () => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < N; i++) await driver.execute(insert, [{ text: `n${i}`, big: i }]);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  await run(); // warm-up
  const off = await run();
  driver.changes.onCommit(() => {});
  await driver.changes.ready();
  await run();
  const on = await run();
  console.log(JSON.stringify({ writes: N, perWriteMsOff: +(off / N).toFixed(2), perWriteMsOn: +(on / N).toFixed(2), ratio: +(on / off).toFixed(2) }));
  await driver.close();
} finally {
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
}
