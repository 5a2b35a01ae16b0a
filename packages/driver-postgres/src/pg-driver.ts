/**
 * The PostgreSQL driver on a postgres.js pool (pg-pool.ts). Statements run on any pooled connection
 * (each write is one statement, atomic with its versions); `transaction()` holds one connection
 * from BEGIN to COMMIT, and work inside it that calls the driver instead of its `tx` runs on that
 * connection too.
 *
 * A lost connection fails the statements using it with a 503; postgres.js sets the broken
 * connection aside and opens a new one when asked, so service resumes when the server is back.
 */
import { EntitySchemas, operandValue, QueryError, type ChangeEvent, type CompiledQuery, type Dialect, type Driver, type DriverConfig, type DriverStats, type EntitySchema, type Executor, type HealthReport, type TestIsolation } from "@kova/query";
import { applyLedger, LEDGER_TABLE, References, TransactionScope, transactionExecutor, type LedgerSession, type OpenTransaction } from "@kova/sql";
import { quoteIdent, type PgCompiledQuery, type SqlFlavor } from "./pg-compiled.js";
import { postgresDialect, postgresFlavor } from "./pg-dialect.js";
import { isConnectionError, translateError } from "./pg-errors.js";
import { migrateEntities } from "./pg-migrate.js";
import { TENANT_SETTING } from "./pg-schema.js";
import { describeAddress, poolConfig, readOptions, type PostgresOptions } from "./pg-options.js";
import { PgPool, type PgSession } from "./pg-pool.js";
import { randomUUID } from "node:crypto";
import { listen } from "./pg-listen.js";
import { PgChangeOutbox, type Sql } from "./pg-outbox.js";
import { PgRunner } from "./pg-runner.js";
import { PgTransfer } from "./pg-transfer.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reasonOf(error.errors[0]);
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return message === "" && typeof code === "string" ? code : message;
}

/** A test's transaction (isolate()): its transactions become savepoints in it, run one at a time. */
interface PinnedTransaction {
  open: OpenTransaction & { client: PgSession };
  savepoints: number;
  /** The last savepoint's work: the next waits for it, so savepoints never interleave. */
  turn: Promise<unknown>;
}

export class PostgresDriver implements Driver {
  readonly dialect: Dialect;
  readonly options: PostgresOptions;
  /** Where the server is, for messages (no password). */
  readonly address: string;
  protected pool: PgPool | undefined;
  protected readonly runner: PgRunner;
  /** The entities migrate() stored: compiled queries name them. */
  protected readonly entities: EntitySchemas;
  private closed = false;
  /** What deleting a record does to the records that refer to it (ON DELETE), with their versions. */
  private readonly references: References;
  /** Export and import (kova db export / import) through the pool. */
  readonly transfer = new PgTransfer(() => this.ready());
  /** The transaction (and its connection) the running async code belongs to. */
  private readonly scope = new TransactionScope<OpenTransaction & { client: PgSession; wrote?: boolean }>();
  /** The change-event outbox (pg-outbox.ts): PostgreSQL only (CockroachDB has no row triggers for it). */
  readonly changes: PgChangeOutbox | undefined;
  /** `kova test --db`: the one transaction everything runs in until the test rolls it back (isolate()). */
  private pinned: PinnedTransaction | undefined;

  constructor(
    protected readonly config: DriverConfig,
    dialect: Dialect = postgresDialect,
    protected readonly flavor: SqlFlavor = postgresFlavor,
    scheme = "postgres",
  ) {
    this.dialect = dialect;
    this.options = readOptions(config);
    this.address = describeAddress(this.options, scheme);
    this.entities = new EntitySchemas(config.name);
    this.runner = new PgRunner(dialect.name, config.name, this.entities);
    this.references = new References(dialect);
    if (flavor.dialect === "postgres") {
      const sql = (on: PgSession): Sql => async (text, values) => (await on.query(text, values)).rows;
      this.changes = new PgChangeOutbox(
        config.name,
        randomUUID(),
        (text, values) => sql(this.ready())(text, values),
        (work) =>
          this.withClient(async (client) => {
            await client.query("BEGIN");
            try {
              await work(sql(client));
              await client.query("COMMIT");
            } catch (error) {
              await client.query("ROLLBACK").catch(() => undefined);
              throw error;
            }
          }),
        (channel, onPayload, onError) => {
          const { url, options } = poolConfig(this.options, this.config.name);
          return listen(url, options, channel, onPayload, onError);
        },
      );
    }
  }

