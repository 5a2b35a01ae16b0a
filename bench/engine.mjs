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
 * (KOVA_ENGINE_WORKERS; default the engine's own; 0: the main thread). Bounded: `--seconds` (default 5) per phase, `--connections` (default 32) for the trivial tenant,
 * `--noisy` (default 8) for the noisy one. Seed target: 10,000 req/s, p95 < 15 ms. The engine and
 * this client share the machine: run it with nice and read `uptime` with the figures.
 *
 * The ceiling, measured first in the same run with the same client: raw `node:http` answering the
 * same fixed JSON (a child process, no framework). `--client=wrk` loads with wrk (C, one thread per
 * phase) instead of this process's keep-alive loops: on a 2-core machine the JavaScript client
 * takes most of a core, so its figures say as much about the client as about the server.
 * `--cpu-prof=DIR` makes the engine process write a V8 CPU profile there.
 *
 * Each phase also reports the server process's CPU time per answered request (user + system, all
 * its threads, from /proc on Linux): on a shared machine req/s follows the neighbours' load, CPU
 * per request much less so.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runWrk } from "./lib/load.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const option = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const SECONDS = option("seconds", 5);
const CONNECTIONS = option("connections", 32);
const NOISY = option("noisy", 8);
const CLIENT = process.argv.find((a) => a.startsWith("--client="))?.split("=")[1] ?? "node";
if (CLIENT !== "node" && CLIENT !== "wrk") throw new Error("--client is node or wrk");
const WORKERS = process.argv.find((a) => a.startsWith("--workers="))?.split("=")[1];
const ADMIN = "bench-admin-key-0123456789abcdef";
/** `--cpu-prof=DIR`: the engine process writes a V8 CPU profile there when it exits (for `node --cpu-prof` analysis). */
const CPU_PROF = process.argv.find((a) => a.startsWith("--cpu-prof="))?.split("=")[1];

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
  const profile = CPU_PROF === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${CPU_PROF}`];
  const child = spawn(process.execPath, [...profile, join(ROOT, "packages/engine/dist/src/cli.js")], {
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

const TICKS_PER_SECOND = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** A process's CPU time so far in ms (user + system, every thread), or NaN where /proc is not there. */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** `measures` (run at once) with the server's CPU µs per answered request over all of them set on each. */
async function withCpu(pid, ...measures) {
  const before = cpuMs(pid);
  const results = await Promise.all(measures);
  const requests = results.reduce((n, r) => n + r.requests, 0);
  const cpuUs = ((cpuMs(pid) - before) * 1000) / requests;
  for (const r of results) r.cpuUs = cpuUs;
  return results;
}

/** `connections` connections on `path` for `seconds`: req/s, p50/p95/p99 in ms and status counts (by the chosen client). */
function measure(url, path, connections, seconds) {
  if (CLIENT === "node") return load(url, path, connections, performance.now() + seconds * 1000);
  if (connections === 0) return Promise.resolve({ rps: 0, requests: 0, p50: NaN, p95: NaN, p99: NaN, statuses: {} });
  return runWrk({ url, workload: "path", extra: [path], seconds, connections }).then((r) => ({
    rps: r.rps, requests: r.requests, p50: r.p50_ms, p95: r.p95_ms, p99: r.p99_ms,
    statuses: { "2xx": r.requests - r.errors, ...(r.errorKinds.status > 0 ? { "non-2xx": r.errorKinds.status } : {}), ...(r.errors - r.errorKinds.status > 0 ? { error: r.errors - r.errorKinds.status } : {}) },
  }));
}

/** Raw node:http answering `{"hello":"world"}` in a child process: the ceiling on this machine, measured by the same client. */
async function startRawNode() {
  const code = `const body = JSON.stringify({ hello: "world" });
require("node:http").createServer((req, res) => { res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }); res.end(body); })
  .listen(0, "127.0.0.1", function () { console.log(JSON.stringify({ port: this.address().port })); });`;
  const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once("data", (d) => resolve(JSON.parse(d.toString()).port));
    child.once("exit", (c) => reject(new Error(`raw node:http exited ${c}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

/** Warm-up by count, not time: on a loaded machine a second of wall time may be little CPU, and the JIT needs requests. */
const warm = (url, path, count = 3_000) => load(url, path, 4, performance.now() + 15_000, count);

