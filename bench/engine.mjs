#!/usr/bin/env node
/**
 * `node bench/engine.mjs`: the engine server (a real `packages/engine/dist/src/cli.js` process,
 * embedded store) on loopback. A trivial tenant program (GET /hello answering a constant object)
 * is loaded by keep-alive clients, each sending its next request when the last is answered; every
 * request's latency is recorded, so p95 is exact. Two phases of `--seconds` each:
 *   1. the trivial tenant alone;
 *   2. the same, while a noisy tenant is loaded at the same time with a handler that runs until
 *      its fuel quota stops it (every one of its requests is a 503 quota-exceeded).
 * For scale on a shared machine, phase 0 serves the same trivial program with `kova run --vm`'s
 * server (one app, the runtime's pipeline, the handler on the VM): the engine's cost is the ratio.
 * (`--port`, default 7560, is that server's port.) `--workers=N` is the engine's worker threads
 * (KOVA_ENGINE_WORKERS; default the engine's own, the machine's parallelism; 0: the main thread). Bounded: `--seconds` (default 5) per phase, `--connections` (default 32) for the trivial tenant,
 * `--noisy` (default 8) for the noisy one. Seed target: 10,000 req/s, p95 < 15 ms. The engine and
 * this client share the machine: run it with nice and read `uptime` with the figures.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const option = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const SECONDS = option("seconds", 5);
const CONNECTIONS = option("connections", 32);
const NOISY = option("noisy", 8);
const WORKERS = process.argv.find((a) => a.startsWith("--workers="))?.split("=")[1];
const ADMIN = "bench-admin-key-0123456789abcdef";

const TRIVIAL = `GET /hello {
  RESPOND { hello: "world" }
}
`;
const NOISY_PROGRAM = `GET /burn {
  n = 0
  FOR a IN [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20] {
    FOR b IN [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20] {
      FOR c IN [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20] {
        n = n + 1
      }
    }
  }
  RESPOND { n: n }
}
`;

function startEngine(dir) {
  const child = spawn(process.execPath, [join(ROOT, "packages/engine/dist/src/cli.js")], {
    env: { ...process.env, KOVA_ENGINE_ADMIN_KEY: ADMIN, KOVA_ENGINE_DATA_DIR: dir, KOVA_ENGINE_PORT: "0", KOVA_LOG_LEVEL: "info", KOVA_ENGINE_QUEUE_LIMIT: "4096", ...(WORKERS === undefined ? {} : { KOVA_ENGINE_WORKERS: WORKERS }) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d.toString();
      const m = /"port":(\d+)/.exec(out);
      if (m) resolve({ child, url: `http://127.0.0.1:${m[1]}`, workers: /"workers":(\d+)/.exec(out)?.[1] ?? "?" });
    });
    child.once("exit", (code) => reject(new Error(`the engine exited ${code}`)));
  });
}

async function call(url, method, path, key, body) {
  const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** `connections` keep-alive loops on `path` until `until`; latencies in ms and status counts. */
function load(url, path, connections, until) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies = [];
  const statuses = {};
  const loop = () =>
    new Promise((resolve) => {
      const next = () => {
        if (performance.now() >= until) return resolve();
        const started = performance.now();
        const req = request(`${url}${path}`, { agent }, (res) => {
          res.resume();
          res.on("end", () => {
            latencies.push(performance.now() - started);
            statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
            next();
          });
        });
        req.on("error", () => {
          statuses.error = (statuses.error ?? 0) + 1;
          next();
        });
        req.end();
      };
      next();
    });
  const started = performance.now();
  return Promise.all(Array.from({ length: connections }, loop)).then(() => {
    agent.destroy();
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
    return { rps: latencies.length / seconds, p50: pct(0.5), p95: pct(0.95), p99: pct(0.99), statuses };
  });
}

