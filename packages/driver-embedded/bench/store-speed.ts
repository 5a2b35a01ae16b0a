/**
 * Microbenchmark of the embedded store on a file database (WAL, synchronous=NORMAL), as an app
 * runs it. Run: cd /work/main && npx tsc -b packages/driver-embedded && node packages/driver-embedded/dist/bench/store-speed.js
 *
 * Reports: versioned writes/s through writeBatch (100k rows, one transaction), point reads/s by id
 * through execute (100k awaited reads), AS OF point reads/s, and the AS OF / plain time ratio; and,
 * as the ceiling those reads are held to, the same SQL run by better-sqlite3 directly (`get`, no
 * driver): on a busy machine the absolute rates move a lot, the driver / raw ratio much less.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EntitySchema, QueryPlan } from "@kova/query";
import { createEmbeddedDriver, sqliteDialect } from "../src/index.js";

const ROWS = 100_000;
const READS = 100_000;
const ROUNDS = 3;

const Item: EntitySchema = {
  name: "Item",
  table: "item",
  fields: [
    { name: "name", type: "string", optional: false, unique: false, index: false },
    { name: "email", type: "string", optional: false, unique: true, index: false },
    { name: "age", type: "int", optional: true, unique: false, index: false },
    { name: "score", type: "float", optional: true, unique: false, index: false },
    { name: "active", type: "boolean", optional: false, unique: false, index: false },
  ],
};

const entities = new Map([[Item.name, Item]]);
const byId = { kind: "compare", op: "==", left: { kind: "field", field: "id" }, right: { kind: "arg", index: 0 } } as const;
const pointRead: QueryPlan = { kind: "select", entity: "Item", fields: null, where: byId, orderBy: [], limit: null, offset: null, asOf: null, single: true };
const asOfRead: QueryPlan = { ...pointRead, asOf: { kind: "arg", index: 1 } };

function rate(count: number, ms: number): string {
  return `${Math.round((count / ms) * 1000).toLocaleString("en-US")}/s`;
}

/** Same pseudo-random ids for both read kinds (a fixed LCG, no Math.random). */
function ids(count: number, max: number): number[] {
  const out = new Array<number>(count);
  let x = 12345;
  for (let i = 0; i < count; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out[i] = 1 + (x % max);
  }
  return out;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "kova-bench-"));
  const driver = createEmbeddedDriver({ name: "bench", appDir: dir, options: process.env.KOVA_LOCKING ? { locking: process.env.KOVA_LOCKING } : undefined });
  try {
    await driver.connect();
    await driver.migrate([Item]);
    console.log(`embedded store: ${driver.path} (WAL, synchronous=NORMAL, locking=${process.env.KOVA_LOCKING ?? "exclusive"})`);

    const writeRates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const rows = Array.from({ length: ROWS }, (_, i) => ({
        name: `user ${round}-${i}`,
        email: `u${round}-${i}@example.com`,
        age: i % 90,
        score: i / 7,
        active: i % 2 === 0,
      }));
      const start = performance.now();
      driver.writeBatch("Item", rows);
      const ms = performance.now() - start;
      writeRates.push((ROWS / ms) * 1000);
      console.log(`  batch ${round + 1}: ${ROWS.toLocaleString("en-US")} versioned inserts in ${ms.toFixed(0)} ms = ${rate(ROWS, ms)}`);
    }
    const total = ROWS * ROUNDS;
    const plain = JSON.parse(JSON.stringify(sqliteDialect.compile(pointRead, entities)));
    const asOf = JSON.parse(JSON.stringify(sqliteDialect.compile(asOfRead, entities)));
    const readIds = ids(READS, total);
    const now = Date.now();

    const timeReads = async (query: unknown, extra: unknown[]): Promise<number> => {
      const start = performance.now();
      let found = 0;
      for (let i = 0; i < READS; i++) {
        if ((await driver.execute(query as never, [readIds[i], ...extra])) !== null) found++;
      }
      const ms = performance.now() - start;
      if (found !== READS) throw new Error(`expected ${READS} rows, found ${found}`);
      return ms;
    };
    // Warm up both paths (JIT, statement cache, page cache), then alternate rounds.
    await timeReads(plain, []);
    await timeReads(asOf, [now]);
    // The driver's own connection: with exclusive locking a second one cannot open the file.
    const db = (driver as unknown as { db: { prepare(sql: string): { get(...args: unknown[]): unknown } } }).db;
    const rawStatement = db.prepare((plain as { read: { sql: string } }).read.sql);
    const timeRawReads = (): number => {
      const start = performance.now();
      let found = 0;
      for (let i = 0; i < READS; i++) if (rawStatement.get(readIds[i]) !== undefined) found++;
      const ms = performance.now() - start;
      if (found !== READS) throw new Error(`expected ${READS} rows, found ${found}`);
      return ms;
    };
    timeRawReads();
    const plainMs: number[] = [];
    const asOfMs: number[] = [];
    const rawMs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      plainMs.push(await timeReads(plain, []));
      asOfMs.push(await timeReads(asOf, [now]));
      rawMs.push(timeRawReads());
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const medianWrite = median(writeRates);
    console.log("");
    console.log(`versioned batch writes: ${Math.round(medianWrite).toLocaleString("en-US")}/s (median of ${ROUNDS} batches of ${ROWS.toLocaleString("en-US")})`);
    console.log(`point reads by id (execute): ${rate(READS, median(plainMs))} (median of ${ROUNDS} x ${READS.toLocaleString("en-US")}, ${total.toLocaleString("en-US")} rows)`);
    console.log(`AS OF point reads (execute): ${rate(READS, median(asOfMs))}`);
    console.log(`AS OF / plain time ratio: ${(median(asOfMs) / median(plainMs)).toFixed(2)}x (target <= 1.5x)`);
    console.log(`raw better-sqlite3 point reads (same SQL, get, no driver): ${rate(READS, median(rawMs))}; driver / raw time ratio ${(median(plainMs) / median(rawMs)).toFixed(2)}x`);
  } finally {
    await driver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