  /** Opens the pool and checks the server answers, retrying with backoff (default 5 tries, ~5 s). */
  async connect(): Promise<void> {
    if (this.pool !== undefined) return;
    if (this.closed) throw new QueryError(`data source '${this.config.name}' is closed`, 503);
    const tries = Math.max(1, this.options.connectRetries ?? 5);
    let lastError: unknown;
    for (let attempt = 1; attempt <= tries; attempt++) {
      const { url, options } = poolConfig(this.options, this.config.name);
      const pool = new PgPool(url, options);
      try {
        await pool.query("SELECT 1");
        this.pool = pool;
        return;
      } catch (error) {
        lastError = error;
        await pool.end().catch(() => undefined);
        // Wrong password, unknown database, …: trying again will not help.
        const code = (error as { code?: string }).code;
        if (code !== undefined && /^(28|3D)/.test(code)) break;
        if (attempt < tries) await sleep(Math.min(250 * 2 ** (attempt - 1), 2000));
      }
    }
    throw new Error(`cannot connect data source "${this.config.name}" to ${this.address}: ${reasonOf(lastError)}`);
  }

  protected ready(): PgPool {
    if (this.pool === undefined) {
      throw new QueryError(`data source '${this.config.name}' is unavailable: it is ${this.closed ? "closed" : "not connected"}`, 503);
    }
    return this.pool;
  }

  async migrate(entities: readonly EntitySchema[]): Promise<void> {
    await this.withClient(async (client) => {
      try {
        await migrateEntities(client, entities, this.flavor);
        this.entities.remember(entities);
        this.references.remember(entities);
        await this.changes?.remember(entities);
      } catch (error) {
        const translated = translateError(error, this.config.name);
        throw translated instanceof QueryError ? translated : new Error(`cannot migrate data source "${this.config.name}": ${reasonOf(error)}`);
      }
    });
  }

  /** Runs pending `kova migrate` files, each in one transaction, recorded in `_kova_migrations`. */
  async applyMigrations(files: ReadonlyArray<{ name: string; statements: string[] }>): Promise<string[]> {
    return await this.withClient(async (client) => {
      const session: LedgerSession = {
        exec: async (sql) => void (await client.query(sql)),
        applied: async () => (await client.query(`SELECT "name" FROM "${LEDGER_TABLE}"`)).rows.map((r) => r.name as string),
        record: async (name) => void (await client.query(`INSERT INTO "${LEDGER_TABLE}" ("name", "applied_at") VALUES ($1, now())`, [name])),
      };
      const createTable = `CREATE TABLE IF NOT EXISTS "${LEDGER_TABLE}" ("name" text PRIMARY KEY, "applied_at" timestamptz NOT NULL)`;
      return applyLedger(session, files, { createTable, transactional: true, source: this.config.name });
    });
  }

  /** Runs `work` on a connection of its own (pg-pool.ts: a broken one is not handed back). */
  private async withClient<T>(work: (client: PgSession, markBroken: (error: unknown) => void) => Promise<T>): Promise<T> {
    try {
      return await this.ready().hold(work);
    } catch (error) {
      throw isConnectionError(error) ? translateError(error, this.config.name) : error;
    }
  }

