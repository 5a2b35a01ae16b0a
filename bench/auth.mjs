#!/usr/bin/env node
/**
 * `node bench/auth.mjs [--seconds=10] [--rounds=3]`: an authenticated JSON endpoint (one JWT
 * verified per request) on Kova (`apps/kova-auth`, `AUTH jwt`, jose) against Fastify 5 +
 * @fastify/jwt (`apps/fastify-jwt.mjs`) doing the same checks. Both servers pinned to core 0, wrk
 * to core 1; rounds interleave the two; each figure is the median round. Prints the table and
 * writes bench/results/auth.json. Standalone (not part of `npm run bench`) so it adds a row
 * without touching the main run. `--base=DIR` adds `kova-base`: the same app built by another
 * checkout (e.g. a `git worktree` of an earlier commit), for a before/after in the same run.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SignJWT } from "jose";
import { BENCH_DIR, buildKovaApp, cpuNs } from "./lib/servers.mjs";
import { cliOption } from "./lib/seed.mjs";
import { median } from "./lib/load.mjs";

const seconds = Number(cliOption("seconds") ?? 10);
const rounds = Number(cliOption("rounds") ?? 3);
// --base=DIR: also run the bench app built by another checkout (its own compiler and runtime), for a before/after.
const base = cliOption("base");
const SECRET = "bench-secret-0123456789-0123456789-0123456789";
const KOVA_DIR = join(BENCH_DIR, "apps", "kova-auth");
const SCRIPT = fileURLToPath(new URL("./lib/wrk.lua", import.meta.url));
const hasTaskset = spawnSync("taskset", ["--version"]).status === 0;
const pinned = (cpu, command, args) => (hasTaskset ? ["taskset", ["-c", String(cpu), command, ...args]] : [command, args]);

const token = await new SignJWT({ sub: "user-42", role: "member" })
  .setProtectedHeader({ alg: "HS256" }).setIssuedAt().setIssuer("https://bench.kova").setAudience("bench").setExpirationTime("2h")
  .sign(new TextEncoder().encode(SECRET));

async function start(name, entry, port) {
  // Each server its own data folder: the embedded store is one process's.
  const env = { ...process.env, PORT: String(port), JWT_KEY: SECRET, KOVA_APP_DIR: join(BENCH_DIR, ".data", `auth-${name.replace(/\W+/g, "-")}`), KOVA_LOG_LEVEL: "warn" };
  const [command, args] = pinned(0, process.execPath, [entry]);
  const child = spawn(command, args, { env, stdio: ["ignore", "ignore", "inherit"] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      const response = await fetch(`${url}/me`, { headers: { authorization: `Bearer ${token}` } });
      const body = await response.json();
      if (response.status !== 200 || body.sub !== "user-42") throw new Error(`${name}: GET /me answered ${response.status} ${JSON.stringify(body)}`);
      const anonymous = await fetch(`${url}/me`);
      if (anonymous.status !== 401) throw new Error(`${name}: GET /me without a token answered ${anonymous.status}`);
      return { name, url, pid: child.pid, stop: () => child.kill("SIGTERM") };
    } catch (error) {
      if (error instanceof Error && error.message.startsWith(name)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${name} did not start`);
}

/** One wrk run against a server; also the server's CPU time per answered request (steadier than req/s on a loaded machine). */
function wrk(server) {
  const url = server.url;
  const cpuBefore = cpuNs(server.pid);
  const [command, args] = pinned(1, "wrk", ["-t1", "-c64", `-d${seconds}s`, "--timeout", "5s", "-s", SCRIPT, url, "--", "me", token]);
  const out = spawnSync(command, args, { encoding: "utf8" });
  const line = /WRK_JSON (\{.*\})/.exec(out.stdout ?? "");
  if (line === null) throw new Error(`wrk failed: ${out.stdout}${out.stderr}`);
  const r = JSON.parse(line[1]);
  const cpuUs = (cpuNs(server.pid) - cpuBefore) / 1000 / r.requests;
  const errors = r.connect_errors + r.read_errors + r.write_errors + r.status_errors + r.timeouts;
  return { rps: r.requests / (r.duration_us / 1e6), p50_ms: r.p50_us / 1000, p99_ms: r.p99_us / 1000, cpu_us: cpuUs, errors };
}

buildKovaApp(KOVA_DIR);
const servers = [];
try {
  servers.push(await start("kova", join(KOVA_DIR, "dist", "server.js"), 4390));
  servers.push(await start("fastify+@fastify/jwt", join(BENCH_DIR, "apps", "fastify-jwt.mjs"), 4391));
  if (base !== undefined) {
    const baseApp = join(base, "bench", "apps", "kova-auth");
    const built = spawnSync(process.execPath, [join(base, "packages", "cli", "bin", "kova.js"), "build", baseApp], { encoding: "utf8" });
    if (built.status !== 0) throw new Error(`kova build in ${base} failed:\n${built.stdout}${built.stderr}`);
    servers.push(await start("kova-base", join(baseApp, "dist", "server.js"), 4392));
  }
} catch (error) {
  for (const s of servers) s.stop(); // none is left listening when one fails to start
  throw error;
}
const load = loadavg()[0];
const samples = new Map(servers.map((s) => [s.name, []]));
try {
  for (const s of servers) wrk(s); // warm-up
  for (let round = 0; round < rounds; round++) for (const s of servers) samples.get(s.name).push(wrk(s));
} finally {
  for (const s of servers) s.stop();
}
const rows = servers.map((s) => {
  const runs = samples.get(s.name);
  return { name: s.name, rps: median(runs.map((r) => r.rps)), p50_ms: median(runs.map((r) => r.p50_ms)), p99_ms: median(runs.map((r) => r.p99_ms)), cpu_us: median(runs.map((r) => r.cpu_us)), errors: runs.reduce((n, r) => n + r.errors, 0) };
});
const [kova, fastify] = rows;
const result = { date: new Date().toISOString(), command: `node bench/auth.mjs --seconds=${seconds} --rounds=${rounds}`, loadAverage1m: load, rows, ratio: kova.rps / fastify.rps, cpuRatio: fastify.cpu_us / kova.cpu_us };
console.log("authenticated JSON (GET /me, one HS256 JWT verified per request)");
for (const r of rows) console.log(`  ${r.name.padEnd(22)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50_ms.toFixed(2)} ms  p99 ${r.p99_ms.toFixed(2)} ms  ${r.cpu_us.toFixed(1)} µs CPU/request  errors ${r.errors}`);
console.log(`  kova / fastify+jwt = ${result.ratio.toFixed(2)}× by req/s, ${result.cpuRatio.toFixed(2)}× by CPU per request (fastify's µs / kova's)  (1-min load average at start: ${load.toFixed(1)})`);
mkdirSync(join(BENCH_DIR, "results"), { recursive: true });
writeFileSync(join(BENCH_DIR, "results", "auth.json"), JSON.stringify(result, null, 2) + "\n");