/** `connections` keep-alive loops on `path` until `until` (or `count` answers); latencies in ms and status counts. */
function load(url, path, connections, until, count = Infinity) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies = [];
  const statuses = {};
  const loop = () =>
    new Promise((resolve) => {
      const next = () => {
        if (performance.now() >= until || latencies.length >= count) return resolve();
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
    return { rps: latencies.length / seconds, requests: latencies.length, p50: pct(0.5), p95: pct(0.95), p99: pct(0.99), statuses };
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
const raw = await startRawNode();
await warm(raw.url, "/");
const [ceiling] = await withCpu(raw.child.pid, measure(raw.url, "/", CONNECTIONS, SECONDS));
raw.child.kill("SIGTERM");
await new Promise((r) => raw.child.once("exit", r));
const single = await startSingleApp(dir);
await warm(single.url, "/hello");
const [baseline] = await withCpu(single.child.pid, measure(single.url, "/hello", CONNECTIONS, SECONDS));
single.child.kill("SIGTERM");
await new Promise((r) => single.child.once("exit", r));
const { child, url, workers } = await startEngine(dir);
try {
  const quiet = await call(url, "POST", "/_engine/tenants", ADMIN, { name: "quiet", rateLimit: 100_000_000 });
  const noisy = await call(url, "POST", "/_engine/tenants", ADMIN, { name: "noisy", rateLimit: 100_000_000, quotas: { fuel: 20_000 } });
  await call(url, "POST", "/_engine/deploy", quiet.apiKey, { source: TRIVIAL });
  await call(url, "POST", "/_engine/deploy", noisy.apiKey, { source: NOISY_PROGRAM });
  // Warm-up: the first requests compile the runtime's paths.
  await warm(url, "/t/quiet/hello");
  await warm(url, "/t/noisy/burn", 300);
  const [alone] = await withCpu(child.pid, measure(url, "/t/quiet/hello", CONNECTIONS, SECONDS));
  const [shared, neighbour] = await withCpu(child.pid, measure(url, "/t/quiet/hello", CONNECTIONS, SECONDS), measure(url, "/t/noisy/burn", NOISY, SECONDS));
  const f = (n) => n.toFixed(2);
  console.log(`kova engine (${workers} worker threads), loopback, ${CLIENT === "wrk" ? "wrk" : "node:http client"}, ${SECONDS} s per phase, ${CONNECTIONS} keep-alive connections (load average ${loadavg().map((l) => l.toFixed(2)).join(" ")})`);
  console.log(`| phase | req/s | p50 ms | p95 ms | p99 ms | server CPU µs/request | answers |`);
  console.log(`|---|---|---|---|---|---|---|`);
  console.log(`| raw node:http, a fixed JSON answer (the ceiling) | ${ceiling.rps.toFixed(0)} | ${f(ceiling.p50)} | ${f(ceiling.p95)} | ${f(ceiling.p99)} | ${ceiling.cpuUs.toFixed(0)} | ${JSON.stringify(ceiling.statuses)} |`);
  console.log(`| the same program on \`kova run --vm\`'s server (one app, no engine) | ${baseline.rps.toFixed(0)} | ${f(baseline.p50)} | ${f(baseline.p95)} | ${f(baseline.p99)} | ${baseline.cpuUs.toFixed(0)} | ${JSON.stringify(baseline.statuses)} |`);
  console.log(`| trivial tenant alone | ${alone.rps.toFixed(0)} | ${f(alone.p50)} | ${f(alone.p95)} | ${f(alone.p99)} | ${alone.cpuUs.toFixed(0)} | ${JSON.stringify(alone.statuses)} |`);
  console.log(`| trivial tenant, noisy neighbour at its quota | ${shared.rps.toFixed(0)} | ${f(shared.p50)} | ${f(shared.p95)} | ${f(shared.p99)} | ${shared.cpuUs.toFixed(0)} | ${JSON.stringify(shared.statuses)} |`);
  console.log(`| the noisy neighbour (${NOISY} connections, fuel 20,000) | ${neighbour.rps.toFixed(0)} | ${f(neighbour.p50)} | ${f(neighbour.p95)} | ${f(neighbour.p99)} | ${neighbour.cpuUs.toFixed(0)} | ${JSON.stringify(neighbour.statuses)} |`);
  console.log(`engine ÷ raw node:http: ${(alone.rps / ceiling.rps).toFixed(2)} alone, ${(shared.rps / ceiling.rps).toFixed(2)} beside the noisy neighbour; engine ÷ single app: ${(alone.rps / baseline.rps).toFixed(2)}; CPU per request, engine ÷ raw node:http: ${(alone.cpuUs / ceiling.cpuUs).toFixed(2)}; seed target: 10,000 req/s with p95 < 15 ms`);
} finally {
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  rmSync(dir, { recursive: true, force: true });
}
