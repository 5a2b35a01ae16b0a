// How fast `kova db import` loads an export, and whether its memory stays flat: a generated export
// file of N rows (the Item entity, ~230 bytes a line) imported into a fresh embedded store and, with
// --pg, into a fresh PostgreSQL schema. Peak RSS of the import process from /usr/bin/time.
// Usage: node bench/db/import-rows.mjs [rows=1000000] [--pg]   (after `npx tsc -b`)
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { once } from "node:events";
import pg from "pg";
import { entitiesOf, item, KOVA, makeApp } from "./items-app.mjs";

const rows = Number(process.argv.slice(2).find((a) => !a.startsWith("--")) ?? 1_000_000);
const withPg = process.argv.includes("--pg");
const PG_URL = process.env.KOVA_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

const source = makeApp();
const file = join(source, "items.jsonl");
const out = createWriteStream(file);
const header = { kova: "export", format: 1, createdAt: new Date().toISOString(), driver: "bench", source: "default", history: false, entities: (await entitiesOf(source)).map((e) => ({ name: e.name, fields: e.fields })) };
out.write(JSON.stringify(header) + "\n");
for (let i = 1; i <= rows; i++) {
  if (!out.write(JSON.stringify({ entity: "Item", id: i, fields: item(i) }) + "\n")) await once(out, "drain");
}
await new Promise((r) => out.end(r));

function timedImport(app, env = {}) {
  const run = spawnSync("/usr/bin/time", ["-f", "%M", process.execPath, KOVA, "db", "import", file, app], { encoding: "utf8", env: { ...process.env, ...env } });
  if (run.status !== 0) throw new Error(run.stdout + run.stderr);
  const seconds = Number(/in ([\d.]+) s/.exec(run.stdout)[1]);
  const maxRssMiB = Math.round(Number(run.stderr.trim().split("\n").pop()) / 1024);
  return { seconds, rowsPerSecond: Math.round(rows / seconds), maxRssMiB };
}

const result = { rows, fileMiB: +(statSync(file).size / 2 ** 20).toFixed(1), embedded: timedImport(makeApp()) };
if (withPg) {
  const schema = `kova_bench_import_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA "${schema}"`);
  try {
    const app = makeApp(`CONNECT db USING postgres({ url: env("DB_URL"), schema: env("DB_SCHEMA") })`);
    result.postgres = timedImport(app, { DB_URL: PG_URL, DB_SCHEMA: schema });
  } finally {
    await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
    await admin.end();
  }
}
console.log(JSON.stringify(result));
rmSync(source, { recursive: true, force: true });
