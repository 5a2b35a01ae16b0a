/**
 * AS OF point reads against plain reads by id on the embedded store's layout, in CPU time, for the
 * statement shapes the driver could compile (bench/README.md, Issue 25 fourth round).
 *
 *   node bench/sqlite-asof-shapes.mjs            # the (id, at) index the store has
 *   COVER=1 node bench/sqlite-asof-shapes.mjs    # plus a covering index
 *   COVER=2 node bench/sqlite-asof-shapes.mjs    # the covering index in place of (id, at)
 */
import Database from "better-sqlite3";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
const db = new Database(join(mkdtempSync(join(tmpdir(), "asof-")), "x.db"));
db.pragma("journal_mode = WAL"); db.pragma("synchronous = NORMAL");
db.exec(`CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT, email TEXT, age INTEGER, score REAL, active INTEGER);
CREATE TABLE item__history (version INTEGER PRIMARY KEY, id INTEGER NOT NULL, op TEXT NOT NULL, at INTEGER NOT NULL, name TEXT, email TEXT, age INTEGER, score REAL, active INTEGER);
${process.env.COVER === "2" ? "" : "CREATE INDEX item__history_id_at ON item__history (id, at);"}`);
if (process.env.COVER) db.exec(`CREATE INDEX item__history_cover ON item__history (id, at, version, op, name, email, age, score, active)`);
const N = 300000;
const ins = db.prepare("INSERT INTO item (id,name,email,age,score,active) VALUES (?,?,?,?,?,?)");
const insh = db.prepare("INSERT INTO item__history (id,op,at,name,email,age,score,active) VALUES (?,'insert',?,?,?,?,?,?)");
const wt = process.cpuUsage();
db.transaction(() => { for (let i = 1; i <= N; i++) { const r = [`user ${i}`, `u${i}@x.com`, i % 90, i / 7, i % 2]; ins.run(i, ...r); insh.run(i, Date.now(), ...r); } })();
{ const u = process.cpuUsage(wt); console.log("write CPU", ((u.user + u.system) / 1000).toFixed(0), "ms for", N, "rows"); }
const ids = []; let x = 12345; for (let i = 0; i < 100000; i++) { x = (x * 1103515245 + 12345) % 2147483648; ids.push(1 + (x % N)); }
const now = Date.now();
const cols = `"name","email","age","score","active"`;
const hcols = `h."name" AS "name", h."email" AS "email", h."age" AS "age", h."score" AS "score", h."active" AS "active"`;
const variants = {
  plain: [`SELECT r."id" AS "id", r."name" AS "name", r."email" AS "email", r."age" AS "age", r."score" AS "score", r."active" AS "active" FROM "item" AS r WHERE r."id" = ?`, (id) => [id]],
  current: [`SELECT "id", ${cols} FROM (SELECT h."op" AS "__kova_op", h."id" AS "id", ${hcols} FROM "item__history" AS h WHERE h."id" = ? AND h."at" <= ? ORDER BY h."at" DESC, h."version" DESC LIMIT 1) WHERE "__kova_op" <> 'delete'`, (id) => [id, now]],
  inner: [`SELECT h."op" AS "__kova_op", h."id" AS "id", ${hcols} FROM "item__history" AS h WHERE h."id" = ? AND h."at" <= ? ORDER BY h."at" DESC, h."version" DESC LIMIT 1`, (id) => [id, now]],
  versionSub: [`SELECT h."id" AS "id", ${hcols} FROM "item__history" AS h WHERE h."version" = (SELECT v."version" FROM "item__history" AS v WHERE v."id" = ? AND v."at" <= ? ORDER BY v."at" DESC, v."version" DESC LIMIT 1) AND h."op" <> 'delete'`, (id) => [id, now]],
  maxVersion: [`SELECT h."id" AS "id", ${hcols} FROM "item__history" AS h WHERE h."version" = (SELECT max(v."version") FROM "item__history" AS v WHERE v."id" = ? AND v."at" <= ?) AND h."op" <> 'delete'`, (id) => [id, now]],
};
for (const [k, [sql]] of Object.entries(variants)) console.log(k, db.prepare("EXPLAIN QUERY PLAN " + sql).all(...variants[k][1](1)).map((r) => r.detail).join(" | "));
const res = {};
for (let round = 0; round < 7; round++) for (const [k, [sql, args]] of Object.entries(variants)) {
  const st = db.prepare(sql); const t = process.cpuUsage(); for (const id of ids) st.get(...args(id)); const u = process.cpuUsage(t); (res[k] ??= []).push((u.user + u.system) / 1000);
}
const med = (a) => a.sort((x, y) => x - y)[3];
for (const k of Object.keys(res)) console.log(k.padEnd(12), med(res[k]).toFixed(0), "ms", (med(res[k]) / med(res.plain)).toFixed(2) + "x plain");
