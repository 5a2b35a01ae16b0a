/**
 * The CockroachDB driver: the PostgreSQL driver (same wire protocol, same postgres.js pool) with
 * CockroachDB's dialect, and retries. CockroachDB runs every transaction SERIALIZABLE and asks the
 * client to retry one that conflicted (SQLSTATE 40001, "restart transaction"); the driver reruns
 * the whole transaction (or the single statement) with exponential backoff and jitter.
 *
 * So the `work` given to transaction() may run more than once: it must not have effects outside
 * the database (sending mail, …) before it returns.
 */
import { QueryError, type CompiledQuery, type DriverConfig, type Executor } from "@kova/query";
import { isRetryable, PostgresDriver, type PostgresOptions } from "@kova/driver-postgres";
import { cockroachDialect, cockroachFlavor } from "./cockroach-dialect.js";

export interface CockroachOptions extends PostgresOptions {
  /** How many times a transaction that hit a serialization conflict is tried in all (default 6). */
  retries?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** 20 ms, 40 ms, 80 ms … up to 1 s, each with up to 50% random jitter so retries spread out. */
export function retryDelay(attempt: number): number {
  const base = Math.min(20 * 2 ** (attempt - 1), 1000);
  return base + Math.floor(Math.random() * base * 0.5);
}

export class CockroachDriver extends PostgresDriver {
  private readonly retries: number;

  constructor(config: DriverConfig) {
    super(config, cockroachDialect, cockroachFlavor, "postgresql");
    this.retries = Math.max(1, (this.options as CockroachOptions).retries ?? 6);
  }

  /** BEGIN states SERIALIZABLE: CockroachDB's only isolation; on PostgreSQL it asks for the same. */
  protected override beginStatement(): string {
    return "BEGIN ISOLATION LEVEL SERIALIZABLE";
  }

  private async retrying<T>(attemptOnce: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await attemptOnce();
      } catch (error) {
        if (!isRetryable(error)) throw error;
        if (attempt >= this.retries) {
          throw new QueryError(
            `data source '${this.config.name}' is unavailable: the transaction kept conflicting with others (${attempt} tries); try again`,
            503,
          );
        }
        await sleep(retryDelay(attempt));
      }
    }
  }

  override transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    // Inside a transaction already (an endpoint's): join it; the outer one retries as a whole.
    if (this.inTransaction()) return super.transaction(work);
    return this.retrying(() => this.transactionOnce(work));
  }

  override execute(query: CompiledQuery, args: readonly unknown[]): Promise<unknown> {
    // Inside a transaction a conflict restarts the whole transaction (above), not one statement.
    if (this.inTransaction()) return super.execute(query, args);
    return this.retrying(() => super.execute(query, args));
  }
}

export function createCockroachDriver(config: DriverConfig): CockroachDriver {
  return new CockroachDriver(config);
}
