/**
 * The Redis backend of the task runtime, through BullMQ: used when the app has a Redis data source
 * (`CONNECT cache USING redis(…)`), so that many processes on many hosts share one queue.
 *
 * An ENQUEUE still writes its job into the embedded store's `_kova_jobs`, inside the endpoint's
 * transaction: that table is the outbox. A relay moves committed jobs to BullMQ and marks them done
 * there, so a job of a rolled-back endpoint never reaches Redis, and a job enqueued while Redis is
 * down waits in the outbox and is relayed once Redis is back (the endpoint does not fail). BullMQ
 * then gives the same semantics as the embedded queue: attempts with exponential backoff and
 * jitter, dead letters (its failed set, kept), idempotency keys (the job id), priorities, per-task
 * concurrency, and a lock per running job that expires when its process dies (stalled jobs are
 * retried). A scheduled tick becomes the job `tick-<instant>`: every process adds it, Redis keeps one.
 */
import { Queue, Worker, type ConnectionOptions, type Job as BullJob } from "bullmq";
import type { Logger } from "pino";
import type { TaskDefinition } from "./definition.js";
import type { SqliteJobStore } from "./job-store.js";
import type { Schedule } from "./schedule.js";
// Shared with the change feed's and caches' Redis connections; re-exported for existing callers.
export { redisConnection } from "../redis-options.js";

export interface BullBackendOptions {
  connection: ConnectionOptions;
  /** Queue names are `<app>-<task>` under the `kova` prefix. */
  app: string;
  log: Logger;
  leaseGraceMs: number;
  pollMs: number;
}

/** Kova priority (−1000…1000, higher first) → BullMQ priority (1 is the highest). */
export function bullPriority(priority: number): number {
  return 1001 - Math.max(-1000, Math.min(1000, priority));
}

export class BullBackend {
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private relaying = false;
  private relayAgain = false;

  constructor(
    private readonly options: BullBackendOptions,
    private readonly tasks: ReadonlyMap<string, TaskDefinition>,
    private readonly outbox: SqliteJobStore,
  ) {
    for (const task of tasks.values()) {
      this.queues.set(task.name, new Queue(this.queueName(task.name), { connection: options.connection, prefix: "kova" }));
    }
  }

  private queueName(task: string): string {
    return `${this.options.app}-${task}`.replace(/[^A-Za-z0-9_.-]/g, "_");
  }

  queue(task: string): Queue {
    return this.queues.get(task)!;
  }

  /** Moves committed jobs from the outbox to BullMQ; a failure leaves them there for the next round. */
  relay(): void {
    if (this.relaying) {
      this.relayAgain = true;
      return;
    }
    this.relaying = true;
    this.relayAgain = false;
    const round = async (): Promise<void> => {
      for (const task of this.tasks.values()) {
        for (;;) {
          const job = await this.outbox.claim(task.name, 30_000, Date.now() + 366 * 86_400_000);
          if (job === null) break;
          try {
            const delay = Math.max(0, job.runAt - Date.now());
            await this.queue(task.name).add(task.name, { args: job.args }, {
              // The idempotency key is the BullMQ job id: Redis keeps one job per key, across hosts.
              jobId: job.key === null ? undefined : `key-${encodeURIComponent(job.key)}`,
              delay,
              priority: bullPriority(job.priority),
              attempts: task.attempts,
              backoff: { type: "exponential", delay: task.backoffMs, jitter: 0.5 },
              removeOnComplete: { age: 86_400 },
              removeOnFail: false,
            });
            await this.outbox.complete(job.id);
          } catch (error) {
            await this.outbox.release(job.id).catch(() => undefined);
            throw error;
          }
        }
      }
    };
    round()
      .catch((error: unknown) => this.options.log.warn({ err: error }, "could not move jobs to Redis; they wait in the embedded outbox"))
      .finally(() => {
        this.relaying = false;
        if (this.relayAgain) this.relay();
      });
  }

  /** Starts one BullMQ worker per task; `run` executes a job's body (transactions and timeout included). */
  work(run: (task: TaskDefinition, jobId: string, attempt: number, args: unknown[]) => Promise<void>): void {
    for (const task of this.tasks.values()) {
      const worker = new Worker(
        this.queueName(task.name),
        async (job: BullJob) => {
          await run(task, String(job.id), job.attemptsMade + 1, ((job.data as { args?: unknown[] }).args ?? []) as unknown[]);
        },
        {
          connection: this.options.connection,
          prefix: "kova",
          concurrency: task.concurrency,
          // The lease: a job whose process died is retried once its lock has expired.
          lockDuration: task.timeoutMs + this.options.leaseGraceMs,
          stalledInterval: Math.max(1000, Math.min(30_000, task.timeoutMs + this.options.leaseGraceMs)),
          maxStalledCount: task.attempts,
        },
      );
      worker.on("failed", (job, error) => {
        if (job === undefined) return;
        const last = job.attemptsMade >= task.attempts;
        const log = this.options.log.child({ jobId: job.id, task: task.name, attempt: job.attemptsMade });
        if (last) log.error({ error: error.message }, "job failed and is dead-lettered: no attempts left");
        else log.warn({ error: error.message }, "job failed; retrying later");
      });
      worker.on("error", (error) => this.options.log.warn({ err: error, task: task.name }, "task worker: Redis error (it reconnects)"));
      this.workers.push(worker);
    }
  }

  /** Adds the job of a scheduled tick; every process adds it, and the job id keeps one per tick. */
  async tick(task: TaskDefinition, schedule: Schedule): Promise<void> {
    const latest = schedule.latest(Date.now());
    if (latest === null) return;
    const queue = this.queue(task.name);
    const client = (await queue.client) as unknown as { set(key: string, value: string, mode: "NX"): Promise<string | null> };
    // The first process to see the schedule records it: a new schedule starts with its next tick.
    const first = await client.set(`kova:${this.queueName(task.name)}:schedule-start`, String(latest), "NX");
    if (first === "OK") return;
    await queue.add(task.name, { args: [] }, {
      // BullMQ refuses ':' in custom ids: the instant is written as ms since the epoch.
      jobId: `tick-${latest}`,
      priority: bullPriority(task.priority),
      attempts: task.attempts,
      backoff: { type: "exponential", delay: task.backoffMs, jitter: 0.5 },
      removeOnComplete: { age: 7 * 86_400 },
      removeOnFail: false,
    });
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.close()));
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
  }
}
