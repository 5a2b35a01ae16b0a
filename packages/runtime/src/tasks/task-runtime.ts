/**
 * Runs an app's TASKs: takes ENQUEUEs, claims due jobs, runs them with retries, timeouts and
 * dead letters, and turns each scheduled task's ticks into jobs, one process per tick.
 *
 * Delivery is at least once: a job whose process died while running it is claimed again when its
 * lease (the task's timeout plus LEASE_GRACE_MS) expires. A task whose writes go to the store that
 * holds the queue commits them together with the job's completion, so for those writes a job's
 * effect happens exactly once; other effects (an outbound call, another database) may repeat, at most
 * `attempts` times in all.
 */
import { registerTaskRuntime } from "./registry.js";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { loadDriverPackage, type Driver } from "@kova/query";
import type { Logger } from "pino";
import type { AppDefinition, AppEnv } from "../app.js";
import { StartupError, type DataSources } from "../data-sources.js";
import { backoffDelay } from "./backoff.js";
import type { EnqueueOptions, Job, TaskDefinition } from "./definition.js";
import { SqliteJobStore } from "./job-store.js";
import { scheduleOf, type Schedule } from "./schedule.js";
import { TaskContext } from "./task-context.js";
// BullMQ (and ioredis) load only for an app whose queue is on Redis: other apps start without them.
import type { BullBackend } from "./bullmq-backend.js";

/** `all` (default): serve HTTP and run jobs; `web`: only enqueue; `worker`: only run jobs. */
export type ProcessRole = "all" | "web" | "worker";

export interface TaskRuntimeOptions {
  dataSources: DataSources;
  env: AppEnv;
  log: Logger;
  appDir: string;
  role?: ProcessRole;
  /** How often idle workers look for due jobs (ms). Default 500; an ENQUEUE in this process wakes them at once. */
  pollMs?: number;
  /** Added to a task's timeout to make its lease. Default 5 000 ms. */
  leaseGraceMs?: number;
  /** How long finished jobs (and so their idempotency keys) are kept. Default one day. */
  keepDoneMs?: number;
  /** `embedded` keeps the queue in the embedded store even when the app has Redis (KOVA_TASKS_BACKEND). */
  backend?: "embedded" | "redis";
}

export interface TaskStats {
  started: number;
  succeeded: number;
  failed: number;
  retried: number;
  deadLettered: number;
  running: number;
}

export { taskRuntimeFor } from "./registry.js";

interface Worker {
  task: TaskDefinition;
  running: number;
  pumping: boolean;
  /** pump() was called while claiming: look again when this round ends (a slot may have freed). */
  again: boolean;
}

export class TaskRuntime {
  readonly stats: TaskStats = { started: 0, succeeded: 0, failed: 0, retried: 0, deadLettered: 0, running: 0 };
  readonly tasks: Map<string, TaskDefinition>;
  private readonly workers = new Map<string, Worker>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private closing = false;
  readonly pollMs: number;
  readonly leaseGraceMs: number;
  private readonly keepDoneMs: number;
  /** Set when the queue lives in Redis (BullMQ); the embedded store is then its outbox. */
  private bull: BullBackend | null = null;

  private constructor(
    readonly store: SqliteJobStore,
    private readonly storeDriver: Driver,
    /** A driver opened for the queue alone (no embedded data source): closed with the runtime. */
    private readonly ownDriver: Driver | null,
    definitions: readonly TaskDefinition[],
    private readonly options: TaskRuntimeOptions,
  ) {
    this.tasks = new Map(definitions.map((t) => [t.name, t]));
    this.pollMs = options.pollMs ?? 500;
    this.leaseGraceMs = options.leaseGraceMs ?? 5_000;
    this.keepDoneMs = options.keepDoneMs ?? 86_400_000;
  }

