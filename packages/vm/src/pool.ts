/**
 * Executions on a pool of worker threads (docs/engine.md, "Worker threads"). Each worker runs the
 * same interpreter under the same quotas; its `resourceLimits` are a second wall behind the VM's
 * memory quota, so a program that slips past the VM's accounting kills its worker, not the process.
 *
 * The tenant's store stays on the main thread: a worker asks for a query's rows by message
 * (pool-worker.ts). One connection pool per store, one place where transactions and migrations
 * happen, and a worker holds nothing to clean up when it dies.
 *
 * Dispatch: an execution goes to a worker that is computing nothing (its executions, if any, are
 * waiting on queries); when every worker is computing, it waits here, first come first served.
 * So a CPU-bound execution never shares its worker with a newcomer, and a worker that dies (out of
 * memory, a crash, or no answer well past an execution's deadline) fails only the execution it was
 * computing and those waiting on a query there, each with a problem naming the cause; it is
 * replaced and the other workers' executions carry on.
 *
 * Known-cheap handlers (a bound on their instructions, cost.ts) run on the calling thread instead,
 * under the same quotas: for them the two messages and thread wake-ups cost more than the work
 * (docs/engine.md has the figures). `inlineCheap: false` sends every execution to a worker.
 */
import { AsyncResource } from "node:async_hooks";
import { Worker } from "node:worker_threads";
import type { CompiledQuery } from "@kova/query";
import { HttpError, type Reply } from "@kova/runtime/serve";
import { Execution, serializerFor, type ExecutionContext } from "./interpreter.js";
import type { ReadyProgram } from "./load.js";
import { fromWire, toWire, type FromWorker, type RequestInputs, type ToWorker } from "./pool-messages.js";
import { QuotaExceeded, type Quotas } from "./quotas.js";

export interface PoolOptions {
  /** Worker threads (at least 1). */
  size: number;
  /** Each worker's old-generation heap in MB (`resourceLimits.maxOldGenerationSizeMb`). */
  memoryMb: number;
  /** Programs a worker keeps; beyond this the least recently sent is forgotten there. */
  programsPerWorker?: number;
  /** Called when a worker died, with why (metrics, logs). */
  onWorkerLost?: (cause: WorkerLostCause, detail: string) => void;
  /** Run handlers with an instruction bound (cost.ts) on the calling thread (default true). */
  inlineCheap?: boolean;
}

export type WorkerLostCause = "memory" | "deadline" | "crash";

/** How long past an execution's deadline its worker may stay silent before it is stopped (the VM itself stops within 10 ms). */
const SILENT_GRACE_MS = 1_000;
const WATCH_EVERY_MS = 100;

interface Job {
  id: number;
  program: ReadyProgram;
  fn: number;
  ctx: ExecutionContext;
  quotas: Quotas;
  /** performance.now() when it was asked for: a job still waiting here at its deadline is answered with it. */
  queuedAt: number;
  /** performance.now() after which its worker is presumed stuck (set when dispatched). */
  giveUpAt: number;
  /** Its queries the main thread is running: with none, it counts as computing on its worker. */
  queriesOut: number;
  /**
   * The handler's async context, captured when it asked: its queries run in it (the request's
   * transaction and tracing are found through AsyncLocalStorage, which a worker's message lacks).
   */
  scope: AsyncResource;
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  jobs: Map<number, Job>;
  /** Jobs of this worker not waiting on a query (one runs at a time; the others wait in the worker's event loop). */
  computing: number;
  /** Hashes of the programs this worker holds, least recently sent first. */
  programs: Map<string, true>;
  /** Why it is being stopped, once known (an exit without one is a crash). */
  cause?: { kind: WorkerLostCause; detail: string };
  gone: boolean;
  /** It has started running (a worker that dies before cannot load, and is not replaced in a tight loop). */
  online: boolean;
  /**
   * Its modules are loaded and it listens. Until then its silence is not held against its
   * executions: on a loaded machine a new worker may take longer than a deadline to load, and
   * stopping it for that would replace it with another that does the same.
   */
  ready: boolean;
}

export class ExecutionPool {
  private readonly workers: PoolWorker[] = [];
  private readonly waiting: Job[] = [];
  private nextId = 0;
  private closed = false;
  private readonly watch: NodeJS.Timeout;
  /** Workers replaced since the pool started (tests and metrics). */
  restarts = 0;
  /** Executions run on the calling thread (known cheap) and sent to a worker, since the pool started (tests and metrics). */
  readonly executions = { inline: 0, workers: 0 };