  async execute(query: CompiledQuery, args: readonly unknown[]): Promise<unknown> {
    if (this.references.guards(query)) {
      // The delete and what it does to the records referring to it: all of it, or nothing.
      return this.transaction((tx) => this.references.delete(query, args, (q, a) => tx.execute(q, a)));
    }
    // Work inside transaction() that calls the driver instead of its `tx` runs in the transaction.
    const open = this.scope.current() ?? this.pinned?.open;
    if (open !== undefined) return this.runInTransaction(open, query as PgCompiledQuery, args);
    const kind = (query as PgCompiledQuery).kind;
    // A tenant's statement needs kova.tenant set in its own transaction (row-level security).
    if ((query as PgCompiledQuery).plan.tenant !== undefined) {
      if (this.changes?.recording === true && kind !== "select" && kind !== "history") return this.transactionOnce((tx) => tx.execute(query, args));
      return this.tenantStatement(query as PgCompiledQuery, args);
    }
    // While events are recorded, a write runs in a transaction of its own: its events are read
    // and NOTIFYed before its COMMIT (pg-outbox.ts).
    if (this.changes?.recording === true && kind !== "select" && kind !== "history") return this.transactionOnce((tx) => tx.execute(query, args));
    try {
      return await this.runner.run(this.ready(), query as PgCompiledQuery, args);
    } catch (error) {
      // A read on a pooled connection that had just died (the server restarted, the backend was
      // terminated) is tried once more on a fresh one; a write is not, as it may have committed.
      const kind = (query as PgCompiledQuery).kind;
      if ((kind === "select" || kind === "history") && isConnectionError(error) && this.pool !== undefined) {
        return this.runner.run(this.pool, query as PgCompiledQuery, args);
      }
      throw error;
    }
  }

  /**
   * One statement of a tenant's plan outside any transaction: BEGIN, set kova.tenant, the
   * statement and COMMIT on one held connection, sent together (postgres.js pipelines statements
   * issued without waiting): one round trip, not four; no savepoint is needed, as nothing else
   * runs in this transaction. A failed statement leaves the transaction aborted, so its COMMIT
   * rolls back. A page whose total may need a second statement sends COMMIT after it.
   */
  private tenantStatement(query: PgCompiledQuery, args: readonly unknown[]): Promise<unknown> {
    const tenant = String(operandValue(query.plan.tenant!, args) ?? "");
    return this.withClient(async (client, markBroken) => {
      const opened = Promise.all([client.query(this.beginStatement()), client.query(`SELECT set_config('${TENANT_SETTING}', $1, true)`, [tenant])]);
      opened.catch(() => undefined); // awaited below; its failure is the statement's
      try {
        const oneStatement = !("total" in query) || query.total === undefined;
        const result = this.runner.run(client, query, args);
        const committed = oneStatement ? client.query("COMMIT") : undefined;
        committed?.catch(() => undefined); // awaited below
        const value = await result;
        await opened;
        await (committed ?? client.query("COMMIT"));
        return value;
      } catch (error) {
        if (!isConnectionError(error)) await client.query("ROLLBACK").catch((rollbackError: unknown) => markBroken(rollbackError));
        throw error;
      }
    });
  }

  /**
   * See Driver.emit: a row of the outbox in the open transaction (marked as written, so its events
   * are read and NOTIFYed before COMMIT); outside one, in a transaction of its own.
   */
  async emit(event: string, payload: Record<string, unknown>): Promise<void> {
    const changes = this.changes;
    if (changes === undefined) throw new Error(`data source "${this.config.name}" (${this.flavor.dialect}) keeps no change outbox, so it cannot record EMIT`);
    await changes.ready();
    const open = this.scope.current() ?? this.pinned?.open;
    if (open === undefined) return this.transactionOnce(() => this.emit(event, payload));
    const { text, values } = changes.emitStatement(event, payload);
    (open as { wrote?: boolean }).wrote = true;
    await open.client.query(text, values);
  }

  /** Functions of IN DATABASE actions known to exist in this database (by their hash-bearing name). */
  private readonly routines = new Map<string, Promise<void>>();

  /** See Driver.callAction: the action's function, in the open transaction, under a savepoint. */
  async callAction(routine: { name: string; ddl: string }, args: readonly unknown[]): Promise<unknown> {
    if (this.flavor.dialect !== "postgres") throw new Error(`data source "${this.config.name}" (${this.flavor.dialect}) runs no PL/pgSQL functions; rebuild the app`);
    await this.changes?.ready();
    await this.ensureRoutine(routine);
    const open = this.scope.current() ?? this.pinned?.open;
    if (open === undefined) return this.transactionOnce(() => this.callAction(routine, args));
    // Its writes' events are read and NOTIFYed before COMMIT, as a compiled write's are.
    (open as { wrote?: boolean }).wrote = true;
    const client = open.client;
    await client.query("SAVEPOINT kova_statement");
    try {
      const { rows } = await client.query(`SELECT ${quoteIdent(routine.name)}($1::jsonb) AS result`, [JSON.stringify(args)]);
      await client.query("RELEASE SAVEPOINT kova_statement");
      return (rows[0] as { result: unknown }).result ?? null;
    } catch (error) {
      if (isConnectionError(error)) throw translateError(error, this.config.name);
      await client.query("ROLLBACK TO SAVEPOINT kova_statement").catch(() => undefined);
      throw actionFailure(error, this.config.name, this.entities);
    }
  }