/** `kova build --target bytecode` of the trivial program, served by its dist/server.js (the VM tier). */
async function startSingleApp(dir) {
  const appDir = join(dir, "single");
  const { mkdirSync } = await import("node:fs");
  mkdirSync(appDir);
  writeFileSync(join(appDir, "app.kova"), TRIVIAL);
  symlinkSync(join(ROOT, "node_modules"), join(appDir, "node_modules"), "dir");
  const build = spawn(process.execPath, [join(ROOT, "packages/cli/bin/kova.js"), "build", "--target", "bytecode", appDir], { stdio: "ignore" });
  if ((await new Promise((r) => build.once("exit", r))) !== 0) throw new Error("kova build --target bytecode failed");
  const port = option("port", 7560);
  const child = spawn(process.execPath, [join(appDir, "dist", "server.js")], { env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", KOVA_LOG_LEVEL: "warn" }, stdio: ["ignore", "ignore", "inherit"] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the app exited ${child.exitCode}`);
    if (await fetch(`${url}/_kova/health`).then((r) => r.ok, () => false)) return { child, url };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the app did not answer its health check within 30 s");
}

const dir = mkdtempSync(join(tmpdir(), "kova-bench-engine-"));
const single = await startSingleApp(dir);
await load(single.url, "/hello", 4, performance.now() + 1000);
const baseline = await load(single.url, "/hello", CONNECTIONS, performance.now() + SECONDS * 1000);
single.child.kill("SIGTERM");
await new Promise((r) => single.child.once("exit", r));
const { child, url, workers } = await startEngine(dir);
try {
  const quiet = await call(url, "POST", "/_engine/tenants", ADMIN, { name: "quiet", rateLimit: 100_000_000 });
  const noisy = await call(url, "POST", "/_engine/tenants", ADMIN, { name: "noisy", rateLimit: 100_000_000, quotas: { fuel: 20_000 } });
  await call(url, "POST", "/_engine/deploy", quiet.apiKey, { source: TRIVIAL });
  await call(url, "POST", "/_engine/deploy", noisy.apiKey, { source: NOISY_PROGRAM });
  // Warm-up: the first requests compile the runtime's paths.
  await load(url, "/t/quiet/hello", 4, performance.now() + 1000);
  const alone = await load(url, "/t/quiet/hello", CONNECTIONS, performance.now() + SECONDS * 1000);
  const until = performance.now() + SECONDS * 1000;
  const [shared, neighbour] = await Promise.all([load(url, "/t/quiet/hello", CONNECTIONS, until), load(url, "/t/noisy/burn", NOISY, until)]);
  const f = (n) => n.toFixed(2);
  console.log(`kova engine (${workers} worker threads), loopback, ${SECONDS} s per phase, ${CONNECTIONS} keep-alive connections (load average ${loadavg().map((l) => l.toFixed(2)).join(" ")})`);
  console.log(`| phase | req/s | p50 ms | p95 ms | p99 ms | answers |`);
  console.log(`|---|---|---|---|---|---|`);
  console.log(`| the same program on \`kova run --vm\`'s server (one app, no engine) | ${baseline.rps.toFixed(0)} | ${f(baseline.p50)} | ${f(baseline.p95)} | ${f(baseline.p99)} | ${JSON.stringify(baseline.statuses)} |`);
  console.log(`| trivial tenant alone | ${alone.rps.toFixed(0)} | ${f(alone.p50)} | ${f(alone.p95)} | ${f(alone.p99)} | ${JSON.stringify(alone.statuses)} |`);
  console.log(`| trivial tenant, noisy neighbour at its quota | ${shared.rps.toFixed(0)} | ${f(shared.p50)} | ${f(shared.p95)} | ${f(shared.p99)} | ${JSON.stringify(shared.statuses)} |`);
  console.log(`| the noisy neighbour (${NOISY} connections, fuel 20,000) | ${neighbour.rps.toFixed(0)} | ${f(neighbour.p50)} | ${f(neighbour.p95)} | ${f(neighbour.p99)} | ${JSON.stringify(neighbour.statuses)} |`);
  console.log(`engine ÷ single app throughput: ${(alone.rps / baseline.rps).toFixed(2)}; seed target: 10,000 req/s with p95 < 15 ms`);
} finally {
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  rmSync(dir, { recursive: true, force: true });
}
