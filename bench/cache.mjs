#!/usr/bin/env node
/**
 * A cached GET: Kova's CACHE against Fastify with lru-cache written by hand, both serving
 * `GET /cached/:id` for 100 ids of a World table (10 rows' worth of reads, all hits once warm).
 *
 *   node bench/cache.mjs [--rounds=3] [--seconds=3] [--connections=16]
 *
 * Kova: `CACHE worlds { ttl: 60s, key: "w:{id}" }` on `GET /cached/:id` (L1 only: no Redis), built
 * and run as `node dist/server.js` with KOVA_LOG_LEVEL=warn. Fastify: the same table in its own
 * better-sqlite3 file, an LRUCache of serialized answers with their ETag, the same headers (etag,
 * x-cache), JSON by hand (no schema). Rounds alternate between the two; the ratio uses medians.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const option = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const rounds = option("rounds", 3);
const seconds = option("seconds", 3);
const connections = option("connections", 16);
const IDS = 100;

const APP = `ENTITY World {
  randomnumber: int
}

VALIDATE NewWorld {
  randomnumber: int
}

CACHE worlds { ttl: 60s, key: "w:{id}" }

GET /cached/:id CACHE worlds {
  RESPOND SELECT * FROM World WHERE id = $id
}

POST /worlds VALIDATE NewWorld {
  RESPOND 201 INSERT INTO World $body
}
`;

// Fastify + lru-cache, hand-written: what a careful developer would write for the same endpoint.
const FASTIFY = `import Fastify from "fastify";
import Database from "better-sqlite3";
import { LRUCache } from "lru-cache";
import { createHash } from "node:crypto";
const db = new Database(process.env.DB_FILE);
db.pragma("journal_mode = WAL");
db.exec("CREATE TABLE IF NOT EXISTS world (id INTEGER PRIMARY KEY AUTOINCREMENT, randomnumber INTEGER NOT NULL)");
const insert = db.prepare("INSERT INTO world (randomnumber) VALUES (?)");
for (let i = 0; i < ${IDS}; i++) insert.run(i);
const one = db.prepare("SELECT id, randomnumber FROM world WHERE id = ?");
const cache = new LRUCache({ max: 10000, ttl: 60000 });
const app = Fastify({ logger: false });
app.get("/cached/:id", (req, reply) => {
  const key = "w:" + req.params.id;
  let entry = cache.get(key);
  let how = "hit";
  if (entry === undefined) {
    how = "miss";
    const row = one.get(Number(req.params.id));
    if (row === undefined) return reply.code(404).send({ status: 404 });
    const payload = JSON.stringify(row);
    entry = { payload, etag: '"' + createHash("sha1").update(payload).digest("base64url") + '"' };
    cache.set(key, entry);
  }
  if (req.headers["if-none-match"] === entry.etag) return reply.code(304).header("etag", entry.etag).send();
  reply.header("content-type", "application/json; charset=utf-8").header("etag", entry.etag).header("x-cache", how).send(entry.payload);
});
await app.listen({ port: Number(process.env.PORT), host: "127.0.0.1" });
`;

function runNode(args, options = {}) {
  const r = spawn(process.execPath, args, { stdio: "inherit", ...options });
  return new Promise((done) => r.on("exit", (code) => done(code)));
}

async function serve(args, port, env, health) {
  const child = spawn(process.execPath, args, { env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", KOVA_LOG_LEVEL: "warn", ...env }, stdio: "ignore" });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}${health}`)).ok) return { child, url };
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error(`${args.join(" ")} did not start`);
}

async function load(url) {
  let n = 0;
  const r = await autocannon({ url, connections, duration: seconds, requests: [{ method: "GET", setupRequest: (req) => ({ ...req, path: `/cached/${(n++ % IDS) + 1}` }) }] });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return r.requests.total / r.duration;
}

const dir = mkdtempSync(join(tmpdir(), "kova-bench-cache-"));
const results = { kova: [], fastify: [] };
let port = 38_600;
try {
  writeFileSync(join(dir, "app.kova"), APP);
  writeFileSync(join(dir, "fastify-lru.mjs"), FASTIFY);
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  if ((await runNode([join(ROOT, "packages/cli/bin/kova.js"), "build", dir])) !== 0) throw new Error("kova build failed");
  const servers = {
    kova: { args: [join(dir, "dist", "server.js")], env: {}, health: "/_kova/health", seed: true },
    fastify: { args: [join(dir, "fastify-lru.mjs")], env: { DB_FILE: join(dir, "fastify.db") }, health: "/cached/1", seed: false },
  };
  let seeded = false;
  for (let round = 0; round < rounds; round++) {
    for (const [name, s] of Object.entries(servers)) {
      const { child, url } = await serve(s.args, port++, s.env, s.health);
      try {
        if (s.seed && !seeded) {
          for (let i = 0; i < IDS; i++) await fetch(`${url}/worlds`, { method: "POST", headers: { "content-type": "application/json" }, body: `{"randomnumber":${i}}` });
          seeded = true;
        }
        await load(url); // warm-up (fills the cache; not counted)
        results[name].push(await load(url));
      } finally {
        child.kill();
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const k = median(results.kova);
const f = median(results.fastify);
console.log(`load average at the end: ${(await import("node:os")).loadavg().map((x) => x.toFixed(2)).join(" ")} (2 cores)`);
console.log("| cached GET /cached/:id (100 ids, all hits) | Fastify + lru-cache req/s (median) | Kova CACHE req/s (median) | Kova ÷ Fastify |");
console.log("|---|---|---|---|");
console.log(`| ${rounds} rounds × ${seconds} s, ${connections} connections | ${f.toFixed(0)} | ${k.toFixed(0)} | ${(k / f).toFixed(2)}× |`);
