/**
 * Measures the driver on the local PostgreSQL server: versioned inserts, point reads by id, AS OF
 * point reads and history reads, with 10 requests in flight (KOVA_BENCH_INFLIGHT to change; the
 * pool has 10 connections, so more in flight pipelines), each with the client's CPU per operation.
 *
 *   npx tsc -b packages/driver-postgres && node packages/driver-postgres/dist/bench/pg-speed.js
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { EntitySchema, QueryPlan } from "@kova/query";
import { createPostgresDriver, postgresDialect } from "../src/index.js";

const url = process.env.KOVA_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const Note: EntitySchema = {
  name: "Note",
  table: "note",
  fields: [
    { name: "text", type: "string", optional: false, unique: false, index: false },
    { name: "n", type: "int", optional: true, unique: false, index: true },
    { name: "at", type: "datetime", optional: false, unique: false, index: false, default: { now: true } },
  ],
};
const entities = new Map([[Note.name, Note]]);
const compile = (plan: QueryPlan) => JSON.parse(JSON.stringify(postgresDialect.compile(plan, entities)));
const byId = { kind: "compare", op: "==", left: { kind: "field", field: "id" }, right: { kind: "arg", index: 0 } } as const;

async function measure(label: string, total: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await op(next++);
    }),
  );
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const perOp = (used.user + used.system) / total;
  console.log(`${label.padEnd(34)} ${total} ops in ${ms.toFixed(0)} ms = ${Math.round((total / ms) * 1000)} ops/s, client CPU ${perOp.toFixed(0)} µs/op`);
}

const schema = `kova_bench_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client(url);
await admin.connect();
await admin.query(`CREATE SCHEMA ${schema}`);
const driver = createPostgresDriver({ name: "bench", appDir: ".", options: { url, schema } });
try {
  await driver.connect();
  await driver.migrate([Note]);
  const insert = compile({ kind: "insert", entity: "Note", values: { kind: "object", operand: { kind: "arg", index: 0 } } });
  const read = compile({ kind: "select", entity: "Note", fields: null, where: byId, orderBy: [], limit: null, offset: null, asOf: null, single: true });
  const asOf = compile({ kind: "select", entity: "Note", fields: null, where: byId, orderBy: [], limit: null, offset: null, asOf: { kind: "arg", index: 1 }, single: true });
  const history = compile({ kind: "history", entity: "Note", where: byId, orderBy: [], limit: null, offset: null });
  const rows = 5000;
  const inflight = Number(process.env.KOVA_BENCH_INFLIGHT ?? 10);
  await measure("insert (row + version, 1 stmt)", rows, inflight, (i) => driver.execute(insert, [{ text: `note ${i}`, n: i }]));
  await measure("select by id", 20000, inflight, (i) => driver.execute(read, [(i % rows) + 1]));
  const now = Date.now();
  await measure("select by id AS OF", 20000, inflight, (i) => driver.execute(asOf, [(i % rows) + 1, now]));
  await measure("history of one id", 20000, inflight, (i) => driver.execute(history, [(i % rows) + 1]));
} finally {
  await driver.close();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
}