  /**
   * Creates the function when the database does not have it yet (an app started before
   * `kova migrate` wrote it): once per process and name, in a transaction of its own, serialised
   * with other processes doing the same by an advisory lock.
   */
  private ensureRoutine(routine: { name: string; ddl: string }): Promise<void> {
    let made = this.routines.get(routine.name);
    if (made === undefined) {
      made = this.withClient(async (client) => {
        const exists = await client.query("SELECT to_regproc($1) IS NOT NULL AS present", [quoteIdent(routine.name)]);
        if ((exists.rows[0] as { present: boolean }).present) return;
        await client.query("BEGIN");
        try {
          await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [routine.name]);
          await client.query(routine.ddl);
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw error;
        }
      });
      made.catch(() => this.routines.delete(routine.name));
      this.routines.set(routine.name, made);
    }
    return made;
  }

  /** Runs `work` in one transaction; inside one already (an endpoint's), it joins it. */
  transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    const open = this.scope.current();
    if (open !== undefined) return work(transactionExecutor(open, (query, args) => this.runInTransaction(open, query as PgCompiledQuery, args)));
    if (this.pinned !== undefined) return this.inSavepoint(this.pinned, work);
    return this.transactionOnce(work);
  }

  async isolate(): Promise<TestIsolation> {
    if (this.pinned !== undefined) throw new Error(`data source "${this.config.name}" is already inside a test transaction`);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held!: Promise<void>;
    // One connection held for the whole test: BEGIN now, ROLLBACK when the test ends.
    const client = await new Promise<PgSession>((resolve, reject) => {
      held = this.withClient(async (session) => {
        await session.query("BEGIN");
        resolve(session);
        await released;
        await session.query("ROLLBACK");
      });
      held.catch(reject);
    });
    const pinned: PinnedTransaction = { open: { client, finished: false }, savepoints: 0, turn: Promise.resolve() };
    this.pinned = pinned;
    return {
      rollback: async () => {
        if (this.pinned === pinned) this.pinned = undefined;
        await pinned.turn;
        pinned.open.finished = true;
        release();
        await held;
      },
    };
  }

  /** A transaction inside a test's transaction: a savepoint, rolled back alone when `work` fails; one at a time. */
  private inSavepoint<T>(pinned: PinnedTransaction, work: (tx: Executor) => Promise<T>): Promise<T> {
    const { open } = pinned;
    const run = async (): Promise<T> => {
      const name = `kova_test_${++pinned.savepoints}`;
      await open.client.query(`SAVEPOINT ${name}`);
      try {
        const result = await this.scope.run(open, () => work(transactionExecutor(open, (query, args) => this.runInTransaction(open, query as PgCompiledQuery, args))));
        await open.client.query(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (error) {
        if (!isConnectionError(error)) await open.client.query(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => undefined);
        // A kova.tenant set inside the savepoint is undone with it.
        (open as { tenant?: string }).tenant = undefined;
        const fromDatabase = (error as { code?: unknown } | null)?.code !== undefined || isConnectionError(error);
        throw fromDatabase ? translateError(error, this.config.name) : error;
      }
    };
    const result = pinned.turn.then(run, run);
    pinned.turn = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** The statement that opens a transaction (CockroachDB's driver states SERIALIZABLE). */
  protected beginStatement(): string {
    return "BEGIN";
  }

  /** Whether the running async code is inside one of this driver's transactions. */
  protected inTransaction(): boolean {
    return this.scope.current() !== undefined;
  }

  /**
   * One statement inside a transaction, under a savepoint: when it fails (a 409, a 400) PostgreSQL
   * would otherwise abort the whole transaction, while the embedded store lets the work go on after
   * catching the error. The savepoint undoes just the failed statement, so both behave alike.
   */
  private async runInTransaction(open: { client: PgSession; wrote?: boolean; tenant?: string }, query: PgCompiledQuery, args: readonly unknown[]): Promise<unknown> {
    const client = open.client;
    if (query.kind !== "select" && query.kind !== "history") open.wrote = true;
    // TENANT BY: the caller's tenant, for the row-level security policies (pg-schema.ts
    // tenantPolicyDdl), set once per transaction and tenant (SET LOCAL: it ends with the transaction).
    const tenant = query.plan.tenant === undefined ? undefined : String(operandValue(query.plan.tenant, args) ?? "");
    if (tenant !== undefined && open.tenant !== tenant) {
      await client.query(`SELECT set_config('${TENANT_SETTING}', $1, true)`, [tenant]);
      open.tenant = tenant;
    }
    await client.query("SAVEPOINT kova_statement");
    try {
      const result = await this.runner.run(client, query, args);
      await client.query("RELEASE SAVEPOINT kova_statement");
      return result;
    } catch (error) {
      if (!isConnectionError(error)) await client.query("ROLLBACK TO SAVEPOINT kova_statement").catch(() => undefined);
      throw error;
    }
  }

  /** BEGIN, the work, COMMIT on one connection; ROLLBACK when the work fails. */
  protected async transactionOnce<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    const changes = this.changes;
    let events: ChangeEvent[] = [];
    const result = await this.withClient(async (client, markBroken) => {
      const open: OpenTransaction & { client: PgSession; wrote?: boolean } = { client, finished: false };
      const tx = transactionExecutor(open, (query, args) => this.runInTransaction(open, query as PgCompiledQuery, args));
      try {
        await client.query(this.beginStatement());
        const result = await this.scope.run(open, () => work(tx));
        if (changes?.recording === true && open.wrote === true) events = await changes.inTransaction(async (text, values) => (await client.query(text, values)).rows);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        if (!isConnectionError(error)) await client.query("ROLLBACK").catch((rollbackError: unknown) => markBroken(rollbackError));
        // The work's own errors (an ERROR's HttpError, a 409 already translated) pass through as they are.
        const fromDatabase = (error as { code?: unknown } | null)?.code !== undefined || isConnectionError(error);
        throw fromDatabase ? translateError(error, this.config.name) : error;
      } finally {
        open.finished = true;
      }
    });
    // After the commit (and the connection's release): the change feed, before the caller answers.
    if (events.length > 0) await changes!.deliver(events);
    return result;
  }

  /** The pool's connections and the database's size, for metrics. */
  async stats(): Promise<DriverStats> {
    const pool = this.ready();
    const result = await pool.query("SELECT pg_database_size(current_database()) AS size");
    return { pool: pool.counts(), sizeBytes: Number((result.rows[0] as { size: string | number }).size) };
  }

  async health(): Promise<HealthReport> {
    const where = `${this.flavor.dialect} ${this.address}`;
    try {
      const pool = this.ready();
      await pool.query("SELECT 1");
      const counts = pool.counts();
      return { ok: true, detail: `${where} (pool: ${counts.total} open, ${counts.idle} idle, ${counts.waiting} waiting)` };
    } catch (error) {
      return { ok: false, detail: `${where}: ${reasonOf(error)}` };
    }
  }

  /** Waits for checked-out connections (running statements, open transactions), then closes all. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }
}

export function createPostgresDriver(config: DriverConfig): PostgresDriver {
  return new PostgresDriver(config);
}

/**
 * A failure inside an action's function: the step is in the hint (`kova step N`); an `ERROR status`
 * step raised SQLSTATE KV<status> with its detail; any other error is mapped as a statement's is,
 * with the entity of the table it names (a UNIQUE violation is the same 409 as in JS).
 */
function actionFailure(error: unknown, source: string, entities: EntitySchemas): unknown {
  const pg = (error ?? {}) as { code?: string; hint?: string; message?: string; table_name?: string };
  const step = /^kova step (\d+)$/.exec(pg.hint ?? "");
  const status = /^KV(\d{3})$/.exec(pg.code ?? "");
  const failure = status !== null ? Object.assign(new Error(pg.message ?? ""), { kovaStatus: Number(status[1]) }) : translateError(error, source, pg.table_name ? entities.byTable(pg.table_name) : undefined);
  if (step !== null && typeof failure === "object" && failure !== null) (failure as { kovaStep?: number }).kovaStep = Number(step[1]);
  return failure;
}
