#!/usr/bin/env node
/**
 * node-postgres (`pg`, what @kova/driver-postgres uses) against porsager's `postgres` (pipelining)
 * on the bench's two PostgreSQL reads, without HTTP: one row by id and 20 rows by id, the SQL text
 * Kova compiles, each driver with a pool of 10 connections and prepared statements, 64 queries in
 * flight (as the HTTP bench's 64 connections keep them). Reports queries/s and this process's CPU µs
 * per query (user + system; the PostgreSQL server's own CPU is not in it), min / median / max of the
 * rounds, which alternate between the drivers.
 *
 *   node bench/pg-drivers.mjs [--rounds=5] [--n=20000] [--url=postgresql://postgres@127.0.0.1:5432/test]
 *
 * Seeds its own schema `kova_pgdrv_<random>` (10,000 rows) and drops it at the end.
 */
import { cliOption } from "./lib/seed.mjs";
import { median } from "./lib/load.mjs";
import { PG_URL } from "./lib/seed-pg.mjs";

const url = cliOption("url") ?? PG_URL;
const rounds = Number(cliOption("rounds") ?? 5);
const n = Number(cliOption("n") ?? 20_000);
const IN_FLIGHT = 64;
const ROWS = 10_000;

const { default: pg } = await import("pg");
let postgres;
try {
  ({ default: postgres } = await import("postgres"));
} catch {
  console.error("bench/pg-drivers.mjs needs the `postgres` package (a root devDependency): run npm ci");
  process.exit(1);
}

const schema = `kova_pgdrv_${Math.random().toString(36).slice(2, 10)}`;
const BY_ID = `SELECT "r"."id" AS "id", "r"."randomnumber" AS "randomnumber" FROM "world" AS "r" WHERE ("r"."id" = $1::bigint) ORDER BY "r"."id" ASC`;
const BY_IDS = `SELECT "r"."id" AS "id", "r"."randomnumber" AS "randomnumber" FROM "world" AS "r" WHERE ("r"."id" = ANY($1::bigint[])) ORDER BY "r"."id" ASC`;

const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query(`CREATE SCHEMA ${schema}`);
await admin.query(`CREATE TABLE ${schema}.world (id bigint PRIMARY KEY, randomnumber bigint NOT NULL)`);
await admin.query(`INSERT INTO ${schema}.world SELECT i, (i * 7919) % 10000 + 1 FROM generate_series(1, ${ROWS}) AS i`);

// int8 as a number in both, as Kova's driver reads it.
const pool = new pg.Pool({
  connectionString: url, max: 10, options: `-c search_path=${schema}`,
  types: { getTypeParser: (oid, format) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format)) },
});
const sql = postgres(url, {
  max: 10, prepare: true, connection: { search_path: schema }, onnotice: () => {},
  types: { bigint: { to: 20, from: [20], serialize: (x) => String(x), parse: (x) => Number(x) } },
});

let seed = 12345;
const randomId = () => 1 + ((seed = (seed * 1103515245 + 12345) % 2147483648) % ROWS);
const ids20 = () => Array.from({ length: 20 }, () => String(randomId()));

const drivers = {
  pg: {
    one: async () => (await pool.query({ name: "by_id", text: BY_ID, values: [String(randomId())] })).rows[0],
    twenty: async () => (await pool.query({ name: "by_ids", text: BY_IDS, values: [ids20()] })).rows,
  },
  postgres: {
    one: async () => (await sql.unsafe(BY_ID, [String(randomId())], { prepare: true }))[0],
    twenty: async () => [...(await sql.unsafe(BY_IDS, [ids20()], { prepare: true }))],
  },
};

/** `n` queries, IN_FLIGHT at a time; returns queries/s and CPU µs per query. */
async function run(query, count) {
  let next = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const worker = async () => {
    while (next++ < count) {
      const result = await query();
      if (result === undefined || (Array.isArray(result) && result.length === 0)) throw new Error("no rows");
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { qps: (count / ms) * 1000, cpuUs: (used.user + used.system) / count };
}

try {
  // Same answers from both before timing anything.
  const a = (await pool.query({ name: "by_ids", text: BY_IDS, values: [["1", "2", "3"]] })).rows;
  const b = [...(await sql.unsafe(BY_IDS, [["1", "2", "3"]], { prepare: true }))];
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`the drivers answer differently: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  console.log(`pg against postgres on ${url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@")}, pool 10, ${IN_FLIGHT} in flight, ${rounds} rounds × ${n} queries`);
  console.log("query    driver     q/s min   median   max     CPU µs/query min  median  max");
  for (const kind of ["one", "twenty"]) {
    for (const d of Object.values(drivers)) await run(d[kind], Math.min(n, 5000)); // warm-up: connections and prepared statements
    const samples = { pg: [], postgres: [] };
    for (let r = 0; r < rounds; r++) for (const [name, d] of Object.entries(drivers)) samples[name].push(await run(d[kind], n));
    for (const [name, s] of Object.entries(samples)) {
      const q = s.map((x) => x.qps);
      const c = s.map((x) => x.cpuUs);
      const f = (v) => Math.round(v).toLocaleString("en-US").padStart(7);
      const g = (v) => v.toFixed(1).padStart(6);
      console.log(`${(kind === "one" ? "1 row" : "20 rows").padEnd(8)} ${name.padEnd(9)} ${f(Math.min(...q))} ${f(median(q))} ${f(Math.max(...q))}   ${g(Math.min(...c))} ${g(median(c))} ${g(Math.max(...c))}`);
    }
  }
} finally {
  await sql.end({ timeout: 5 });
  await pool.end();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
}
