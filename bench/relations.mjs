/**
 * The relations row: `GET /feed` — 20 posts, newest first, each with its author and its comment
 * count — in Kova (one SELECT with `author { name }, COUNT(comments)`, compiled to one statement)
 * against the same endpoint written by hand on Fastify + better-sqlite3 (embedded) and Fastify + pg
 * (PostgreSQL), in one run on the same data. Additive to run.mjs (its own apps and data).
 *
 *   node bench/relations.mjs [--seconds=5] [--rounds=3]
 *
 * Data: 50 users, 200 posts, 800 comments, written through the Kova app (so the tables are
 * Kova's). Servers are pinned to core 0, wrk (1 thread, 32 connections) to core 1, rounds
 * alternate between Kova and Fastify; the medians' ratio is printed with the load average.
 */
import { spawn, spawnSync } from "node:child_process";
import { isDeepStrictEqual } from "node:util";
import { loadavg } from "node:os";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BENCH_DIR, buildKovaApp } from "./lib/servers.mjs";
import { median } from "./lib/load.mjs";
import { copyDatabase } from "./lib/seed.mjs";
import { PG_URL, pgReachable } from "./lib/seed-pg.mjs";

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const SECONDS = arg("seconds", 5);
const ROUNDS = arg("rounds", 3);
const hasTaskset = spawnSync("taskset", ["--version"]).status === 0;
const DATA = join(BENCH_DIR, ".data", "relations");
const [USERS, POSTS, COMMENTS] = [50, 200, 800];

/** Every server started, so none outlives the script when it fails midway. */
const children = new Set();
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

function start(entry, port, env) {
  const [command, argv] = hasTaskset ? ["taskset", ["-c", "0", process.execPath, entry]] : [process.execPath, [entry]];
  const child = spawn(command, argv, { env: { ...process.env, PORT: String(port), KOVA_LOG_LEVEL: "warn", ...env }, stdio: ["ignore", "ignore", "inherit"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  const url = `http://127.0.0.1:${port}`;
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 20_000;
    const poll = async () => {
      try {
        await fetch(`${url}/feed`);
        resolve({ url, stop: () => new Promise((done) => (child.once("exit", done), child.kill("SIGTERM"))) });
      } catch {
        if (Date.now() > deadline) reject(new Error(`${entry} did not answer on ${url}`));
        else setTimeout(poll, 50);
      }
    };
    poll();
  });
}

function wrk(url) {
  const args = ["-t1", "-c32", `-d${SECONDS}s`, "--timeout", "5s", `${url}/feed`];
  const [command, argv] = hasTaskset ? ["taskset", ["-c", "1", "wrk", ...args]] : ["wrk", args];
  const out = spawnSync(command, argv, { encoding: "utf8" }).stdout;
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!rps) throw new Error(`wrk failed:\n${out}`);
  if (/Non-2xx|Socket errors/.test(out)) throw new Error(`wrk saw errors:\n${out}`);
  return Number(rps[1]);
}