  constructor(private readonly options: PoolOptions) {
    if (!(options.size >= 1)) throw new Error("a worker pool needs at least one worker");
    for (let i = 0; i < options.size; i++) this.workers.push(this.spawn());
    this.watch = setInterval(() => this.sweep(), WATCH_EVERY_MS);
    this.watch.unref();
  }

  get size(): number {
    return this.workers.length;
  }

  /** Runs one route handler of `program` on a worker; answers as `new Execution(...).runRoute(fn)` would. */
  run(program: ReadyProgram, fn: number, quotas: Quotas, ctx: ExecutionContext): Promise<Reply> {
    if (this.closed) return Promise.reject(new HttpError(503, "the engine is shutting down: retry on another node"));
    if (program.bounds[fn] >= 0 && this.options.inlineCheap !== false) {
      this.executions.inline++;
      return new Execution(program, quotas, ctx).runRoute(fn);
    }
    this.executions.workers++;
    return new Promise<Reply>((resolve, reject) => {
      const job: Job = { id: this.nextId++, program, fn, ctx, quotas, queuedAt: performance.now(), giveUpAt: Infinity, queriesOut: 0, scope: new AsyncResource("KovaExecution"), resolve, reject };
      const w = this.idle();
      if (w === undefined) this.waiting.push(job);
      else this.dispatch(w, job);
    });
  }

  /** Stops every worker; executions still running or waiting fail. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watch);
    for (const job of this.waiting.splice(0)) job.reject(new HttpError(503, "the engine is shutting down: retry on another node"));
    await Promise.all(this.workers.map((w) => {
      w.cause = { kind: "crash", detail: "the engine is shutting down" };
      return w.worker.terminate();
    }));
  }

  /** A worker computing nothing, the one with the fewest executions waiting on queries. */
  private idle(): PoolWorker | undefined {
    let best: PoolWorker | undefined;
    for (const w of this.workers) if (!w.gone && w.cause === undefined && w.computing === 0 && (best === undefined || w.jobs.size < best.jobs.size)) best = w;
    return best;
  }

  private dispatch(w: PoolWorker, job: Job): void {
    const { ctx, program } = job;
    const inputs: RequestInputs = { params: ctx.params, query: ctx.query, headers: ctx.headers, cookies: ctx.cookies, body: ctx.body, auth: ctx.auth, env: ctx.env };
    try {
      if (!w.programs.has(program.hash)) this.sendProgram(w, program);
      else {
        w.programs.delete(program.hash);
        w.programs.set(program.hash, true);
      }
      this.post(w, { kind: "run", id: job.id, hash: program.hash, fn: job.fn, quotas: job.quotas, inputs });
    } catch (error) {
      // A request value that cannot cross threads (never from JSON and HTTP; kept as a clear 500).
      job.reject(new Error(`the request could not be handed to a worker thread: ${(error as Error).message}`));
      return;
    }
    job.giveUpAt = performance.now() + job.quotas.deadlineMs + SILENT_GRACE_MS;
    w.jobs.set(job.id, job);
    w.computing++;
  }

  /** Executions waiting here go to workers computing nothing, as long as there are some. */
  private drain(): void {
    while (this.waiting.length > 0) {
      const next = this.idle();
      if (next === undefined) return;
      this.dispatch(next, this.waiting.shift()!);
    }
  }

  private sendProgram(w: PoolWorker, program: ReadyProgram): void {
    this.post(w, { kind: "program", program });
    w.programs.set(program.hash, true);
    const keep = this.options.programsPerWorker ?? 64;
    while (w.programs.size > keep) {
      const oldest = w.programs.keys().next().value!;
      w.programs.delete(oldest);
      this.post(w, { kind: "forget", hash: oldest });
    }
  }

  private post(w: PoolWorker, message: ToWorker): void {
    w.worker.postMessage(message);
  }

