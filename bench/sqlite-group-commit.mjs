/**
 * What bounds the `updates` workload (20 versioned updates per request) on the embedded store: the
 * SQLite work per request, or the commit? Same schema, pragmas and statements as
 * bench/apps/shared/world-store.mjs; K requests' work in one transaction (optionally each under a
 * SAVEPOINT, as group commit would need), CPU per request, median of 7 interleaved rounds.
 *
 *   node bench/sqlite-group-commit.mjs            # synchronous=NORMAL (the store's setting)
 *   SYNC=FULL node bench/sqlite-group-commit.mjs  # an fsync per commit
 */
import Database from "better-sqlite3";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
const db = new Database(join(mkdtempSync(join(tmpdir(), "upd-")), "w.db"));
db.pragma("locking_mode = EXCLUSIVE"); db.pragma("journal_mode = WAL"); db.pragma("synchronous = " + (process.env.SYNC ?? "NORMAL")); db.pragma("cache_size = -65536");
db.exec(`CREATE TABLE world (id INTEGER PRIMARY KEY AUTOINCREMENT, randomnumber INTEGER);
CREATE TABLE world__history (version INTEGER PRIMARY KEY, id INTEGER NOT NULL, op TEXT NOT NULL, at INTEGER NOT NULL, randomnumber INTEGER);
CREATE INDEX world__history_id_at ON world__history (id, at);`);
const ins = db.prepare("INSERT INTO world (randomnumber) VALUES (?)"); const insh = db.prepare("INSERT INTO world__history (id, op, at, randomnumber) VALUES (?, 'insert', ?, ?)");
db.transaction(() => { for (let i = 1; i <= 10000; i++) { ins.run(i); insh.run(i, Date.now(), i); } })();
const update = db.prepare(`UPDATE "world" SET "randomnumber" = ? WHERE ("world"."id" IN (SELECT value FROM json_each(?))) RETURNING "id", "randomnumber"`).raw(true);
const history = db.prepare(`INSERT INTO "world__history" ("id", "op", "at", "randomnumber") VALUES (?, 'update', ?, ?)`);
const one = (value, idsJson) => { const rows = update.all(value, idsJson); for (const r of rows) history.run(r[0], Date.now(), r[1]); return rows; };
const savepointed = db.transaction(one); // nested call in a transaction = a SAVEPOINT (better-sqlite3)
let x = 7; const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) % 10000) + 1;
const idsJson = () => JSON.stringify(Array.from({ length: 20 }, rnd));
const REQ = 2000;
const configs = [[1, false], [4, false], [16, false], [4, true], [16, true]];
const cpu = new Map(configs.map((c) => [c.join(), []]));
for (let round = 0; round < 7; round++) for (const [K, sp] of configs) {
  const batch = db.transaction((n) => { for (let i = 0; i < n; i++) (sp ? savepointed : one)(i, idsJson()); });
  const t = process.cpuUsage();
  for (let done = 0; done < REQ; done += K) batch(K);
  const u = process.cpuUsage(t);
  cpu.get([K, sp].join()).push((u.user + u.system) / REQ);
}
const med = (a) => [...a].sort((x, y) => x - y)[3];
const base = med(cpu.get("1,false"));
for (const [K, sp] of configs) {
  const m = med(cpu.get([K, sp].join()));
  console.log(`K=${String(K).padStart(2)} requests per transaction${sp ? ", each under a savepoint" : ""}: ${m.toFixed(0)} µs CPU per request (median of 7), ${(m / base).toFixed(2)}x of K=1`);
}
