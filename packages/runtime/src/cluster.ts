/**
 * `kova run --workers N`: one primary that forks N worker processes, each running the app on the
 * same port (the operating system spreads connections across them). The primary only supervises:
 * it replaces a worker that crashes, and on SIGTERM/SIGINT it passes the signal on and exits once
 * every worker has drained its in-flight requests.
 */
import type { Cluster } from "node:cluster";

export interface ClusterOptions {
  workers: number;
  /** Runs in each worker (and, with one worker, in this process). */
  start: () => Promise<unknown>;
  log?: (line: string) => void;
}

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
  let stopping = false;
  for (let i = 0; i < options.workers; i++) cluster.fork();
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    log(`worker ${worker.process.pid} exited (${signal ?? code}); starting a new one`);
    cluster.fork();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGTERM"));
}
