#!/usr/bin/env node
// Chooses the playground's SQLite WASM: @sqlite.org/sqlite-wasm vs sql.js, on what the page pays
// (bytes shipped, raw and gzipped; time to a ready database) and a query's speed (the same SQL the
// embedded store runs for a read by id and a versioned write), one run, same process, same data.
// Run: node packages/playground/bench/sqlite-wasm.mjs   (report `uptime` with the figures)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { performance } from "node:perf_hooks";

const require = createRequire(import.meta.url);
const ROWS = 2000;
const READS = 20000;
const WRITES = 2000;

function sizes(files) {
  const bytes = files.map((f) => readFileSync(f));
  return { raw: bytes.reduce((n, b) => n + b.length, 0), gzip: bytes.reduce((n, b) => n + gzipSync(b, { level: 9 }).length, 0) };
}

/** Each engine behind the same three calls, as the driver adapter would use it: exec, a prepared read, a prepared write. */
async function officialEngine() {
  const root = dirname(require.resolve("@sqlite.org/sqlite-wasm/package.json"));
  const t0 = performance.now();
  const { default: init } = await import("@sqlite.org/sqlite-wasm");
  const sqlite3 = await init();
  const db = new sqlite3.oo1.DB(":memory:", "c");
  const ready = performance.now() - t0;
  return {
    name: `@sqlite.org/sqlite-wasm ${sqlite3.version.libVersion}`,
    shipped: sizes([join(root, "dist/index.mjs"), join(root, "dist/sqlite3.wasm")]),
    ready,
    exec: (sql) => db.exec(sql),
    prepare(sql) {
      const st = db.prepare(sql);
      return {
        get(params) {
          st.bind(params);
          const row = st.step() ? st.get({}) : undefined;
          st.reset();
          return row;
        },
        run(params) {
          st.bind(params);
          st.step();
          st.reset();
        },
      };
    },
  };
}

async function sqljsEngine() {
  const root = dirname(dirname(require.resolve("sql.js")));
  const t0 = performance.now();
  const initSqlJs = require("sql.js");
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  const ready = performance.now() - t0;
  const version = db.exec("select sqlite_version()")[0].values[0][0];
  return {
    name: `sql.js ${JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version} (SQLite ${version})`,
    shipped: sizes([join(root, "dist/sql-wasm-browser.js"), join(root, "dist/sql-wasm-browser.wasm")]),
    ready,
    exec: (sql) => db.exec(sql),
    prepare(sql) {
      const st = db.prepare(sql);
      return {
        get(params) {
          st.bind(params);
          const row = st.step() ? st.getAsObject() : undefined;
          st.reset();
          return row;
        },
        run(params) {
          st.run(params);
        },
      };
    },
  };
}

async function measure(engine) {
  // The embedded store's shape: a table and its history table, a write inserts the version too.
  engine.exec(`CREATE TABLE todo (id INTEGER PRIMARY KEY, title TEXT NOT NULL, done INTEGER NOT NULL, version INTEGER NOT NULL);
    CREATE TABLE todo__history (id INTEGER NOT NULL, version INTEGER NOT NULL, valid_from TEXT NOT NULL, title TEXT, done INTEGER, PRIMARY KEY (id, version));`);
  const insert = engine.prepare("INSERT INTO todo (id, title, done, version) VALUES (?, ?, ?, 1)");
  const history = engine.prepare("INSERT INTO todo__history (id, version, valid_from, title, done) VALUES (?, ?, ?, ?, ?)");
  engine.exec("BEGIN");
  for (let i = 1; i <= ROWS; i++) {
    insert.run([i, `todo ${i}`, 0]);
    history.run([i, 1, "2026-01-01T00:00:00.000Z", `todo ${i}`, 0]);
  }
  engine.exec("COMMIT");
  const read = engine.prepare("SELECT id, title, done, version FROM todo WHERE id = ?");
  const asOf = engine.prepare("SELECT id, title, done FROM todo__history WHERE id = ? AND valid_from <= ? ORDER BY version DESC LIMIT 1");
  const update = engine.prepare("UPDATE todo SET done = ?, version = version + 1 WHERE id = ?");
  const bump = engine.prepare("INSERT INTO todo__history (id, version, valid_from, title, done) SELECT id, version, ?, title, done FROM todo WHERE id = ?");
  let t = performance.now();
  for (let i = 0; i < READS; i++) if (read.get([(i % ROWS) + 1]) === undefined) throw new Error("missing row");
  const readUs = ((performance.now() - t) * 1000) / READS;
  t = performance.now();
  for (let i = 0; i < READS; i++) if (asOf.get([(i % ROWS) + 1, "2026-06-01T00:00:00.000Z"]) === undefined) throw new Error("missing version");
  const asOfUs = ((performance.now() - t) * 1000) / READS;
  t = performance.now();
  for (let i = 0; i < WRITES; i++) {
    // One endpoint's write: a transaction with the row and its new version.
    engine.exec("BEGIN");
    update.run([1, (i % ROWS) + 1]);
    bump.run(["2026-02-01T00:00:00.000Z", (i % ROWS) + 1]);
    engine.exec("COMMIT");
  }
  const writeUs = ((performance.now() - t) * 1000) / WRITES;
  return { readUs, asOfUs, writeUs };
}

const results = [];
for (const make of [officialEngine, sqljsEngine]) {
  const engine = await make();
  results.push({ engine, ...(await measure(engine)) });
}
const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
for (const r of results) {
  console.log(`${r.engine.name}`);
  console.log(`  shipped: ${kb(r.engine.shipped.raw)} (${kb(r.engine.shipped.gzip)} gzipped); ready in ${r.engine.ready.toFixed(0)} ms (Node, in-memory)`);
  console.log(`  read by id ${r.readUs.toFixed(2)} µs · AS OF read ${r.asOfUs.toFixed(2)} µs · versioned write (transaction) ${r.writeUs.toFixed(2)} µs`);
}
const [a, b] = results;
console.log(`ratios sql.js / sqlite-wasm: read ${(b.readUs / a.readUs).toFixed(2)} · AS OF ${(b.asOfUs / a.asOfUs).toFixed(2)} · write ${(b.writeUs / a.writeUs).toFixed(2)} · gzipped size ${(b.engine.shipped.gzip / a.engine.shipped.gzip).toFixed(2)}`);
