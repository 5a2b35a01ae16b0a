/**
 * What the compiler emits for each TASK (the app definition's `tasks` list). Part of the contract
 * between the JS emitter and the runtime, like RouteDefinition.
 */
import type { RequestContext } from "../app.js";

export type TaskTrigger =
  | { kind: "queue" }
  /** `ON INSERT|UPDATE|DELETE Entity { … }`: a job per committed write of that kind (the change feed enqueues it). */
  | { kind: "change"; op: "insert" | "update" | "delete"; entity: string }
  /** `ON order_shipped { … }`: a job per committed EMIT of that EVENT (the change feed enqueues it, with the payload). */
  | { kind: "event"; event: string }
  | { kind: "every"; everyMs: number }
  | { kind: "cron"; expression: string; timezone: string | null };

export interface TaskDefinition {
  name: string;
  /** Parameter names; a job's `args` are their values in this order (JSON). */
  params: readonly string[];
  trigger: TaskTrigger;
  /** Runs of one job at most (1 = no retry); then it is dead-lettered with its last error. */
  attempts: number;
  /** The first retry's delay; each next one doubles (up to an hour), with jitter. */
  backoffMs: number;
  /** One attempt's time limit: past it the attempt fails (and the job is retried). */
  timeoutMs: number;
  /** Jobs of this task running at once in one process. */
  concurrency: number;
  /** Among due jobs of the task, higher runs first. */
  priority: number;
  handler: (ctx: RequestContext, ...args: unknown[]) => Promise<unknown>;
  /** Data sources the body writes: it runs in one transaction per source, with the job's completion. */
  writes?: readonly string[];
  source?: { file: string; line: number };
}

export interface EnqueueOptions {
  /** The job is due this many milliseconds from now. */
  delayMs?: number;
  /** Idempotency key: while a job of the task with this key is kept, another ENQUEUE adds nothing. */
  key?: string;
  priority?: number;
}

export type JobState = "queued" | "running" | "done" | "dead";

export interface Job {
  id: number;
  task: string;
  args: unknown[];
  key: string | null;
  priority: number;
  state: JobState;
  /** Attempts started so far (the running one included). */
  attempts: number;
  maxAttempts: number;
  /** When it is (or was) due, ms since the epoch. */
  runAt: number;
  leaseUntil: number | null;
  lastError: string | null;
  createdAt: number;
  finishedAt: number | null;
}
