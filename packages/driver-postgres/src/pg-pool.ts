/**
 * The client layer: a postgres.js (porsager) instance behind the two operations the driver uses.
 * postgres.js pipelines statements on its connections and prepares each statement text once per
 * connection; `node bench/pg-drivers.mjs` measured it at about twice node-postgres's throughput for
 * half the client CPU. Everything above this file (runner, migrations, transfer, transactions) sees
 * only `PgSession` and `PgPool`, so the client could be swapped again here alone.
 */
import postgres from "postgres";
import { isConnectionError } from "./pg-errors.js";

type Row = Record<string, any>;

/** One connection's worth of work: a pooled statement, or a statement on a held connection. */
export interface PgSession {
  /** Rows as objects (migrations, transfer, health). */
  query(text: string, values?: readonly unknown[]): Promise<{ rows: Row[]; rowCount: number }>;
  /** Rows as arrays in column order (compiled statements), prepared once per connection. */
  arrays(text: string, values: readonly unknown[]): Promise<unknown[][]>;
}

/** What the pool looks like now, for metrics (postgres.js opens connections on demand, up to `max`). */
export interface PoolCounts {
  total: number;
  idle: number;
  waiting: number;
}

type Sql = postgres.Sql<any>;

/**
 * A bound value as text, as node-postgres bound it, so PostgreSQL reads it by the parameter's own
 * type (postgres.js would declare a JS boolean's parameter as bool, which a text comparison refuses).
 * Arrays stay arrays: postgres.js writes them as array literals of the parameter's element type.
 */
function toWire(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "boolean":
    case "bigint":
      return String(value);
  }
  if (Array.isArray(value)) return value.map(toWire);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

function wire(values: readonly unknown[]): postgres.ParameterOrJSON<any>[] {
  return values.map(toWire) as postgres.ParameterOrJSON<any>[];
}

function sessionOf(sql: Sql | postgres.ReservedSql<any>, before?: () => void, first?: (text: string) => { onexecute: (c: { id: number }) => boolean } | undefined): PgSession {
  return {
    async query(text, values = []) {
      before?.();
      const mark = values.length === 0 ? first?.(text) : undefined;
      // Without parameters postgres.js uses the simple protocol (a migration file's statement may hold several).
      const result = await (mark === undefined ? sql.unsafe(text, wire(values)) : sql.unsafe(text, [], mark as never));
      const last = (Array.isArray(result[0]) && (result as unknown as unknown[]).every(Array.isArray) ? (result as unknown as unknown[][]).at(-1) : result) as postgres.RowList<Row[]>;
      return { rows: last as unknown as Row[], rowCount: last.count ?? last.length };
    },
    arrays(text, values) {
      before?.();
      return sql.unsafe(text, wire(values), { prepare: true }).values() as unknown as Promise<unknown[][]>;
    },
  };
}

/** A connection held by `hold()`: which of postgres.js's connections it is, once known, and whether it closed. */
interface Held {
  connection?: number;
  closed: boolean;
}

export class PgPool implements PgSession {
  private readonly sql: Sql;
  private readonly session: PgSession;
  private readonly max: number;
  /** Work holding or waiting for a connection (statements in flight, held connections). */
  private inUse = 0;
  /**
   * Connections open, as postgres.js's policy makes them: a new one whenever work finds none idle
   * and fewer than `max` exist, one fewer at each close (idle timeout, lost connection).
   */
  private open = 0;
  /** Held connections by postgres.js's connection id, to learn that one closed while held. */
  private readonly held = new Map<number, Held>();
  /** Called when the last piece of work finishes, while end() waits for it. */
  private drained?: () => void;

  constructor(url: string | undefined, options: postgres.Options<any>) {
    this.max = options.max ?? 10;
    const onclose = options.onclose;
    const make = (o: postgres.Options<any>) => (url === undefined ? postgres(o) : postgres(url, o));
    this.sql = make({
      ...options,
      onclose: (id) => {
        this.open = Math.max(0, this.open - 1);
        const held = this.held.get(id);
        if (held !== undefined) held.closed = true;
        onclose?.(id);
      },
    });
    this.session = sessionOf(this.sql);
  }

  private async counted<T>(work: () => Promise<T>): Promise<T> {
    this.inUse++;
    if (this.inUse > this.open && this.open < this.max) this.open = Math.min(this.inUse, this.max);
    try {
      return await work();
    } finally {
      this.inUse--;
      if (this.inUse === 0) this.drained?.();
    }
  }

  query(text: string, values?: readonly unknown[]): Promise<{ rows: Row[]; rowCount: number }> {
    return this.counted(() => this.session.query(text, values));
  }

  arrays(text: string, values: readonly unknown[]): Promise<unknown[][]> {
    return this.counted(() => this.session.arrays(text, values));
  }

  /**
   * Runs `work` on a connection of its own (a transaction, a migration). postgres.js would write
   * to a held connection after it closed (a null socket: an uncaught exception), so the pool learns
   * which connection it holds from the first statement without parameters (BEGIN, DDL: every
   * user's first) and, once postgres.js reports it closed, fails further statements with
   * CONNECTION_CLOSED itself. A connection that broke is not handed back: postgres.js has set it
   * aside and reconnects it when next needed, while releasing it would list the dead socket as idle.
   */
  hold<T>(work: (session: PgSession, markBroken: (error: unknown) => void) => Promise<T>): Promise<T> {
    return this.counted(async () => {
      const reserved = await this.sql.reserve();
      const held: Held = { closed: false };
      let broken = false;
      const markBroken = (error: unknown) => {
        if (isConnectionError(error)) broken = true;
      };
      const before = () => {
        if (held.closed || broken) throw Object.assign(new Error("write CONNECTION_CLOSED: the connection closed while this work held it"), { code: "CONNECTION_CLOSED" });
      };
      const first = () =>
        held.connection !== undefined
          ? undefined
          : {
              onexecute: (c: { id: number }) => {
                held.connection = c.id;
                this.held.set(c.id, held);
                return true;
              },
            };
      try {
        return await work(sessionOf(reserved, before, first), markBroken);
      } catch (error) {
        markBroken(error);
        throw error;
      } finally {
        if (held.connection !== undefined) this.held.delete(held.connection);
        if (!broken && !held.closed) reserved.release();
      }
    });
  }

  counts(): PoolCounts {
    return { total: this.open, idle: Math.max(0, this.open - this.inUse), waiting: Math.max(0, this.inUse - this.max) };
  }

  /**
   * Waits for running statements and held connections, then closes every connection. The pool
   * waits itself rather than through postgres.js's graceful end(): a connection that broke with a
   * statement on it (a terminated backend) never reports that statement finished, so that end()
   * would wait forever and a shutdown after a failover would hang. Once Kova's own work is done,
   * nothing is left to wait for, and each connection is closed at once with a Terminate message.
   */
  async end(): Promise<void> {
    if (this.inUse > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await this.sql.end({ timeout: 0 });
  }
}
