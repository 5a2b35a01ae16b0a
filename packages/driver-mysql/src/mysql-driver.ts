/**
 * The MySQL/MariaDB driver: a mysql2 pool (10 connections by default), server-side prepared
 * statements through `execute`, and every write run with its history versions in one transaction.
 *
 * Each pooled connection is set up once when the pool opens it: time zone +00:00 (DATETIME values
 * are UTC), utf8mb4 with a binary collation (string comparison is case-sensitive, as in Kova), a
 * strict sql_mode and the per-statement time limit.
 */
import { MysqlTransfer } from "./mysql-transfer.js";
import mysql from "mysql2/promise";
import { EntitySchemas, QueryError, type ChangeEvent, type CompiledQuery, type Driver, type DriverConfig, type DriverStats, type EntitySchema, type Executor, type HealthReport, type TestIsolation } from "@kova/query";
import { applyLedger, InstantClock, LEDGER_TABLE, References, TransactionScope, type LedgerSession, type OpenTransaction } from "@kova/sql";
import { mysqlDialect } from "./mysql-dialect.js";
import type { CompiledWrite, MysqlCompiledQuery } from "./mysql-compiled.js";
import { isConnectionError, isDeadlock, translateError } from "./mysql-errors.js";
import { describeAddress, resolveOptions, type ResolvedOptions } from "./mysql-options.js";
import { MysqlChangeOutbox, type Sql } from "./mysql-outbox.js";
import { isWrite, QueryRunner, type Queryable } from "./mysql-runner.js";
import { DEFAULT_COLLATION, lastRecordedInstant, migrateSchema } from "./mysql-schema.js";

/** A transaction in progress: its connection, and a queue so its statements run one at a time. */
interface MysqlTransaction extends OpenTransaction {
  connection: mysql.PoolConnection;
  queue: Promise<unknown>;
  /** Whether a write ran in it (its change events are then read before COMMIT). */
  wrote?: boolean;
}

/** Runs text-protocol statements on a pool or connection, rows as objects. */
const sqlOn = (on: mysql.Pool | mysql.PoolConnection): Sql => async (text, values) => (await on.query(text, values))[0] as Array<Record<string, unknown>>;

/** Standalone writes that hit a deadlock are retried this many times (they hold no caller state). */
const DEADLOCK_RETRIES = 3;

/** A test's transaction (isolate()): its transactions become savepoints in it, run one at a time. */
interface PinnedTransaction {
  open: MysqlTransaction;
  savepoints: number;
  /** The last savepoint's work: the next waits for it, so savepoints never interleave. */
  turn: Promise<unknown>;
}

