/**
 * The durable job queue on the embedded store (SQLite): two tables beside the app's own.
 *
 *   _kova_jobs       one row per job: queued → running → done, or back to queued for a retry, or dead
 *   _kova_schedules  per scheduled task, the last tick some process claimed
 *
 * Every statement goes through the driver's `withConnection`, so an ENQUEUE from an endpoint is
 * written inside the endpoint's transaction: it commits with the endpoint's rows or not at all, and
 * once committed it is in the WAL, so it survives kill -9. Claiming a job is one UPDATE … RETURNING,
 * atomic across processes sharing the file; a claimed job holds a lease, and a job whose process
 * died is claimed again once its lease has expired (at-least-once delivery).
 */
import type { Driver } from "@kova/query";
import type { EnqueueOptions, Job, JobState } from "./definition.js";

/** The part of better-sqlite3's Database the store uses. */
interface Statement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
interface Connection {
  prepare(sql: string): Statement;
  exec(sql: string): void;
  /** better-sqlite3: a function running `fn` in a transaction (a savepoint inside an open one). */
  transaction<T>(fn: () => T): () => T;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS _kova_jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task TEXT NOT NULL,
  args TEXT NOT NULL,
  key TEXT,
  priority INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  run_at INTEGER NOT NULL,
  lease_until INTEGER,
  owner TEXT,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS _kova_jobs_key ON _kova_jobs (task, key) WHERE key IS NOT NULL;
CREATE INDEX IF NOT EXISTS _kova_jobs_due ON _kova_jobs (task, state, priority DESC, run_at);
CREATE TABLE IF NOT EXISTS _kova_schedules (
  task TEXT PRIMARY KEY,
  last_tick INTEGER NOT NULL
);`;

interface JobRow {
  id: number;
  task: string;
  args: string;
  key: string | null;
  priority: number;
  state: JobState;
  attempts: number;
  max_attempts: number;
  run_at: number;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  finished_at: number | null;
}

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    task: row.task,
    args: JSON.parse(row.args) as unknown[],
    key: row.key,
    priority: row.priority,
    state: row.state,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: row.run_at,
    leaseUntil: row.lease_until,
    lastError: row.last_error,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

export interface QueueCounts {
  task: string;
  queued: number;
  running: number;
  done: number;
  dead: number;
}

export class SqliteJobStore {
  constructor(
    private readonly driver: Driver,
    /** Identifies this process's claims (for logs and `kova tasks`). */
    readonly owner: string,
  ) {
    if (driver.withConnection === undefined) throw new Error("the job queue needs the embedded store (a driver with withConnection)");
  }

  private run<T>(work: (db: Connection) => T): Promise<T> {
    return this.driver.withConnection!((db) => work(db as Connection));
  }

  migrate(): Promise<void> {
    return this.run((db) => db.exec(SCHEMA));
  }

  /** Adds a job (inside the caller's transaction, when it has one); returns its id, or null when its key is taken. */
  enqueue(task: string, args: readonly unknown[], maxAttempts: number, priority: number, options: EnqueueOptions = {}, now = Date.now()): Promise<number | null> {
    const argsJson = JSON.stringify(args);
    return this.run((db) => {
      const result = db
        .prepare(
          `INSERT INTO _kova_jobs (task, args, key, priority, state, max_attempts, run_at, created_at) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?)
           ON CONFLICT (task, key) WHERE key IS NOT NULL DO NOTHING`,
        )
        .run(task, argsJson, options.key ?? null, options.priority ?? priority, maxAttempts, now + Math.max(0, options.delayMs ?? 0), now);
      return result.changes === 0 ? null : Number(result.lastInsertRowid);
    });
  }

  /**
   * Claims the next due job of `task`: a queued one whose time has come, or a running one whose
   * lease expired (its process died). Highest priority first, then oldest.
   */
  claim(task: string, leaseMs: number, now = Date.now()): Promise<Job | null> {
    return this.run((db) => {
      const row = db
        .prepare(
          `UPDATE _kova_jobs SET state = 'running', attempts = attempts + 1, lease_until = ?, owner = ?
           WHERE id = (SELECT id FROM _kova_jobs WHERE task = ? AND ((state = 'queued' AND run_at <= ?) OR (state = 'running' AND lease_until < ?))
                       ORDER BY priority DESC, run_at, id LIMIT 1)
           RETURNING *`,
        )
        .get(now + leaseMs, this.owner, task, now, now) as JobRow | undefined;
      return row === undefined ? null : toJob(row);
    });
  }

  /** The job succeeded (inside the task's transaction when it wrote, so its writes and this commit together). */
  complete(id: number, now = Date.now()): Promise<void> {
    return this.run((db) => void db.prepare(`UPDATE _kova_jobs SET state = 'done', lease_until = NULL, finished_at = ?, last_error = NULL WHERE id = ? AND owner = ?`).run(now, id, this.owner));
  }

  /** The attempt failed: due again at `retryAt`, or dead-lettered when `retryAt` is null. */
  fail(id: number, error: string, retryAt: number | null, now = Date.now()): Promise<void> {
    return this.run((db) => {
      if (retryAt === null) db.prepare(`UPDATE _kova_jobs SET state = 'dead', lease_until = NULL, last_error = ?, finished_at = ? WHERE id = ?`).run(error, now, id);
      else db.prepare(`UPDATE _kova_jobs SET state = 'queued', lease_until = NULL, last_error = ?, run_at = ? WHERE id = ?`).run(error, retryAt, id);
    });
  }

  /** Gives a claimed job back untouched (shutdown before it started): the attempt does not count. */
  release(id: number): Promise<void> {
    return this.run((db) => void db.prepare(`UPDATE _kova_jobs SET state = 'queued', attempts = attempts - 1, lease_until = NULL WHERE id = ? AND state = 'running' AND owner = ?`).run(id, this.owner));
  }

  /**
   * Claims the tick at `tick` of a scheduled task and enqueues its job, in one transaction: true for
   * exactly one process per tick (a compare-and-set on the last claimed tick), and a claimed tick
   * always has its job. A tick older than the last claimed one is never run, so after downtime only
   * the latest missed tick runs, once. The first call for a task records the tick without running
   * it: a new schedule starts with its next tick.
   */
  claimTickJob(task: string, tick: number, maxAttempts: number, priority: number, now = Date.now()): Promise<number | null> {
    return this.run((db) =>
      db.transaction(() => {
        const inserted = db.prepare(`INSERT INTO _kova_schedules (task, last_tick) VALUES (?, ?) ON CONFLICT (task) DO NOTHING`).run(task, tick);
        if (inserted.changes === 1) return null;
        if (db.prepare(`UPDATE _kova_schedules SET last_tick = ? WHERE task = ? AND last_tick < ?`).run(tick, task, tick).changes !== 1) return null;
        const job = db
          .prepare(`INSERT INTO _kova_jobs (task, args, key, priority, state, max_attempts, run_at, created_at) VALUES (?, '[]', ?, ?, 'queued', ?, ?, ?) ON CONFLICT (task, key) WHERE key IS NOT NULL DO NOTHING`)
          .run(task, `tick:${new Date(tick).toISOString()}`, priority, maxAttempts, now, now);
        return job.changes === 0 ? null : Number(job.lastInsertRowid);
      })(),
    );
  }

  get(id: number): Promise<Job | null> {
    return this.run((db) => {
      const row = db.prepare(`SELECT * FROM _kova_jobs WHERE id = ?`).get(id) as JobRow | undefined;
      return row === undefined ? null : toJob(row);
    });
  }

  list(filter: { task?: string; state?: JobState; limit?: number } = {}): Promise<Job[]> {
    return this.run((db) => {
      const rows = db
        .prepare(`SELECT * FROM _kova_jobs WHERE (? IS NULL OR task = ?) AND (? IS NULL OR state = ?) ORDER BY id DESC LIMIT ?`)
        .all(filter.task ?? null, filter.task ?? null, filter.state ?? null, filter.state ?? null, filter.limit ?? 100) as JobRow[];
      return rows.map(toJob);
    });
  }

  counts(): Promise<QueueCounts[]> {
    return this.run((db) => {
      const rows = db.prepare(`SELECT task, state, COUNT(*) AS n FROM _kova_jobs GROUP BY task, state ORDER BY task`).all() as Array<{ task: string; state: JobState; n: number }>;
      const byTask = new Map<string, QueueCounts>();
      for (const r of rows) {
        const c = byTask.get(r.task) ?? { task: r.task, queued: 0, running: 0, done: 0, dead: 0 };
        c[r.state] = r.n;
        byTask.set(r.task, c);
      }
      return [...byTask.values()];
    });
  }

  /** A dead job queued again with a fresh set of attempts; false when it is not dead. */
  retryDead(id: number, now = Date.now()): Promise<boolean> {
    return this.run((db) => db.prepare(`UPDATE _kova_jobs SET state = 'queued', attempts = 0, run_at = ?, finished_at = NULL WHERE id = ? AND state = 'dead'`).run(now, id).changes === 1);
  }

  dropDead(id: number): Promise<boolean> {
    return this.run((db) => db.prepare(`DELETE FROM _kova_jobs WHERE id = ? AND state = 'dead'`).run(id).changes === 1);
  }

  /** Forgets finished jobs older than `before` (their idempotency keys with them). */
  purgeDone(before: number): Promise<number> {
    return this.run((db) => db.prepare(`DELETE FROM _kova_jobs WHERE state = 'done' AND finished_at < ?`).run(before).changes);
  }
}
