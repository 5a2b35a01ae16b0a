/**
 * Starting and stopping the five implementations. Each runs as its own process, optionally pinned
 * to one core with `taskset` (which execs node, so the child's pid is node's and /proc gives its RSS).
 */
import { spawn, spawnSync } from "node:child_process";
import { get } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { copyDatabase } from "./seed.mjs";

export const BENCH_DIR = fileURLToPath(new URL("..", import.meta.url));
export const REPO_DIR = join(BENCH_DIR, "..");
export const KOVA_APP_DIR = join(BENCH_DIR, "apps", "kova");
/** The same app's db/queries routes on PostgreSQL (`CONNECT db USING postgres(…)`). */
export const KOVA_PG_APP_DIR = join(BENCH_DIR, "apps", "kova-pg");

/**
 * In table order; "raw" is the node:http ceiling. "kova-quiet" is the same Kova build with
 * KOVA_LOG_LEVEL=warn, to show what the default per-request info log line costs.
 */
export const FRAMEWORKS = ["kova", "kova-quiet", "fastify", "express", "hono", "raw"];

const ENTRIES = {
  kova: join(KOVA_APP_DIR, "dist", "server.js"),
  "kova-quiet": join(KOVA_APP_DIR, "dist", "server.js"),
  fastify: join(BENCH_DIR, "apps", "fastify.mjs"),
  express: join(BENCH_DIR, "apps", "express.mjs"),
  hono: join(BENCH_DIR, "apps", "hono.mjs"),
  raw: join(BENCH_DIR, "apps", "raw-node.mjs"),
};

/** The PostgreSQL variants: Kova's kova-pg build, the others on a pg Pool (apps/shared/world-pg.mjs). */
const PG_ENTRIES = {
  kova: join(KOVA_PG_APP_DIR, "dist", "server.js"),
  "kova-quiet": join(KOVA_PG_APP_DIR, "dist", "server.js"),
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
export async function startServer(framework, { port, seedFile, dataDir, cpu, env = {}, postgres }) {
  const serverEnv = { ...process.env, PORT: String(port), ...env };
  // `kova` runs at Kova's default log level, whatever the caller's shell has set.
  if (framework === "kova" && env.KOVA_LOG_LEVEL === undefined) delete serverEnv.KOVA_LOG_LEVEL;
  if (framework === "kova-quiet") serverEnv.KOVA_LOG_LEVEL = "warn";
  if (postgres) {
    serverEnv.DATABASE_URL = postgres.url;
    serverEnv.DB_SCHEMA = postgres.schema;
    if (framework === "kova" || framework === "kova-quiet") serverEnv.KOVA_APP_DIR = KOVA_PG_APP_DIR; // nothing is written there: the data is in PostgreSQL
  } else if (framework === "kova" || framework === "kova-quiet") {
    const appDir = join(dataDir, framework);
    copyDatabase(seedFile, join(appDir, ".kova", "data.db"));
    serverEnv.KOVA_APP_DIR = appDir;
  } else {
    const file = join(dataDir, framework, "world.db");
    copyDatabase(seedFile, file);
    serverEnv.DB_PATH = file;
  }
  const args = [...(env.NODE_ARGS ? env.NODE_ARGS.split(" ") : []), (postgres ? PG_ENTRIES : ENTRIES)[framework]];
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
  return {
    framework,
    postgres: Boolean(postgres),
    url,
    pid: child.pid,
    startupMs,
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

function rssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Math.round((kb / 1024) * 10) / 10;
  } catch {
    return null;
  }
}
