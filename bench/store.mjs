#!/usr/bin/env node
/**
 * `npm run bench:store [-- --keys=N]`: @kova/store against the same workload hand-written on
 * better-sqlite3 with a history table (a live table `key UNIQUE, value` and a history table indexed
 * by key, the same pragmas: WAL, synchronous=NORMAL). Each side gets a fresh file in a temp folder.
 *
 *   batched writes   N versioned writes (N/2 keys, each written twice) in transactions of 10,000
 *   point reads      get of every key, in random order
 *   AS OF reads      the value of a random key at a random past instant
 *   history reads    every version of a random key
 *
 * Three rounds, store and hand-written interleaved so outside load hits both alike; each figure is
 * the median round. Prints a table with ratios (store ÷ hand-written). Seconds, one process.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { openStore } from "../packages/store/dist/src/index.js";

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const WRITES = arg("writes", 100_000);
const READS = arg("reads", 100_000);
const BATCH = 10_000;
const ROUNDS = 3;
const KEYS = WRITES / 2;
const key = (i) => `device/${String(i).padStart(6, "0")}`;
const value = (i, round) => ({ temperature: 20 + (i % 15), round, label: `reading ${i}` });

function shuffled(n) {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** The hand-written peer: what one would write on better-sqlite3 for "versioned key/value". */
function handWritten(dir) {
  const db = new Database(join(dir, "hand.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec(`CREATE TABLE kv (id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL, value TEXT);
           CREATE TABLE kv_history (version INTEGER PRIMARY KEY, key TEXT NOT NULL, op TEXT NOT NULL, at INTEGER NOT NULL, value TEXT);
           CREATE INDEX kv_history_key ON kv_history (key, at);`);
  const upsert = db.prepare(`INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
  const version = db.prepare(`INSERT INTO kv_history (key, op, at, value) VALUES (?, 'put', ?, ?)`);
  const get = db.prepare(`SELECT value FROM kv WHERE key = ?`).pluck();
  const at = db.prepare(`SELECT op, value FROM kv_history WHERE key = ? AND at <= ? ORDER BY version DESC LIMIT 1`);
  const history = db.prepare(`SELECT version, op, at, value FROM kv_history WHERE key = ? ORDER BY version`);
  const putMany = db.transaction((items) => {
    const now = Date.now();
    for (const item of items) {
      const text = JSON.stringify(item.value);
      upsert.run(item.key, text);
      version.run(item.key, now, text);
    }
  });
  return {
    putMany,
    get: (k) => {
      const text = get.get(k);
      return text === undefined ? undefined : JSON.parse(text);
    },
    getAt: (k, t) => {
      const row = at.get(k, t);
      return row === undefined ? undefined : JSON.parse(row.value);
    },
    history: (k) => history.all(k).map((r) => ({ version: r.version, operation: r.op, at: new Date(r.at).toISOString(), value: JSON.parse(r.value) })),
    close: () => db.close(),
  };
}

async function kovaStore(dir) {
  const store = await openStore(join(dir, "store.db"));
  return {
    putMany: (items) => store.putMany(items.map((item) => ({ collection: "readings", key: item.key, value: item.value }))),
    get: (k) => store.get("readings", k),
    getAt: (k, t) => store.getAt("readings", k, t),
    history: (k) => store.history("readings", k),
    close: () => store.close(),
  };
}

function perSecond(count, run) {
  const start = process.hrtime.bigint();
  run();
  const ns = Number(process.hrtime.bigint() - start);
  return Math.round((count * 1e9) / ns);
}

async function measure(open, round) {
  const dir = mkdtempSync(join(tmpdir(), "kova-bench-store-"));
  const side = await open(dir);
  try {
    const writes = perSecond(WRITES, () => {
      for (let start = 0; start < WRITES; start += BATCH) {
        const items = [];
        for (let i = start; i < start + BATCH; i++) items.push({ key: key(i % KEYS), value: value(i, round) });
        side.putMany(items);
      }
    });
    const from = Date.now() - 60_000;
    const order = shuffled(KEYS);
    const reads = perSecond(READS, () => {
      for (let i = 0; i < READS; i++) if (side.get(key(order[i % KEYS])) === undefined) throw new Error("missing key");
    });
    const asOf = perSecond(READS, () => {
      for (let i = 0; i < READS; i++) side.getAt(key(order[i % KEYS]), from + ((i * 7919) % 120_000));
    });
    const history = perSecond(READS, () => {
      for (let i = 0; i < READS; i++) if (side.history(key(order[i % KEYS])).length !== 2) throw new Error("expected two versions");
    });
    return { writes, reads, asOf, history };
  } finally {
    side.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = { store: [], hand: [] };
const loads = [];
for (let round = 0; round < ROUNDS; round++) {
  results.store.push(await measure(kovaStore, round));
  results.hand.push(await measure(handWritten, round));
  loads.push(loadavg()[0]);
}
const rows = [
  ["batched writes/s", "writes"],
  ["point reads/s", "reads"],
  ["AS OF reads/s", "asOf"],
  ["history reads/s", "history"],
];
console.log(`@kova/store vs better-sqlite3 by hand with a history table: ${WRITES} writes (${KEYS} keys, batches of ${BATCH}), ${READS} reads, median of ${ROUNDS} rounds, load 1m ${median(loads).toFixed(1)}\n`);
console.log("| workload | @kova/store | hand-written | store ÷ hand |");
console.log("|---|---:|---:|---:|");
for (const [label, field] of rows) {
  const s = median(results.store.map((r) => r[field]));
  const h = median(results.hand.map((r) => r[field]));
  console.log(`| ${label} | ${s.toLocaleString("en")} | ${h.toLocaleString("en")} | **${(s / h).toFixed(2)}×** |`);
}
