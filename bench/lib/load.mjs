/**
 * Load generation with wrk (C, event-driven: one thread keeps a one-core node server busy without
 * becoming the bottleneck itself, which autocannon — JavaScript — would be for the fastest servers).
 * Where wrk is not installed, autocannon (a root devDependency) runs instead, in its own process
 * (autocannon-runner.mjs), so a fresh machine can still run the benchmark; its ceiling is lower,
 * and RESULTS.md says which one ran. The generator is pinned to its own core with taskset; every
 * run is bounded by its duration plus a margin.
 */
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("./wrk.lua", import.meta.url));
const AUTOCANNON_RUNNER = fileURLToPath(new URL("./autocannon-runner.mjs", import.meta.url));
const hasTaskset = spawnSync("taskset", ["--version"]).status === 0;

export const WORKLOADS = [
  { id: "plaintext", label: "plaintext (GET /plaintext)" },
  { id: "json", label: "JSON (GET /json)" },
  { id: "post", label: "validated POST (POST /orders, 10 fields)" },
  { id: "db", label: "1 row by id (GET /db/:id)" },
  { id: "queries", label: "20 rows by id (GET /queries?ids=…×20)" },
  { id: "updates", label: "20 versioned updates (POST /updates?ids=…×20&value=n)" },
  // On PostgreSQL (@kova/driver-postgres; pg Pool for the others): the same requests as db and queries.
  { id: "db-pg", label: "PostgreSQL: 1 row by id (GET /db/:id)", request: "db", postgres: true },
  { id: "queries-pg", label: "PostgreSQL: 20 rows by id (GET /queries?ids=…×20)", request: "queries", postgres: true },
];

/** "wrk" when it is installed (the first choice), else "autocannon". */
export function pickLoadGenerator() {
  const found = spawnSync("wrk", ["--version"], { encoding: "utf8" });
  return found.error ? "autocannon" : "wrk";
}

/** One run with `generator` ("wrk" or "autocannon"); resolves to { rps, p50_ms, p99_ms, requests, errors }. */
export function runLoad(generator, options) {
  return generator === "wrk" ? runWrk(options) : runAutocannon(options);
}

/** One autocannon run in a child process (pinned to `cpu`), same workloads and outputs as runWrk. */
export function runAutocannon({ url, workload, seconds, connections = 64, cpu }) {
  const args = [AUTOCANNON_RUNNER, url, workload, String(seconds), String(connections)];
  const [command, argv] = cpu !== undefined && hasTaskset ? ["taskset", ["-c", String(cpu), process.execPath, ...args]] : [process.execPath, args];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => { out += d; });
    child.stderr.on("data", (d) => { out += d; });
    const killer = setTimeout(() => child.kill("SIGKILL"), (seconds + 15) * 1000);
    child.on("exit", (code) => {
      clearTimeout(killer);
      const line = /AUTOCANNON_JSON (\{.*\})/.exec(out);
      if (code !== 0 || line === null) return reject(new Error(`autocannon ${workload} on ${url} failed (exit ${code}):\n${out}`));
      const r = JSON.parse(line[1]);
      resolve({ rps: r.requests / r.duration_s, p50_ms: r.p50_ms, p99_ms: r.p99_ms, requests: r.requests, errors: r.errors });
    });
  });
}

/** One wrk run; resolves to { rps, p50_ms, p95_ms, p99_ms, requests, errors }. `extra`: the script's further arguments (the `path` workload's path). */
export function runWrk({ url, workload, seconds, connections = 64, cpu, extra = [] }) {
  const args = ["-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "5s", "-s", SCRIPT, url, "--", workload, ...extra];
  const [command, argv] = cpu !== undefined && hasTaskset ? ["taskset", ["-c", String(cpu), "wrk", ...args]] : ["wrk", args];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => { out += d; });
    child.stderr.on("data", (d) => { out += d; });
    const killer = setTimeout(() => child.kill("SIGKILL"), (seconds + 15) * 1000);
    child.on("exit", (code) => {
      clearTimeout(killer);
      const line = /WRK_JSON (\{.*\})/.exec(out);
      if (code !== 0 || line === null) return reject(new Error(`wrk ${workload} on ${url} failed (exit ${code}):\n${out}`));
      const r = JSON.parse(line[1]);
      const errors = r.connect_errors + r.read_errors + r.write_errors + r.status_errors + r.timeouts;
      resolve({
        rps: r.requests / (r.duration_us / 1e6),
        p50_ms: r.p50_us / 1000,
        p95_ms: r.p95_us / 1000,
        p99_ms: r.p99_us / 1000,
        requests: r.requests,
        errors,
        // What the errors were: a non-2xx answer is the server's, a timeout (over 5 s) or a socket error the load's.
        errorKinds: { status: r.status_errors, timeouts: r.timeouts, connect: r.connect_errors, read: r.read_errors, write: r.write_errors },
      });
    });
  });
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