  private spawn(): PoolWorker {
    const worker = new Worker(new URL("./pool-worker.js", import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: this.options.memoryMb } });
    const w: PoolWorker = { worker, jobs: new Map(), computing: 0, programs: new Map(), gone: false, online: false, ready: false };
    worker.once("online", () => {
      w.online = true;
    });
    worker.on("message", (m: FromWorker) => this.received(w, m));
    worker.on("error", (error: Error & { code?: string }) => {
      w.cause ??= error.code === "ERR_WORKER_OUT_OF_MEMORY"
        ? { kind: "memory", detail: `its worker thread ran out of memory (the engine's limit is ${this.options.memoryMb} MB per worker)` }
        : { kind: "crash", detail: `its worker thread failed: ${error.message}` };
    });
    worker.on("exit", () => this.lost(w));
    return w;
  }

  private received(w: PoolWorker, m: FromWorker): void {
    if (m.kind === "ready") {
      w.ready = true;
      const now = performance.now();
      for (const job of w.jobs.values()) job.giveUpAt = now + job.quotas.deadlineMs + SILENT_GRACE_MS;
      return;
    }
    const job = w.jobs.get(m.id);
    if (m.kind === "query") return this.query(w, job, m);
    if (job === undefined) return;
    w.jobs.delete(m.id);
    // (An execution stopped at its deadline while a query of it was out was not computing.)
    if (job.queriesOut === 0) w.computing--;
    if (m.kind === "failed") job.reject(fromWire(m.error));
    else {
      const reply: Reply = m.reply;
      if (m.serialize !== -1) reply.serialize = serializerFor(job.program, m.serialize);
      job.resolve(reply);
    }
    this.drain();
  }

  /** A worker's query, run on the tenant's store here; its rows (or its error) go back by message. */
  private query(w: PoolWorker, job: Job | undefined, m: Extract<FromWorker, { kind: "query" }>): void {
    const q = job?.program.program.queries[m.query];
    if (job === undefined || q === undefined) {
      if (!w.gone) this.post(w, { kind: "rows", call: m.call, error: { name: "Error", message: "internal: a query for no running execution" } });
      return;
    }
    // While it waits, its worker computes nothing for it: another execution may go there.
    if (job.queriesOut++ === 0) {
      w.computing--;
      this.drain();
    }
    const answer = (message: ToWorker): void => {
      if (w.gone || !w.jobs.has(job.id)) return;
      if (--job.queriesOut === 0) w.computing++;
      this.post(w, message);
    };
    Promise.resolve()
      .then(() => job.scope.runInAsyncScope(() => job.ctx.db(q.source).execute(q.statement as CompiledQuery, m.args)))
      .then(
        (rows) => answer({ kind: "rows", call: m.call, rows }),
        (error: unknown) => answer({ kind: "rows", call: m.call, error: toWire(error) }),
      );
  }

  /**
   * Every WATCH_EVERY_MS: a worker silent well past an execution's deadline is stopped (its
   * executions fail, it is replaced); an execution still waiting here at its deadline is answered.
   */
  private sweep(): void {
    const now = performance.now();
    for (const w of this.workers) {
      if (w.gone || w.cause !== undefined || !w.ready) continue;
      for (const job of w.jobs.values()) {
        if (now > job.giveUpAt) {
          w.cause = { kind: "deadline", detail: `its worker thread did not stop at the deadline (${job.quotas.deadlineMs} ms)` };
          void w.worker.terminate();
          break;
        }
      }
    }
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const job = this.waiting[i];
      if (now > job.queuedAt + job.quotas.deadlineMs) {
        this.waiting.splice(i, 1);
        job.reject(new QuotaExceeded("deadlineMs", job.quotas.deadlineMs));
      }
    }
  }

  private lost(w: PoolWorker): void {
    w.gone = true;
    const cause = w.cause ?? { kind: "crash" as const, detail: "its worker thread stopped" };
    for (const job of w.jobs.values()) job.reject(workerLost(cause.kind, cause.detail, job.quotas));
    w.jobs.clear();
    if (this.closed) return;
    this.options.onWorkerLost?.(cause.kind, cause.detail);
    this.restarts++;
    const index = this.workers.indexOf(w);
    if (index === -1) return;
    const replace = (): void => {
      if (this.closed) return;
      this.workers[index] = this.spawn();
      // The replacement computes nothing: executions waiting here may go to it.
      this.drain();
    };
    if (w.online) replace();
    else setTimeout(replace, 1_000).unref();
  }
}

/** The problem an execution whose worker died answers with: 503 naming the quota when a limit killed it, else 500. */
function workerLost(kind: WorkerLostCause, detail: string, quotas: Quotas): Error {
  if (kind === "deadline") return new QuotaExceeded("deadlineMs", quotas.deadlineMs);
  if (kind === "memory") return new HttpError(503, `the handler was stopped: ${detail}`, { type: "urn:kova:problem:quota-exceeded", title: "quota exceeded", quota: "memoryBytes" });
  return new HttpError(500, `the handler was stopped: ${detail}`, { type: "urn:kova:problem:worker-lost", title: "worker lost" });
}