async function seed(url) {
  const post = async (path, body) => {
    const r = await fetch(url + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (r.status !== 201) throw new Error(`seeding ${path}: ${r.status} ${await r.text()}`);
    return (await r.json()).id;
  };
  // Eight requests in flight at a time, in id order per kind.
  const many = async (count, make) => {
    const ids = new Array(count);
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const i = next++;
        ids[i] = await make(i);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    return ids;
  };
  const users = await many(USERS, (i) => post("/users", { name: `user ${i}` }));
  const posts = await many(POSTS, (i) => post("/posts", { title: `post ${i}`, author: users[(i * 7) % users.length] }));
  await many(COMMENTS, (i) => post("/comments", { post: posts[(i * 13) % posts.length], body: `comment ${i}` }));
  process.stderr.write(`seeded ${USERS} users, ${POSTS} posts, ${COMMENTS} comments at ${url}\n`);
}

/** Rounds alternating between Kova and Fastify (each started fresh per round, alone on core 0). */
async function compare(label, kova, fastify) {
  const a = await kova();
  const b = await fastify();
  const [ka, fb] = [await (await fetch(`${a.url}/feed`)).json(), await (await fetch(`${b.url}/feed`)).json()];
  await a.stop();
  await b.stop();
  if (!isDeepStrictEqual(ka, fb)) throw new Error(`${label}: Kova and Fastify answer differently:\n${JSON.stringify(ka[0])}\n${JSON.stringify(fb[0])}`);
  const rows = { kova: [], fastify: [] };
  const loads = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, make] of [["kova", kova], ["fastify", fastify]]) {
      const server = await make();
      wrk(server.url); // warm-up (1 round's length), not counted
      rows[name].push(wrk(server.url));
      loads.push(loadavg()[0]);
      await server.stop();
    }
  }
  const k = median(rows.kova);
  const f = median(rows.fastify);
  console.log(`| ${label} | ${Math.round(k)} (${rows.kova.map(Math.round).join(", ")}) | ${Math.round(f)} (${rows.fastify.map(Math.round).join(", ")}) | **${(k / f).toFixed(2)}×** | ${median(loads).toFixed(1)} (max ${Math.max(...loads).toFixed(1)}) |`);
}

rmSync(DATA, { recursive: true, force: true });
mkdirSync(DATA, { recursive: true });
const kovaRel = join(BENCH_DIR, "apps", "kova-rel");
const kovaRelPg = join(BENCH_DIR, "apps", "kova-rel-pg");
buildKovaApp(kovaRel);
buildKovaApp(kovaRelPg);
console.log(`relations row: GET /feed (20 posts with author and comment count), ${ROUNDS} rounds × ${SECONDS} s, wrk -t1 -c32; load average at start ${loadavg()[0].toFixed(1)} on ${spawnSync("nproc").stdout?.toString().trim()} cores`);
console.log("| store | Kova req/s median (rounds) | Fastify req/s median (rounds) | Kova ÷ Fastify | load 1m median (max) |");
console.log("|---|---:|---:|---:|---:|");

// Embedded: the Kova app creates and fills its store; the hand-written app reads a copy of that
// file (the embedded driver holds its database file exclusively while it runs).
const appDir = join(DATA, "embedded");
const handFile = join(DATA, "fastify", "data.db");
{
  const seeding = await start(join(kovaRel, "dist", "server.js"), 3901, { KOVA_APP_DIR: appDir });
  await seed(seeding.url);
  await seeding.stop();
  copyDatabase(join(appDir, ".kova", "data.db"), handFile);
}
await compare(
  "embedded (SQLite) vs Fastify + better-sqlite3",
  () => start(join(kovaRel, "dist", "server.js"), 3902, { KOVA_APP_DIR: appDir }),
  () => start(join(BENCH_DIR, "apps", "fastify-rel.mjs"), 3903, { DB_FILE: handFile }),
);

if (await pgReachable()) {
  const { default: pg } = await import("pg");
  const schema = `kova_bench_rel_${Math.random().toString(36).slice(2, 10)}`;
  const admin = async (sql) => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE SCHEMA ${schema}`);
  try {
    const env = { DATABASE_URL: PG_URL, DB_SCHEMA: schema, KOVA_APP_DIR: join(DATA, "pg") };
    const seeding = await start(join(kovaRelPg, "dist", "server.js"), 3904, env);
    await seed(seeding.url);
    await seeding.stop();
    await compare(
      "PostgreSQL vs Fastify + pg",
      () => start(join(kovaRelPg, "dist", "server.js"), 3905, env),
      () => start(join(BENCH_DIR, "apps", "fastify-rel-pg.mjs"), 3906, env),
    );
  } finally {
    await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }
} else {
  console.log(`| PostgreSQL | not run: no PostgreSQL at ${PG_URL} | | | |`);
}
rmSync(DATA, { recursive: true, force: true });