  /**
   * Opens the queue (on the first data source when it is the embedded store, else on its own file
   * `.kova/tasks.db`), then — unless the role is `web` — starts workers and schedules.
   */
  static async start(app: AppDefinition, options: TaskRuntimeOptions): Promise<TaskRuntime> {
    const definitions = app.tasks ?? [];
    let driver = [...options.dataSources.drivers.values()].find((d) => d.withConnection !== undefined);
    let own: Driver | null = null;
    if (driver === undefined) {
      const pkg = await loadDriverPackage("embedded");
      own = pkg.createDriver({ name: "tasks", appDir: options.appDir, options: { path: ".kova/tasks.db" } });
      await own.connect();
      driver = own;
    }
    const store = new SqliteJobStore(driver, `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`);
    await store.migrate();
    const runtime = new TaskRuntime(store, driver, own, definitions, options);
    const redis = app.dataSources.find((d) => d.driver === "redis");
    if (redis !== undefined && options.backend !== "embedded" && definitions.length > 0) {
      // bullmq comes with @kova/driver-redis (an optional peer of the runtime), so an app without
      // Redis installs neither it nor ioredis.
      const { BullBackend, redisConnection } = await import("./bullmq-backend.js").catch((error: NodeJS.ErrnoException) => {
        if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("bullmq")) {
          throw new StartupError(`the task queue on Redis (data source "${redis.name}") needs bullmq, which @kova/driver-redis brings; run: npm install @kova/driver-redis bullmq`);
        }
        throw error;
      });
      runtime.bull = new BullBackend({ connection: redisConnection(redis.options(options.env)), app: app.name, log: options.log, leaseGraceMs: runtime.leaseGraceMs, pollMs: runtime.pollMs }, runtime.tasks, store);
      options.log.info({ dataSource: redis.name }, "task queue on Redis (BullMQ); the embedded store is its outbox");
    }
    registerTaskRuntime(options.dataSources, runtime);
    if (runtime.bull !== null) runtime.startRelay();
    if ((options.role ?? "all") !== "web") runtime.startWorking();
    return runtime;
  }

  /** Does the queue share its store with this data source (so an enqueue is in the endpoint's transaction)? */
  sharesStoreWith(driver: Driver): boolean {
    return driver === this.storeDriver;
  }

  /** Adds a job; null when a job of the task with the same key is still kept (idempotency). */
  async enqueue(name: string, args: readonly unknown[], options: EnqueueOptions = {}): Promise<number | null> {
    const task = this.tasks.get(name);
    if (task === undefined) throw new Error(`there is no TASK named "${name}"`);
    if (this.closing && this.ownDriver !== null) throw new Error("the task queue is closed");
    const id = await this.store.enqueue(name, args, task.attempts, task.priority, options);
    if (id !== null) this.options.log.debug({ jobId: id, task: name }, "job enqueued");
    // Due now: look at once (after the enclosing transaction commits, the claim sees it).
    if (id !== null && this.bull !== null) setImmediate(() => this.bull?.relay());
    else if (id !== null && (options.delayMs ?? 0) <= 0) setImmediate(() => this.pump(name));
    return id;
  }

  /** Redis backend: committed jobs move from the embedded outbox to BullMQ, at once and every poll. */
  private startRelay(): void {
    const relay = setInterval(() => this.bull?.relay(), this.pollMs);
    this.timers.add(relay);
    setImmediate(() => this.bull?.relay());
  }

  /** The BullMQ queue of a task (Redis backend only), for tools and tests. */
  bullQueue(task: string) {
    return this.bull?.queue(task);
  }

  private startWorking(): void {
    const bull = this.bull;
    if (bull !== null) {
      bull.work((task, jobId, attempt, args) => this.attempt(task, jobId, attempt, args));
      for (const task of this.tasks.values()) {
        if (task.trigger.kind === "every" || task.trigger.kind === "cron") this.scheduleBullTicks(bull, task, scheduleOf(task.trigger));
      }
      return;
    }
    for (const task of this.tasks.values()) {
      this.workers.set(task.name, { task, running: 0, pumping: false, again: false });
      if (task.trigger.kind === "every" || task.trigger.kind === "cron") this.scheduleTicks(task, scheduleOf(task.trigger));
    }
    const poll = setInterval(() => {
      for (const name of this.workers.keys()) this.pump(name);
    }, this.pollMs);
    this.timers.add(poll);
    const purge = setInterval(() => {
      this.store.purgeDone(Date.now() - this.keepDoneMs).catch((error: unknown) => this.options.log.warn({ err: error }, "could not purge finished jobs"));
    }, 3_600_000);
    purge.unref();
    this.timers.add(purge);
    setImmediate(() => {
      for (const name of this.workers.keys()) this.pump(name);
    });
  }

  /** Claims and starts due jobs of one task while it has free slots. */
  private pump(name: string): void {
    const worker = this.workers.get(name);
    if (worker === undefined || this.closing) return;
    if (worker.pumping) {
      worker.again = true;
      return;
    }
    worker.pumping = true;
    worker.again = false;
    const fill = async (): Promise<void> => {
      while (!this.closing && worker.running < worker.task.concurrency) {
        const job = await this.store.claim(name, worker.task.timeoutMs + this.leaseGraceMs);
        if (job === null) break;
        if (this.closing) {
          await this.store.release(job.id);
          break;
        }
        worker.running++;
        this.stats.running++;
        const run = this.execute(worker.task, job).finally(() => {
          worker.running--;
          this.stats.running--;
          this.inFlight.delete(run);
          this.pump(name);
        });
        this.inFlight.add(run);
      }
    };
    fill()
      .catch((error: unknown) => this.options.log.error({ err: error, task: name }, "could not claim jobs"))
      .finally(() => {
        worker.pumping = false;
        if (worker.again) this.pump(name);
      });
  }

  private async execute(task: TaskDefinition, job: Job): Promise<void> {
    const log = this.options.log.child({ jobId: job.id, task: task.name, attempt: job.attempts });
    if (job.attempts > job.maxAttempts) {
      // Its last attempt's process died (the lease expired): that was the last allowed run.
      const error = job.lastError ?? "the process running its last attempt stopped before it finished";
      await this.store.fail(job.id, error, null);
      this.stats.deadLettered++;
      log.error({ error }, "job dead-lettered: no attempts left");
      return;
    }
    this.stats.started++;
    const ctx = new TaskContext(`/_tasks/${task.name}`, String(job.id), this.options.env, log, this.options.dataSources, (t, a, o) => this.enqueue(t, a, o));
    const started = Date.now();
    log.info("job started");
    try {
      const completedInside = await this.runBody(task, job, ctx);
      ctx.flushBroadcasts();
      if (!completedInside) await this.store.complete(job.id);
      this.stats.succeeded++;
      log.info({ ms: Date.now() - started }, "job succeeded");
    } catch (error) {
      ctx.ended = true;
      this.stats.failed++;
      const message = error instanceof Error ? error.message : String(error);
      const retryAt = job.attempts < job.maxAttempts ? Date.now() + backoffDelay(task.backoffMs, job.attempts) : null;
      try {
        await this.store.fail(job.id, message, retryAt);
      } catch (storeError) {
        log.error({ err: storeError }, "could not record the failure; the job runs again when its lease expires");
        return;
      }
      if (retryAt === null) {
        this.stats.deadLettered++;
        log.error({ error: message, ms: Date.now() - started }, "job failed and is dead-lettered: no attempts left");
      } else {
        this.stats.retried++;
        log.warn({ error: message, retryInMs: retryAt - Date.now() }, "job failed; retrying later");
      }
    } finally {
      ctx.ended = true;
    }
  }

  /**
   * The body, within its timeout, in one transaction per data source it writes (as an endpoint's).
   * When the queue's own store is among them, the job is marked done inside that transaction:
   * returns true then.
   */
  private async runBody(task: TaskDefinition, job: Job, ctx: TaskContext, mayComplete = true): Promise<boolean> {
    const drivers: Driver[] = [];
    for (const name of task.writes ?? []) {
      const driver = this.options.dataSources.get(name);
      if (driver.dialect.limits?.transactions === undefined) drivers.push(driver);
    }
    const completeInside = mayComplete && drivers.includes(this.storeDriver);
    const body = async (): Promise<boolean> => {
      await withTimeout(task.handler(ctx, ...job.args), task.timeoutMs, () => {
        ctx.ended = true;
      });
      if (completeInside) await this.store.complete(job.id);
      return completeInside;
    };
    const nest = (i: number): Promise<boolean> => (i === drivers.length ? body() : drivers[i].transaction(() => nest(i + 1)));
    return nest(0);
  }

  /** One attempt of a BullMQ job: the body in its transactions and timeout; a throw is BullMQ's retry. */
  private async attempt(task: TaskDefinition, jobId: string, attempt: number, args: unknown[]): Promise<void> {
    const log = this.options.log.child({ jobId, task: task.name, attempt });
    const ctx = new TaskContext(`/_tasks/${task.name}`, jobId, this.options.env, log, this.options.dataSources, (t, a, o) => this.enqueue(t, a, o));
    const started = Date.now();
    this.stats.started++;
    this.stats.running++;
    log.info("job started");
    try {
      await this.runBody(task, { id: -1, args } as Job, ctx, false);
      ctx.flushBroadcasts();
      this.stats.succeeded++;
      log.info({ ms: Date.now() - started }, "job succeeded");
    } catch (error) {
      this.stats.failed++;
      throw error;
    } finally {
      ctx.ended = true;
      this.stats.running--;
    }
  }

  private scheduleBullTicks(bull: BullBackend, task: TaskDefinition, schedule: Schedule): void {
    const run = (): void => {
      if (this.closing) return;
      bull.tick(task, schedule).catch((error: unknown) => this.options.log.warn({ err: error, task: task.name }, "could not add a scheduled tick to Redis"));
      const next = schedule.next(Date.now());
      if (next === null) return;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        run();
      }, Math.min(Math.max(0, next - Date.now()) + 5, 2_000_000_000));
      this.timers.add(timer);
    };
    run();
  }

  /** Each tick of a scheduled task becomes one job, claimed by exactly one process; a missed tick runs once. */
  private scheduleTicks(task: TaskDefinition, schedule: Schedule): void {
    const check = async (): Promise<void> => {
      if (this.closing) return;
      const now = Date.now();
      const latest = schedule.latest(now);
      if (latest !== null) {
        const id = await this.store.claimTickJob(task.name, latest, task.attempts, task.priority);
        if (id !== null) {
          this.options.log.info({ task: task.name, tick: new Date(latest).toISOString(), jobId: id }, "scheduled tick");
          this.pump(task.name);
        }
      }
      const next = schedule.next(Date.now());
      if (next === null || this.closing) return;
      // setTimeout holds at most ~24.8 days; a later tick is simply re-checked then.
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        run();
      }, Math.min(Math.max(0, next - Date.now()) + 5, 2_000_000_000));
      this.timers.add(timer);
    };
    const run = (): void => {
      check().catch((error: unknown) => {
        this.options.log.error({ err: error, task: task.name }, "could not claim a scheduled tick; trying again in a second");
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          run();
        }, 1000);
        this.timers.add(timer);
      });
    };
    run();
  }

  /**
   * Graceful stop: no new claims; running jobs get until their timeout to finish (a job cut short is
   * claimed again by another process once its lease expires); then the queue's own store closes.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
    // BullMQ: running jobs finish (or stay locked until their lease expires), then Redis connections close.
    await this.bull?.close();
    if (this.ownDriver !== null) await this.ownDriver.close();
  }
}

/** Rejects when `work` takes longer than `ms` (the work itself cannot be stopped: `onTimeout` marks it over). */
function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`timed out after ${ms} ms`));
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
