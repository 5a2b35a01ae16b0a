/**
 * `kova run --workers N`: one primary that forks N worker processes, each running the app on the
 * same port (the operating system spreads connections across them). The primary only supervises:
 *
 * - before forking it runs one trial start (PREFLIGHT_ENV): configuration is checked and data
 *   sources are migrated once, so N workers never race to migrate one store, and a start-up
 *   problem (a missing variable, an unreachable database) is printed once and exits 1;
 * - a worker that dies before it listens is not replaced (it would only die again); when none is
 *   left the primary exits 1;
 * - a worker that crashes after it served is replaced, after a delay that doubles with each crash
 *   in a row (up to 30 s), so a crash on every request cannot become a fork loop;
 * - on SIGTERM/SIGINT it passes the signal on and exits once every worker has drained.
 */
import type { Cluster, Worker } from "node:cluster";
import { NOTIFY_ENV, PREFLIGHT_ENV, type ParentNotice } from "./start.js";

export interface ClusterOptions {
  workers: number;
  /** Runs in each worker (and, with one worker, in this process). */
  start: () => Promise<unknown>;
  log?: (line: string) => void;
  /** First delay before replacing a crashed worker (ms, default 100); doubles per crash in a row. */
  restartDelayMs?: number;
}

const MAX_RESTART_DELAY_MS = 30_000;
/** A worker that served this long before crashing resets the back-off. */
const STABLE_AFTER_MS = 10_000;

export async function runClustered(options: ClusterOptions): Promise<void> {
  // One worker needs no cluster module (node:cluster is loaded only when there are several).
  if (options.workers <= 1) {
    await options.start();
    return;
  }
  const cluster = (await import("node:cluster")).default as unknown as Cluster;
  if (cluster.isWorker) {
    await options.start();
    return;
  }
  const log = options.log ?? ((line: string) => process.stderr.write(line + "\n"));
  if (!(await preflight(cluster))) {
    log("kova: the app cannot start (the cause is above); no workers were started");
    process.exit(1);
  }
  superviseWorkers(cluster, options, log);
}

/** One trial start in a worker process (the same code the workers run); true when it succeeded. */
function preflight(cluster: Cluster): Promise<boolean> {
  return new Promise((resolve) => {
    const trial = cluster.fork({ [PREFLIGHT_ENV]: "1" });
    trial.once("exit", (code) => resolve(code === 0));
  });
}

function superviseWorkers(cluster: Cluster, options: ClusterOptions, log: (line: string) => void): void {
  const listening = new Map<Worker, number>();
  let stopping = false;
  let crashesInARow = 0;
  let pendingRestarts = 0;
  const toldParent = new Set<string>();

  const fork = (): void => {
    const worker = cluster.fork({ [PREFLIGHT_ENV]: "" });
    worker.on("message", (message: Partial<ParentNotice>) => {
      if (message?.kova !== "address" && message?.kova !== "listening") return;
      if (message.kova === "listening") listening.set(worker, Date.now());
      // Pass the first worker's notices on to `kova run`, once each: all workers share one address.
      if (toldParent.has(message.kova)) return;
      toldParent.add(message.kova);
      if (process.env[NOTIFY_ENV] === "1" && typeof process.send === "function") process.send(message);
    });
    worker.on("listening", () => {
      if (!listening.has(worker)) listening.set(worker, Date.now());
    });
  };
  for (let i = 0; i < options.workers; i++) fork();

  cluster.on("exit", (worker, code, signal) => {
    const listenedAt = listening.get(worker);
    listening.delete(worker);
    const alive = Object.keys(cluster.workers ?? {}).length;
    if (stopping) {
      if (alive === 0) process.exit(0);
      return;
    }
    if (listenedAt === undefined) {
      log(`worker ${worker.process.pid} exited (${signal ?? code}) before it could serve; not starting another`);
      if (alive === 0 && pendingRestarts === 0) {
        log("kova: no worker could start; exiting");
        process.exit(1);
      }
      return;
    }
    crashesInARow = Date.now() - listenedAt >= STABLE_AFTER_MS ? 1 : crashesInARow + 1;
    const delay = Math.min(MAX_RESTART_DELAY_MS, (options.restartDelayMs ?? 100) * 2 ** (crashesInARow - 1));
    log(`worker ${worker.process.pid} exited (${signal ?? code}); starting a new one in ${delay} ms`);
    pendingRestarts++;
    setTimeout(() => {
      pendingRestarts--;
      if (!stopping) fork();
    }, delay);
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) process.exit(0);
    for (const worker of workers) worker?.process.kill(signal);
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGTERM"));
  // A certificate reload (ops/tls.ts) is every worker's: each holds its own TLS context.
  process.on("SIGHUP", () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGHUP");
  });
  // The parent `kova run` died without a signal for us (see installSignalHandlers in start.ts).
  if (process.env[NOTIFY_ENV] === "1" && typeof process.send === "function") {
    process.once("disconnect", () => stop("SIGTERM"));
  }
}
