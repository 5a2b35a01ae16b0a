#!/usr/bin/env node
/**
 * What endpoint transactions cost and save, on the embedded store: one compiled app, served twice
 * by `node dist/server.js` — as built (`atomic`: each writing route runs in one transaction) and
 * with the routes' `writes` stripped from dist/app.js (`per-statement`: each statement commits on
 * its own, as before endpoints were atomic) — under the same load, rounds alternating.
 *
 *   node bench/transactions.mjs [--rounds=3] [--seconds=3] [--connections=16]
 *
 * Routes: `updates20` runs 20 UPDATE statements (one row each, versioned): 20 commits become one;
 * `updates1` one UPDATE of 20 rows (already one commit: this shows the wrapper's own cost);
 * `read` one row by id (no transaction either way: a control).
 */
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const option = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const rounds = option("rounds", 3);
const seconds = option("seconds", 3);
const connections = option("connections", 16);

const updates20 = Array.from({ length: 20 }, (_, i) => `  UPDATE World SET randomnumber = $query.value WHERE id = ${i + 1}`).join("\n");
const APP = `
ENTITY World { randomnumber: int }
VALIDATE NewWorld { randomnumber: int }
POST /worlds VALIDATE NewWorld { RESPOND 201 INSERT INTO World $body }
POST /updates20 {
${updates20}
  RESPOND 204
}
POST /updates1 { RESPOND UPDATE World SET randomnumber = $query.value WHERE id IN [${Array.from({ length: 20 }, (_, i) => i + 1).join(", ")}] }
GET /read { RESPOND SELECT * FROM World WHERE id = 7 }
`;

async function prepare() {
  const root = mkdtempSync(join(tmpdir(), "kova-bench-tx-"));
  const dir = join(root, "atomic");
  writeFileSync(join(root, "app.kova"), APP);
  cpSync(join(root, "app.kova"), join(dir, "app.kova"));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  const built = await runNode([join(ROOT, "packages/cli/bin/kova.js"), "build", dir]);
  if (built !== 0) throw new Error("kova build failed");
  // The same app without its routes' `writes`: the runtime then opens no transaction.
  const plain = join(root, "plain");
  cpSync(dir, plain, { recursive: true, filter: (p) => !p.endsWith("node_modules") });
  symlinkSync(join(ROOT, "node_modules"), join(plain, "node_modules"));
  const appJs = join(plain, "dist", "app.js");
  const stripped = readFileSync(appJs, "utf8").replace(/, writes: \[[^\]]*\]/g, "");
  writeFileSync(appJs, stripped);
  return { dir: root, variants: { atomic: dir, "per-statement": plain } };
}

function runNode(args) {
  const r = spawn(process.execPath, args, { stdio: "inherit" });
  return new Promise((resolveExit) => r.on("exit", (code) => resolveExit(code)));
}

async function serve(appDir, port) {
  const child = spawn(process.execPath, [join(appDir, "dist", "server.js")], { env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", KOVA_LOG_LEVEL: "warn" }, stdio: "ignore" });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/_kova/health`)).ok) return { child, url };
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error(`the app in ${appDir} did not start`);
}

async function load(url, method, path) {
  const r = await autocannon({ url, connections, duration: seconds, requests: [{ method, setupRequest: (req) => ({ ...req, path: `${path}${path.includes("?") ? "&" : "?"}value=${Math.floor(Math.random() * 10000)}` }) }] });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${path}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return r.requests.total / r.duration;
}

const { dir, variants } = await prepare();
const ROUTES = [["updates20", "POST", "/updates20"], ["updates1", "POST", "/updates1"], ["read", "GET", "/read"]];
const results = {};
let port = 38_400;
try {
  for (let round = 0; round < rounds; round++) {
    for (const [name, appDir] of Object.entries(variants)) {
      const { child, url } = await serve(appDir, port++);
      try {
        if (round === 0) for (let i = 0; i < 20; i++) await fetch(`${url}/worlds`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"randomnumber":1}' });
        for (const [route, method, path] of ROUTES) {
          await load(url, method, path); // warm-up (not counted)
          ((results[route] ??= {})[name] ??= []).push(await load(url, method, path));
        }
      } finally {
        child.kill();
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`load average at the end: ${(await import("node:os")).loadavg().map((x) => x.toFixed(2)).join(" ")} (2 cores)`);
console.log("| route | per-statement req/s (median) | atomic req/s (median) | atomic ÷ per-statement |");
console.log("|---|---|---|---|");
for (const [route] of ROUTES) {
  const a = median(results[route]["per-statement"]);
  const b = median(results[route].atomic);
  console.log(`| ${route} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(b / a).toFixed(2)}× |`);
}
