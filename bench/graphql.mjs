#!/usr/bin/env node
/**
 * The GraphQL row: one query — the 20 newest posts, each with its author and its comments — on
 * Kova (GraphQL served from the entities by kova.config.json, `apps/kova-gql`) against the same
 * schema written by hand on Fastify + mercurius (graphql-jit, loaders) and on graphql-yoga
 * (DataLoader), both on better-sqlite3 reading a copy of the Kova app's database. Every server
 * must give the same answer before anything is timed.
 *
 *   node bench/graphql.mjs [--seconds=5] [--rounds=3]
 *
 * Data: 50 users, 200 posts, 800 comments, written through the Kova app. Servers are pinned to
 * core 0 and wrk (1 thread, 32 connections) to core 1 when `taskset` exists; rounds rotate through
 * the servers; the medians' ratios are printed with the load average. Writes
 * bench/results/graphql.json. Standalone (not part of `npm run bench`).
 */
import { spawn, spawnSync } from "node:child_process";
import { isDeepStrictEqual } from "node:util";
import { loadavg } from "node:os";
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BENCH_DIR, buildKovaApp } from "./lib/servers.mjs";
import { median } from "./lib/load.mjs";
import { copyDatabase } from "./lib/seed.mjs";

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const SECONDS = arg("seconds", 5);
const ROUNDS = arg("rounds", 3);
const hasTaskset = spawnSync("taskset", ["--version"]).status === 0;
const DATA = join(BENCH_DIR, ".data", "graphql");
const SCRIPT = fileURLToPath(new URL("./lib/wrk.lua", import.meta.url));
const [USERS, POSTS, COMMENTS] = [50, 200, 800];
const QUERY = JSON.stringify({
  query: "{ posts(limit: 20, orderBy: [{ field: id, direction: DESC }]) { id title author { id name } comments { id body } } }",
});

const children = new Set();
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

async function ask(url) {
  const response = await fetch(`${url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: QUERY });
  const body = await response.json();
  if (response.status !== 200 || body.errors !== undefined) throw new Error(`${url}: ${response.status} ${JSON.stringify(body)}`);
  return body.data;
}

function start(entry, port, env) {
  const [command, argv] = hasTaskset ? ["taskset", ["-c", "0", process.execPath, entry]] : [process.execPath, [entry]];
  const child = spawn(command, argv, { env: { ...process.env, PORT: String(port), KOVA_LOG_LEVEL: "warn", NODE_ENV: "production", ...env }, stdio: ["ignore", "ignore", "inherit"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  const url = `http://127.0.0.1:${port}`;
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 20_000;
    const poll = async () => {
      try {
        await fetch(url);
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
  const args = ["-t1", "-c32", `-d${SECONDS}s`, "--timeout", "5s", "-s", SCRIPT, url, "--", "graphql", QUERY];
  const [command, argv] = hasTaskset ? ["taskset", ["-c", "1", "wrk", ...args]] : ["wrk", args];
  const out = spawnSync(command, argv, { encoding: "utf8" });
  const line = /WRK_JSON (\{.*\})/.exec(out.stdout ?? "");
  if (line === null) throw new Error(`wrk failed: ${out.stdout}${out.stderr}`);
  const r = JSON.parse(line[1]);
  const errors = r.connect_errors + r.read_errors + r.write_errors + r.status_errors + r.timeouts;
  if (errors > 0) throw new Error(`wrk saw ${errors} errors against ${url}`);
  return r.requests / (r.duration_us / 1e6);
}

async function seed(url) {
  const post = async (path, body) => {
    const r = await fetch(url + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (r.status !== 201) throw new Error(`seeding ${path}: ${r.status} ${await r.text()}`);
    return (await r.json()).id;
  };
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
}

rmSync(DATA, { recursive: true, force: true });
mkdirSync(DATA, { recursive: true });
const kovaApp = join(BENCH_DIR, "apps", "kova-gql");
buildKovaApp(kovaApp);
const appDir = join(DATA, "kova");
const handFile = join(DATA, "hand", "data.db");
// KOVA_APP_DIR is where the app reads kova.config.json (GraphQL on) and keeps its store.
mkdirSync(appDir, { recursive: true });
copyFileSync(join(kovaApp, "kova.config.json"), join(appDir, "kova.config.json"));
{
  const seeding = await start(join(kovaApp, "dist", "server.js"), 3911, { KOVA_APP_DIR: appDir });
  await seed(seeding.url);
  await seeding.stop();
  copyDatabase(join(appDir, ".kova", "data.db"), handFile);
}

const servers = {
  kova: () => start(join(kovaApp, "dist", "server.js"), 3912, { KOVA_APP_DIR: appDir }),
  mercurius: () => start(join(BENCH_DIR, "apps", "mercurius-gql.mjs"), 3913, { DB_FILE: handFile }),
  "graphql-yoga": () => start(join(BENCH_DIR, "apps", "yoga-gql.mjs"), 3914, { DB_FILE: handFile }),
};

// Same answer from every server, before anything is timed.
const answers = {};
for (const [name, make] of Object.entries(servers)) {
  const server = await make();
  answers[name] = await ask(server.url);
  await server.stop();
}
for (const name of Object.keys(servers)) {
  if (!isDeepStrictEqual(answers[name], answers.kova)) throw new Error(`${name} answers differently from Kova:\n${JSON.stringify(answers[name].posts[0])}\n${JSON.stringify(answers.kova.posts[0])}`);
}

const rows = Object.fromEntries(Object.keys(servers).map((name) => [name, []]));
const loads = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, make] of Object.entries(servers)) {
    const server = await make();
    wrk(server.url); // warm-up, not counted
    rows[name].push(wrk(server.url));
    loads.push(loadavg()[0]);
    await server.stop();
  }
}
const kova = median(rows.kova);
console.log(`GraphQL row: 20 posts with author and comments, ${ROUNDS} rounds × ${SECONDS} s, wrk -t1 -c32; load 1m median ${median(loads).toFixed(1)} (max ${Math.max(...loads).toFixed(1)}) on ${spawnSync("nproc").stdout?.toString().trim()} cores`);
console.log("| server | req/s median (min–max) | Kova ÷ server |");
console.log("|---|---:|---:|");
for (const [name, values] of Object.entries(rows)) {
  const m = median(values);
  console.log(`| ${name} | ${Math.round(m)} (${Math.round(Math.min(...values))}–${Math.round(Math.max(...values))}) | ${name === "kova" ? "—" : `**${(kova / m).toFixed(2)}×**`} |`);
}
mkdirSync(join(BENCH_DIR, "results"), { recursive: true });
writeFileSync(join(BENCH_DIR, "results", "graphql.json"), `${JSON.stringify({ at: new Date().toISOString(), seconds: SECONDS, rounds: ROUNDS, load: loads, rows }, null, 2)}\n`);
rmSync(DATA, { recursive: true, force: true });
