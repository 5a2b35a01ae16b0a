/**
 * Starting and stopping the five implementations. Each runs as its own process, optionally pinned
 * to one core with `taskset` (which execs node, so the child's pid is node's and /proc gives its RSS).
 */
import { spawn, spawnSync } from "node:child_process";
import { get } from "node:http";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { copyDatabase } from "./seed.mjs";

export const BENCH_DIR = fileURLToPath(new URL("..", import.meta.url));
export const REPO_DIR = join(BENCH_DIR, "..");
export const KOVA_APP_DIR = join(BENCH_DIR, "apps", "kova");
/** The same app's db/queries routes on PostgreSQL (`CONNECT db USING postgres(…)`). */
export const KOVA_PG_APP_DIR = join(BENCH_DIR, "apps", "kova-pg");

/**
 * In table order; "raw" is the node:http ceiling. "kova" runs with Kova's defaults (as `kova run`);
 * "kova-quiet" is the same build with KOVA_LOG_LEVEL=warn (nothing logged at info), "kova-access"
 * with KOVA_ACCESS_LOG=on (one request line per request, as `kova dev` runs), to show its cost;
 * "kova-node" with KOVA_HTTP=node (`kova run --http node`: node:http instead of the default http-fast/ layer).
 */
export const FRAMEWORKS = ["kova", "kova-quiet", "kova-access", "kova-node", "fastify", "express", "hono", "raw"];
const KOVA_VARIANTS = new Set(["kova", "kova-quiet", "kova-access", "kova-node"]);
/** Whether `framework` is a run of the Kova app. */
export const isKova = (framework) => KOVA_VARIANTS.has(framework);

const ENTRIES = {
  kova: join(KOVA_APP_DIR, "dist", "server.js"),
  "kova-quiet": join(KOVA_APP_DIR, "dist", "server.js"),
  "kova-access": join(KOVA_APP_DIR, "dist", "server.js"),
  "kova-node": join(KOVA_APP_DIR, "dist", "server.js"),
  fastify: join(BENCH_DIR, "apps", "fastify.mjs"),
  express: join(BENCH_DIR, "apps", "express.mjs"),
  hono: join(BENCH_DIR, "apps", "hono.mjs"),
  raw: join(BENCH_DIR, "apps", "raw-node.mjs"),
};

/** The PostgreSQL variants: Kova's kova-pg build, the others on a pg Pool (apps/shared/world-pg.mjs). */
const PG_ENTRIES = {
  kova: join(KOVA_PG_APP_DIR, "dist", "server.js"),
  "kova-quiet": join(KOVA_PG_APP_DIR, "dist", "server.js"),
  "kova-access": join(KOVA_PG_APP_DIR, "dist", "server.js"),
  "kova-node": join(KOVA_PG_APP_DIR, "dist", "server.js"),
  fastify: join(BENCH_DIR, "apps", "fastify-pg.mjs"),
  express: join(BENCH_DIR, "apps", "express-pg.mjs"),
  hono: join(BENCH_DIR, "apps", "hono-pg.mjs"),
  raw: join(BENCH_DIR, "apps", "raw-node-pg.mjs"),
};

/** Builds the Kova app with the repository's CLI; throws with its output when the build fails. */
export function buildKovaApp(dir = KOVA_APP_DIR) {
  const started = performance.now();
  const result = spawnSync(process.execPath, [join(REPO_DIR, "packages", "cli", "bin", "kova.js"), "build", dir], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`kova build ${dir} failed:\n${result.stdout}${result.stderr}`);
  return performance.now() - started;
}

const hasTaskset = spawnSync("taskset", ["--version"]).status === 0;

/**
 * Copies the seeded database for `framework` into `dataDir` and spawns the server on `port`.
 * `cpu`: the core to pin it to (undefined: not pinned). Resolves once it answers HTTP.
 * `postgres: { url, schema }`: start the PostgreSQL variant instead, on that (already seeded) schema.
 */
export async function startServer(framework, { port, seedFile, dataDir, cpu, env = {}, postgres, entry }) {
  const serverEnv = { ...process.env, PORT: String(port), ...env };
  // The Kova rows run with Kova's defaults but for their one setting, whatever the caller's shell has set.
  if (isKova(framework)) {
    if (env.KOVA_LOG_LEVEL === undefined) delete serverEnv.KOVA_LOG_LEVEL;
    if (env.KOVA_ACCESS_LOG === undefined) delete serverEnv.KOVA_ACCESS_LOG;
    if (env.KOVA_HTTP === undefined) delete serverEnv.KOVA_HTTP;
  }
  if (framework === "kova-quiet") serverEnv.KOVA_LOG_LEVEL = "warn";
  if (framework === "kova-access") serverEnv.KOVA_ACCESS_LOG = "on";
  if (framework === "kova-node") serverEnv.KOVA_HTTP = "node";
  if (postgres) {
    serverEnv.DATABASE_URL = postgres.url;
    serverEnv.DB_SCHEMA = postgres.schema;
    if (isKova(framework)) serverEnv.KOVA_APP_DIR = KOVA_PG_APP_DIR; // nothing is written there: the data is in PostgreSQL
  } else if (isKova(framework)) {
    const appDir = join(dataDir, entry === undefined ? framework : `${framework}-${port}`);
    copyDatabase(seedFile, join(appDir, ".kova", "data.db"));
    serverEnv.KOVA_APP_DIR = appDir;
  } else {
    const file = join(dataDir, framework, "world.db");
    copyDatabase(seedFile, file);
    serverEnv.DB_PATH = file;
  }
  // `entry`: another build of the same app (e.g. bench/cpu.mjs --base: the Kova app of another checkout).
  const args = [...(env.NODE_ARGS ? env.NODE_ARGS.split(" ") : []), entry ?? (postgres ? PG_ENTRIES : ENTRIES)[framework]];
  const [command, argv] = cpu !== undefined && hasTaskset ? ["taskset", ["-c", String(cpu), process.execPath, ...args]] : [process.execPath, args];
  const started = performance.now();
  // Logs (Kova's request lines at info) go to /dev/null: the cost of writing them is measured, a
  // pipe that nobody reads would instead stall the server.
  const child = spawn(command, argv, { env: serverEnv, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilAnswering(url, exited, () => stderr, framework);
  const startupMs = performance.now() - started;
  // CPU the server used up to its first answer: steadier than the wall time on a busy machine.
  const startupCpuMs = cpuNs(child.pid) / 1e6;
  return {
    framework,
    postgres: Boolean(postgres),
    url,
    pid: child.pid,
    startupMs,
    startupCpuMs,
    rssMb: () => rssMb(child.pid),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitUntilAnswering(url, exited, stderr, framework, timeoutMs = 20_000) {
  let gone;
  exited.then((e) => { gone = e; });
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (gone) throw new Error(`${framework} exited (${gone.code ?? gone.signal}) before answering:\n${stderr()}`);
    try {
      await answers(`${url}/json`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  throw new Error(`${framework} did not answer on ${url} within ${timeoutMs} ms:\n${stderr()}`);
}

/** One GET with node:http (lighter than fetch's first call): resolves on any HTTP response. */
function answers(url) {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false }, (res) => { res.resume(); res.on("end", resolve); });
    req.on("error", reject);
  });
}

/** ns of CPU (user + system) the process `pid` has used so far, all its threads (0 when unreadable). */
export function cpuNs(pid) {
  let total = 0;
  let tasks = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  for (const tid of tasks) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return total;
}

function rssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Math.round((kb / 1024) * 10) / 10;
  } catch {
    return null;
  }
}
