// What encryption at rest costs the embedded store: the same work on a plain store and on one
// encrypted with a key (SQLCipher's AES-256), opened as the driver opens them (store/open-store.ts,
// WAL, exclusive locking, synchronous NORMAL, 64 MiB cache). Writes are one row per transaction (as
// an endpoint writes); reads are random rows by id, then a full scan, then the same reads with a
// cache too small for the table (2 MiB), where every page read is decrypted again.
// Usage: node bench/db/store-cipher.mjs [rows=50000] [reads=200000]   (after `npx tsc -b`)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "@kova/driver-embedded";

const [rows = 50_000, reads = 200_000] = process.argv.slice(2).map(Number);

function open(path, key, cacheMiB) {
  const db = openStore(path, { key });
  db.pragma("locking_mode = EXCLUSIVE");
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma(`cache_size = ${-cacheMiB * 1024}`);
  return db;
}

function run(key) {
  const dir = mkdtempSync(join(tmpdir(), "kova-bench-cipher-"));
  const path = join(dir, "data.db");
  let db = open(path, key, 64);
  db.exec(`CREATE TABLE item (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, n INTEGER, payload TEXT)`);
  const insert = db.prepare(`INSERT INTO item (name, n, payload) VALUES (?, ?, ?)`);
  const one = db.transaction((i) => insert.run(`item ${i}`, i, "x".repeat(160) + i));
  let t = performance.now();
  for (let i = 0; i < rows; i++) one(i);
  const writesPerSecond = rows / ((performance.now() - t) / 1000);
  const byId = db.prepare(`SELECT * FROM item WHERE id = ?`);
  const point = (handle) => {
    const stmt = handle.prepare(`SELECT * FROM item WHERE id = ?`);
    const t0 = performance.now();
    for (let i = 0; i < reads; i++) stmt.get(1 + Math.floor(Math.random() * rows));
    return reads / ((performance.now() - t0) / 1000);
  };
  const readsPerSecond = point(db);
  t = performance.now();
  db.prepare(`SELECT count(*), sum(length(payload)) FROM item`).get();
  const scanMs = performance.now() - t;
  void byId;
  db.close();
  db = open(path, key, 2);
  const coldReadsPerSecond = point(db);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { writesPerSecond: Math.round(writesPerSecond), readsPerSecond: Math.round(readsPerSecond), smallCacheReadsPerSecond: Math.round(coldReadsPerSecond), scanMs: Math.round(scanMs) };
}

const plain = run(undefined);
const encrypted = run("bench key");
const ratio = (k) => +(encrypted[k] / plain[k]).toFixed(3);
console.log(JSON.stringify({ rows, reads, plain, encrypted, encryptedToPlain: { writes: ratio("writesPerSecond"), reads: ratio("readsPerSecond"), smallCacheReads: ratio("smallCacheReadsPerSecond"), scanTime: ratio("scanMs") } }));