const scope = new TransactionScope<MysqlTransaction>();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class MysqlDriver implements Driver {
  readonly dialect = mysqlDialect;
  private readonly options: ResolvedOptions | undefined;
  private readonly optionsError: Error | undefined;
  private pool: mysql.Pool | undefined;
  private runner: QueryRunner | undefined;
  private closed = false;
  private readonly running = new Set<Promise<unknown>>();
  /** Write instants (epoch ms); writes never go back in time. */
  private readonly clock = new InstantClock();
  /** "MariaDB 10.11.19" or "MySQL 8.0.36", learned at connect. */
  private server = "";
  private collation = DEFAULT_COLLATION;
  /** The entities migrate() stored: compiled queries name them. */
  private readonly entities: EntitySchemas;
  /** What deleting a record does to the records that refer to it (ON DELETE), with their versions. */
  private readonly references = new References(mysqlDialect);
  /** `kova test --db`: the one transaction everything runs in until the test rolls it back (isolate()). */
  private pinned: PinnedTransaction | undefined;
  /** Export and import (kova db export / import) through the pool. */
  readonly transfer = new MysqlTransfer(() => this.ready().pool);
  /** The change-event outbox (mysql-outbox.ts). */
  readonly changes: MysqlChangeOutbox;

  constructor(private readonly config: DriverConfig) {
    this.entities = new EntitySchemas(config.name);
    this.changes = new MysqlChangeOutbox(
      config.name,
      (text, values) => sqlOn(this.ready().pool)(text, values),
      async (work) => {
        const connection = await this.acquire(this.ready().pool);
        let failure: unknown;
        try {
          await work(sqlOn(connection));
        } catch (error) {
          failure = error;
          throw error;
        } finally {
          this.giveBack(connection, failure);
        }
      },
    );
    try {
      this.options = resolveOptions(config);
    } catch (error) {
      this.optionsError = error as Error;
    }
  }

  /** user@host:port/database (never the password). */
  get address(): string {
    return this.options === undefined ? "(no address)" : describeAddress(this.options);
  }

  async connect(): Promise<void> {
    if (this.optionsError !== undefined) throw this.optionsError;
    if (this.pool !== undefined) return;
    const options = this.options!;
    const version = await this.probe(options);
    const mariadb = /mariadb/i.test(version);
    this.server = `${mariadb ? "MariaDB" : "MySQL"} ${version.split("-")[0]}`;
    const major = Number(version.split(".")[0]);
    this.collation = mariadb ? "utf8mb4_nopad_bin" : major >= 8 ? "utf8mb4_0900_bin" : "utf8mb4_bin";
    const pool = mysql.createPool({
      ...this.connectionOptions(options),
      connectionLimit: options.poolMax,
      maxIdle: options.poolMax,
      idleTimeout: options.idleTimeoutMs,
      enableKeepAlive: true,
    });
    const session = this.sessionSql(mariadb);
    // Runs before the connection is handed out: mysql2 queues commands per connection in order.
    pool.pool.on("connection", (connection) => {
      connection.query(session, () => undefined);
    });
    this.pool = pool;
    this.runner = new QueryRunner(this.entities);
  }

  private connectionOptions(options: ResolvedOptions): mysql.ConnectionOptions {
    return {
      host: options.host,
      port: options.port,
      user: options.user,
      password: options.password,
      database: options.database,
      connectTimeout: options.connectTimeoutMs,
      charset: "utf8mb4_general_ci",
      timezone: "Z",
      dateStrings: true,
      jsonStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: false,
      decimalNumbers: true,
      ...(options.ssl === undefined ? {} : { ssl: options.ssl as mysql.SslOptions }),
    };
  }

  private sessionSql(mariadb: boolean): string {
    const limit = this.options!.statementTimeoutMs;
    const parts = [
      "time_zone = '+00:00'",
      `NAMES utf8mb4 COLLATE ${this.collation}`,
      "SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,ERROR_FOR_DIVISION_BY_ZERO'",
    ];
    if (limit > 0) parts.push(mariadb ? `SESSION max_statement_time = ${limit / 1000}` : `SESSION max_execution_time = ${Math.round(limit)}`);
    return `SET ${parts.join(", ")}`;
  }

  /** Reaches the server, retrying with backoff; returns its version string. */
  private async probe(options: ResolvedOptions): Promise<string> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= options.connectRetries; attempt++) {
      try {
        const connection = await mysql.createConnection(this.connectionOptions(options));
        try {
          const [rows] = await connection.query({ sql: "SELECT VERSION()", rowsAsArray: true });
          return String((rows as unknown[][])[0][0]);
        } finally {
          await connection.end().catch(() => undefined);
        }
      } catch (error) {
        lastError = error;
        const code = (error as { code?: string }).code;
        // Wrong credentials or a missing database will not fix themselves by waiting.
        if (code === "ER_ACCESS_DENIED_ERROR" || code === "ER_BAD_DB_ERROR" || code === "ER_DBACCESS_DENIED_ERROR") break;
        if (attempt < options.connectRetries) await sleep(Math.min(2000, 250 * 2 ** (attempt - 1)));
      }
    }
    const reason = lastError instanceof Error ? lastError.message || (lastError as { code?: string }).code : String(lastError);
    throw new Error(`cannot connect data source "${this.config.name}" to MySQL/MariaDB at ${this.address}: ${reason}`);
  }

  private ready(): { pool: mysql.Pool; runner: QueryRunner } {
    if (this.pool === undefined || this.runner === undefined) {
      throw new QueryError(`data source '${this.config.name}' is unavailable: it is ${this.closed ? "closed" : "not connected"}`, 503);
    }
    return { pool: this.pool, runner: this.runner };
  }

  private nextInstant(): number {
    return this.clock.next();
  }

  private async acquire(pool: mysql.Pool): Promise<mysql.PoolConnection> {
    try {
      return await pool.getConnection();
    } catch (error) {
      throw translateError(error, this.config.name);
    }
  }

  /** Returns a connection to the pool, or drops it when it is broken. */
  private giveBack(connection: mysql.PoolConnection, error?: unknown): void {
    if (error !== undefined && isConnectionError(error)) connection.destroy();
    else connection.release();
  }

  async migrate(entities: readonly EntitySchema[]): Promise<void> {
    const { pool } = this.ready();
    const connection = await this.acquire(pool);
    let failure: unknown;
    try {
      await migrateSchema(connection as unknown as mysql.Connection, entities, this.collation);
      this.clock.note(await lastRecordedInstant(connection as unknown as mysql.Connection));
      this.entities.remember(entities);
      this.references.remember(entities);
    } catch (error) {
      failure = error;
      if (isConnectionError(error)) throw translateError(error, this.config.name);
      throw error;
    } finally {
      this.giveBack(connection, failure);
    }
    await this.changes.remember(entities);
  }

  /**
   * Runs the migration files not yet recorded in `_kova_migrations`, in order. MySQL commits DDL as
   * it runs, so a file is not atomic: if a statement fails, those before it in the file stay done,
   * the file is not recorded, and the error says so.
   */
  async applyMigrations(files: ReadonlyArray<{ name: string; statements: string[] }>): Promise<string[]> {
    const { pool } = this.ready();
    const connection = await this.acquire(pool);
    let failure: unknown;
    try {
      await connection.query("SELECT GET_LOCK('kova_migrate', 60)");
      const session: LedgerSession = {
        exec: async (sql) => void (await connection.query(sql)),
        applied: async () => ((await connection.query({ sql: `SELECT \`name\` FROM \`${LEDGER_TABLE}\``, rowsAsArray: true }))[0] as unknown[][]).map((r) => String(r[0])),
        record: async (name) => void (await connection.execute(`INSERT INTO \`${LEDGER_TABLE}\` (\`name\`, \`applied_at\`) VALUES (?, UTC_TIMESTAMP(3))`, [name])),
        // MySQL 8 has no ADD COLUMN / ADD KEY IF NOT EXISTS nor DROP INDEX IF EXISTS (MariaDB has):
        // the ledger asks the catalog here and runs those statements only when needed.
        has: async (object, table, name) => {
          const sql =
            object === "column"
              ? "SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ? LIMIT 1"
              : "SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = ? LIMIT 1";
          const [rows] = await connection.query(sql, [table, name]);
          return (rows as unknown[]).length > 0;
        },
      };
      const createTable =
        `CREATE TABLE IF NOT EXISTS \`${LEDGER_TABLE}\` (\`name\` VARCHAR(255) NOT NULL PRIMARY KEY, \`applied_at\` DATETIME(3) NOT NULL)` +
        " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
      try {
        // MySQL commits DDL as it runs: files are applied statement by statement.
        return await applyLedger(session, files, { createTable, transactional: false, source: this.config.name });
      } catch (error) {
        failure = error;
        throw error;
      }
    } finally {
      await connection.query("SELECT RELEASE_LOCK('kova_migrate')").catch(() => undefined);
      this.giveBack(connection, failure);
    }
  }

  execute(query: CompiledQuery, args: readonly unknown[]): Promise<unknown> {
    if (this.references.guards(query)) {
      // The delete and what it does to the records referring to it: all of it, or nothing.
      return this.transaction((tx) => this.references.delete(query, args, (q, a) => tx.execute(q, a)));
    }
    // Work inside transaction() that calls the driver instead of its `tx` runs inside the transaction.
    const open = scope.current() ?? this.pinned?.open;
    if (open !== undefined) return this.inTransaction(open, query, args);
    const work = this.executeAlone(query, args);
    this.running.add(work);
    void work.finally(() => this.running.delete(work)).catch(() => undefined);
    return work;
  }

  /** The entity a statement names, for error messages (undefined if migrate() never saw it). */
  private entityOf(compiled: MysqlCompiledQuery): EntitySchema | undefined {
    try {
      return this.entities.get(compiled.plan.entity);
    } catch {
      return undefined;
    }
  }

  private compiled(query: CompiledQuery): MysqlCompiledQuery {
    if (query.dialect !== "mysql") throw new Error(`the mysql driver runs MySQL statements, not ${String(query.dialect)} ones`);
    return query as MysqlCompiledQuery;
  }

  private async executeAlone(query: CompiledQuery, args: readonly unknown[]): Promise<unknown> {
    const compiled = this.compiled(query);
    const { pool, runner } = this.ready();
    if (!isWrite(compiled)) {
      try {
        return await runner.read(pool as unknown as Queryable, compiled, args);
      } catch (error) {
        throw translateError(error, this.config.name, this.entityOf(compiled));
      }
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.writeInOwnTransaction(pool, runner, compiled, args);
      } catch (error) {
        if (!isDeadlock(error) || attempt > DEADLOCK_RETRIES) throw translateError(error, this.config.name, this.entityOf(compiled));
      }
    }
  }

  private async writeInOwnTransaction(pool: mysql.Pool, runner: QueryRunner, compiled: CompiledWrite, args: readonly unknown[]): Promise<unknown> {
    const connection = await this.acquire(pool);
    let failure: unknown;
    let events: ChangeEvent[] = [];
    let result: unknown;
    try {
      await connection.query("START TRANSACTION");
      const tx = await this.markTransaction(connection);
      result = await runner.write(connection as unknown as Queryable, compiled, args, () => this.nextInstant());
      if (tx !== null) events = await this.changes.inTransaction(sqlOn(connection), tx);
      await connection.query("COMMIT");
    } catch (error) {
      failure = error;
      if (!isConnectionError(error)) await connection.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      this.giveBack(connection, failure);
    }
    // After the commit: the change feed, before the caller answers.
    await this.changes.deliver(events);
    return result;
  }

  /** While events are recorded: names the opening transaction in @kova_tx, which the outbox triggers record. */
  private async markTransaction(connection: mysql.PoolConnection): Promise<string | null> {
    const tx = this.changes.begin();
    if (tx !== null) await connection.query("SET @kova_tx = ?", [tx]);
    return tx;
  }

  /** A statement of an open transaction: queued behind its others; a failed write is undone alone (savepoint). */
  private inTransaction(open: MysqlTransaction, query: CompiledQuery, args: readonly unknown[]): Promise<unknown> {
    const run = async (): Promise<unknown> => {
      if (open.finished) throw new Error("this transaction has already finished; run statements inside its work function");
      const compiled = this.compiled(query);
      const { runner } = this.ready();
      const on = open.connection as unknown as Queryable;
      try {
        if (!isWrite(compiled)) return await runner.read(on, compiled, args);
        open.wrote = true;
        await open.connection.query("SAVEPOINT kova_write");
        try {
          const result = await runner.write(on, compiled, args, () => this.nextInstant());
          await open.connection.query("RELEASE SAVEPOINT kova_write");
          return result;
        } catch (error) {
          if (!isConnectionError(error)) await open.connection.query("ROLLBACK TO SAVEPOINT kova_write").catch(() => undefined);
          throw error;
        }
      } catch (error) {
        throw translateError(error, this.config.name, this.entityOf(compiled));
      }
    };
    const result = open.queue.then(run, run);
    open.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * See Driver.emit: a row of the outbox in the open transaction, queued behind its statements and
   * marking it as written (so its events are read before COMMIT); outside one, in a transaction of its own.
   */
  async emit(event: string, payload: Record<string, unknown>): Promise<void> {
    await this.changes.ready();
    const open = scope.current() ?? this.pinned?.open;
    if (open === undefined) return this.transaction(() => this.emit(event, payload));
    const { text, values } = this.changes.emitStatement(event, payload);
    const run = async (): Promise<void> => {
      if (open.finished) throw new Error("this transaction has already finished; EMIT runs inside its work function");
      open.wrote = true;
      await open.connection.query(text, values);
    };
    const result = open.queue.then(run, run);
    open.queue = result.catch(() => undefined);
    await result;
  }

  async transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    const joined = scope.current();
    if (joined !== undefined) return work({ execute: (query, args) => this.inTransaction(joined, query, args) });
    if (this.pinned !== undefined) return this.inSavepoint(this.pinned, work);
    const { pool } = this.ready();
    const run = async (): Promise<T> => {
      const connection = await this.acquire(pool);
      const open: MysqlTransaction = { connection, queue: Promise.resolve(), finished: false };
      let failure: unknown;
      try {
        await connection.query("START TRANSACTION");
        const tx = await this.markTransaction(connection);
        const result = await scope.run(open, () => work({ execute: (query, args) => this.inTransaction(open, query, args) }));
        await open.queue;
        if (tx !== null && open.wrote === true) events = await this.changes.inTransaction(sqlOn(connection), tx);
        await connection.query("COMMIT");
        return result;
      } catch (error) {
        failure = error;
        if (!isConnectionError(error)) await connection.query("ROLLBACK").catch(() => undefined);
        throw translateError(error, this.config.name);
      } finally {
        open.finished = true;
        this.giveBack(connection, failure);
      }
    };
    let events: ChangeEvent[] = [];
    const result = run().then(async (value) => {
      // After the commit (and the connection's release): the change feed, before the caller answers.
      await this.changes.deliver(events);
      return value;
    });
    this.running.add(result);
    void result.finally(() => this.running.delete(result)).catch(() => undefined);
    return result;
  }

  async isolate(): Promise<TestIsolation> {
    if (this.pinned !== undefined) throw new Error(`data source "${this.config.name}" is already inside a test transaction`);
    const { pool } = this.ready();
    const connection = await this.acquire(pool);
    await connection.query("START TRANSACTION");
    const pinned: PinnedTransaction = { open: { connection, queue: Promise.resolve(), finished: false }, savepoints: 0, turn: Promise.resolve() };
    this.pinned = pinned;
    return {
      rollback: async () => {
        if (this.pinned === pinned) this.pinned = undefined;
        await pinned.turn;
        await pinned.open.queue;
        pinned.open.finished = true;
        let failure: unknown;
        await connection.query("ROLLBACK").catch((error: unknown) => (failure = error));
        this.giveBack(connection, failure);
        if (failure !== undefined) throw translateError(failure, this.config.name);
      },
    };
  }

  /** A transaction inside a test's transaction: a savepoint, rolled back alone when `work` fails. */
  private inSavepoint<T>(pinned: PinnedTransaction, work: (tx: Executor) => Promise<T>): Promise<T> {
    const { open } = pinned;
    const run = async (): Promise<T> => {
      const name = `kova_test_${++pinned.savepoints}`;
      const statement = (sql: string) => {
        const done = open.queue.then(() => open.connection.query(sql));
        open.queue = done.catch(() => undefined);
        return done;
      };
      await statement(`SAVEPOINT ${name}`);
      try {
        const result = await scope.run(open, () => work({ execute: (query, args) => this.inTransaction(open, query, args) }));
        await statement(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (error) {
        await statement(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => undefined);
        throw translateError(error, this.config.name);
      }
    };
    const result = pinned.turn.then(run, run);
    pinned.turn = result.catch(() => undefined);
    return result;
  }

  /** The database's size (data and indexes) and the pool's connections, for metrics. */
  async stats(): Promise<DriverStats> {
    const { pool } = this.ready();
    const [rows] = await pool.query({ sql: "SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.tables WHERE table_schema = DATABASE()", rowsAsArray: true });
    // mysql2 exposes no pool counters; these are its (stable since v1) internal lists.
    const inner = (pool as unknown as { pool?: { _allConnections?: { length: number }; _freeConnections?: { length: number }; _connectionQueue?: { length: number } } }).pool;
    const sizeBytes = Number((rows as unknown[][])[0][0]);
    if (inner?._allConnections === undefined) return { sizeBytes };
    return { sizeBytes, pool: { total: inner._allConnections.length, idle: inner._freeConnections?.length ?? 0, waiting: inner._connectionQueue?.length ?? 0 } };
  }

  async health(): Promise<HealthReport> {
    try {
      const { pool } = this.ready();
      const [rows] = await pool.query({ sql: "SELECT 1", rowsAsArray: true });
      const ok = Number((rows as unknown[][])[0][0]) === 1;
      return { ok, detail: `${this.server} at ${this.address} (pool of ${this.options!.poolMax})` };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { ok: false, detail: `mysql at ${this.address}: ${reason}` };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.running]);
    const pool = this.pool;
    this.pool = undefined;
    this.runner = undefined;
    await pool?.end().catch(() => undefined);
  }
}

export function createMysqlDriver(config: DriverConfig): MysqlDriver {
  return new MysqlDriver(config);
}
