/**
 * The embedded store's driver: one better-sqlite3 connection to `<appDir>/.kova/data.db`.
 *
 * better-sqlite3 is synchronous, so a statement never interleaves with another; only
 * `transaction()` (whose work is async) needs care: transactions run one after another through a
 * promise queue, and statements from outside a transaction wait until it has finished, so they
 * neither see its uncommitted writes nor end up inside it.
 */
import cluster from "node:cluster";
import { mkdirSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import Database from "better-sqlite3";
import { EntitySchemas, QueryError, type ChangeEvent, type CompiledQuery, type Driver, type DriverConfig, type DriverStats, type EntitySchema, type Executor, type HealthReport } from "@kova/query";
import { applyLedger, LEDGER_TABLE, References, TransactionScope, transactionExecutor, type LedgerSession, type OpenTransaction } from "@kova/sql";
import { sqliteDialect } from "./sqlite-dialect.js";
import type { SqliteCompiledQuery } from "./sqlite-compiled.js";
import { QueryRunner } from "./sqlite-runner.js";
import { lastRecordedInstant, migrateSchema, SCHEMA_TABLE } from "./sqlite-schema.js";
import { BatchWriter } from "./sqlite-batch.js";
import { SqliteTransfer } from "./transfer/sqlite-transfer.js";
import { openStore, storeKey, StoreKeyError } from "./store/open-store.js";
import type { BackupSummary } from "./backup/write-backup.js";
import { Outbox, SqliteChangeOutbox } from "./sqlite-outbox.js";

export interface EmbeddedOptions {
  /** The database file, relative to the app folder, or ":memory:". Default `.kova/data.db`. */
  path?: string;
  /**
   * "normal" (default): synchronous=NORMAL. In WAL mode a commit is in the WAL file when the
   * statement returns, so it survives the process being killed (kill -9, a crash); only a power
   * loss or OS crash may lose the last transactions, never corrupting the database.
   * "full": synchronous=FULL, the WAL is fsynced at every commit, so commits survive power loss too.
   */
  durability?: "normal" | "full";
  /**
   * "exclusive" (default): this process holds the file alone. SQLite then keeps the WAL index in
   * process memory and skips taking file locks per statement, which doubles point-read speed.
   * "shared": other processes (a second app process, the sqlite3 shell) may open the file too.
   */
  locking?: "exclusive" | "shared";
  /**
   * Page cache size in MiB (default 64). SQLite's own default (2 MiB) makes random reads of a
   * table larger than that go to the OS for nearly every row.
   */
  cacheMiB?: number;
  /** How long a statement waits for another connection's lock before failing (ms). Default 5000. */
  busyTimeout?: number;
  /**
   * The key of an encrypted store (AES-256, SQLCipher's format). Default: from the environment,
   * KOVA_DB_KEY, KOVA_DB_KEY_FILE or KOVA_DB_KEY_COMMAND (store/open-store.ts); none: a plain file.
   */
  key?: string;
}

function readOptions(config: DriverConfig): EmbeddedOptions {
  const { options } = config;
  if (options === undefined || options === null || options === "") return {};
  if (typeof options === "string") return { path: options };
  if (typeof options === "object" && !Array.isArray(options)) return options as EmbeddedOptions;
  throw new Error(`data source "${config.name}": the embedded store's options must be a file path or an object`);
}

/** Which transaction (if any) the running async code belongs to. */
const scope = new TransactionScope<OpenTransaction>();

export class EmbeddedDriver implements Driver {
  readonly dialect = sqliteDialect;
  readonly path: string;
  private readonly options: EmbeddedOptions;
  private db: Database.Database | undefined;
  private runner: QueryRunner<Database.Database> | undefined;
  private batch: BatchWriter | undefined;
  private closed = false;
  /** Settles when every queued transaction has finished. */
  private transactions: Promise<unknown> = Promise.resolve();
  private transactionOpen = false;
  /** Identifies the open transaction, so its own work calling `driver.execute` runs inside it. */
  private openTransaction: OpenTransaction | undefined;
  /** The entities migrate() stored (or, when it has not run in this process, the file's own record of them). */
  private readonly entities: EntitySchemas;
  /** WAL for a file; an in-memory database reports MEMORY. */
  private journalMode = "WAL";
  /** Other connections may use the file (locking "shared", or a cluster worker). */
  private shared = false;
  /** Backups run one after another (each checkpoints the file the one before may be copying). */
  private backups: Promise<unknown> = Promise.resolve();
  /** What deleting a record does to the records that refer to it (ON DELETE). */
  private readonly references = new References(sqliteDialect);
  /** Change events, recorded in each write's transaction once the runtime listens. */
  private readonly outbox: Outbox;
  readonly changes: SqliteChangeOutbox;

  constructor(private readonly config: DriverConfig) {
    this.options = readOptions(config);
    this.entities = new EntitySchemas(config.name, (name) => (this.runner === undefined ? undefined : recordedEntity(this.runner.db, name)));
    const path = this.options.path ?? join(".kova", "data.db");
    this.path = path === ":memory:" || isAbsolute(path) ? path : resolve(config.appDir, path);
    this.key = this.options.key ?? storeKey(process.env);
    this.outbox = new Outbox(config.name, () => this.ready().db);
    this.changes = new SqliteChangeOutbox(this.outbox, config.name, (work) => this.withConnection((db) => work(db as Database.Database)));
  }

  /** Export and import (kova db export / import), on this driver's connection. */
  readonly transfer = new SqliteTransfer(
    () => {
      if (this.transactionOpen) throw new Error("export and import cannot run while a transaction is open");
      return this.ready().db;
    },
    () => this.ready().noteInstant(lastRecordedInstant(this.ready().db)),
  );

  /** The key of an encrypted store; undefined for a plain one. */
  readonly key: string | undefined;

  /**
   * Writes a backup file of the store (backup/) on a thread of its own, so the app keeps serving.
   * Waits for an open transaction first, so the copy holds no half-done endpoint; backups run one
   * at a time. A store this process holds alone (locking "exclusive", WAL) cannot be opened by a
   * second connection, so the thread copies its file: the file is first checkpointed whole, and
   * checkpoints stop until the thread has copied it (commits meanwhile go to the WAL only), so the
   * file is one instant. A shared store is copied by the thread's own connection, from a snapshot.
   */
  backup(output: string): Promise<BackupSummary> {
    const run = this.backups.then(async () => {
      await this.idle();
      const db = this.ready().db;
      if (this.path === ":memory:") throw new Error(`data source "${this.config.name}" is in memory: it has no store file to back up`);
      // Loaded on the first backup: an app that never backs up does not load it at start.
      const { writeBackup } = await import("./backup/write-backup.js");
      if (this.shared) return writeBackup({ kind: "snapshot", path: this.path }, output, { key: this.key });
      if (this.journalMode !== "WAL") throw new Error(`data source "${this.config.name}": an online backup needs the store in WAL mode (it is in ${this.journalMode} mode)`);
      return writeBackup({ kind: "file", path: this.path }, output, { key: this.key, onCopied: this.holdStoreFile(db) });
    });
    this.backups = run.catch(() => undefined);
    return run;
  }

  /**
   * Checkpoints the WAL into the store file and stops checkpointing; the function returned starts
   * it again. Until then the file does not change: in WAL mode only a checkpoint writes to it.
   */
  private holdStoreFile(db: Database.Database): () => void {
    const every = Number(db.pragma("wal_autocheckpoint", { simple: true }));
    db.pragma("wal_autocheckpoint = 0");
    const [result] = db.pragma("wal_checkpoint(TRUNCATE)") as Array<{ busy: number; log: number; checkpointed: number }>;
    const restore = (): void => void (this.db === db && db.pragma(`wal_autocheckpoint = ${every}`));
    if (result.busy !== 0 || result.log !== result.checkpointed) {
      restore();
      throw new Error(`data source "${this.config.name}": the store's WAL could not be checkpointed for the backup (${result.checkpointed} of ${result.log} pages)`);
    }
    return restore;
  }

  async connect(): Promise<void> {
    this.openSync();
  }

  private openSync(): QueryRunner<Database.Database> {
    if (this.runner !== undefined) return this.runner;
    if (this.closed) throw new QueryError(`data source "${this.config.name}" is closed`, 503);
    let db: Database.Database | undefined;
    try {
      if (this.path !== ":memory:") mkdirSync(dirname(this.path), { recursive: true });
      // The key is checked (by a read) before any pragma below writes to the file.
      db = openStore(this.path, { key: this.key, timeout: this.options.busyTimeout ?? 5000 });
      // Must precede the first access so the WAL index lives in process memory (see `locking`).
      // Cluster workers (kova run --workers N) share one file, so they cannot hold it exclusively.
      const shared = this.options.locking === "shared" || cluster.isWorker;
      this.shared = shared;
      if (!shared) db.pragma("locking_mode = EXCLUSIVE");
      this.journalMode = String(db.pragma("journal_mode = WAL", { simple: true })).toUpperCase();
      db.pragma(`synchronous = ${this.options.durability === "full" ? "FULL" : "NORMAL"}`);
      db.pragma(`cache_size = ${-Math.round((this.options.cacheMiB ?? 64) * 1024)}`);
      this.runner = new QueryRunner(db, lastRecordedInstant(db), this.entities, shared, this.outbox);
      this.db = db;
      this.batch = new BatchWriter(this.runner);
      return this.runner;
    } catch (error) {
      db?.close();
      if (error instanceof StoreKeyError) throw new StoreKeyError(`data source "${this.config.name}": ${error.message}`);
      const reason = error instanceof Error ? error.message : String(error);
      // By SQLite's error code, not the message: the message quotes the path, which may itself say "locked".
      const code = (error as { code?: unknown }).code;
      const busy = typeof code === "string" && /^SQLITE_(BUSY|LOCKED)/.test(code);
      const hint = busy ? " (another process has it open; use locking: \"shared\" to share it)" : "";
      throw new Error(`cannot open the embedded store of data source "${this.config.name}" at ${this.path}: ${reason}${hint}`);
    }
  }

  private ready(): QueryRunner<Database.Database> {
    if (this.runner === undefined) {
      throw new QueryError(`data source "${this.config.name}" is ${this.closed ? "closed" : "not connected"}`, 503);
    }
    return this.runner;
  }

  async migrate(entities: readonly EntitySchema[]): Promise<void> {
    await this.idle();
    const runner = this.ready();
    migrateSchema(runner.db, entities);
    this.entities.remember(entities);
    this.references.remember(entities);
    runner.noteInstant(lastRecordedInstant(runner.db));
  }

  /** Waits until no transaction is open, so a statement neither reads nor joins uncommitted work. */
  private async idle(): Promise<void> {
    while (this.transactionOpen) await this.transactions;
  }

  async execute(query: CompiledQuery, args: readonly unknown[]): Promise<unknown> {
    // Work inside transaction() that calls the driver instead of its `tx` would otherwise wait for
    // its own transaction to end, forever; it runs inside the transaction instead.
    if (this.transactionOpen && scope.current() !== this.openTransaction) await this.idle();
    if (this.references.guards(query)) {
      // The delete and what it does to the records referring to it: all of it, or nothing.
      return this.transaction(async (tx) => this.references.delete(query, args, (q, a) => tx.execute(q, a)));
    }
    const result = this.ready().run(query as SqliteCompiledQuery, args);
    // A write on its own commits as it returns: its events go out now (inside a transaction, at its commit).
    if (this.outbox.recording && !this.transactionOpen) await this.changes.deliver(this.outbox.take());
    return result;
  }

  /** See Driver.withConnection: the runtime's job queue writes through it, inside the endpoint's transaction. */
  async withConnection<T>(work: (connection: unknown) => T): Promise<T> {
    // Checked again right before `work` runs (synchronously): it never lands in another's transaction.
    while (this.transactionOpen && scope.current() !== this.openTransaction) await this.idle();
    return work(this.ready().db);
  }

  /**
   * See Driver.emit: the event joins the open transaction's change events in the outbox (recorded
   * now, taken at its commit, dropped at its rollback); outside a transaction it commits at once.
   */
  async emit(event: string, payload: Record<string, unknown>): Promise<void> {
    // Taken in the same synchronous turn as the record when no transaction is open: nothing else can record in between.
    const alone = await this.withConnection(() => {
      this.outbox.start();
      this.outbox.record(event, "", "emit", null, Date.now(), null, payload);
      return this.transactionOpen ? undefined : this.outbox.take();
    });
    if (alone !== undefined) await this.changes.deliver(alone);
  }

  /** Runs `work` in one transaction; inside one already (an endpoint's), it joins it. */
  transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    const current = scope.current();
    if (current !== undefined && current === this.openTransaction) {
      const runner = this.ready();
      return work(transactionExecutor(current, async (query, args) => runner.run(query as SqliteCompiledQuery, args)));
    }
    let committed: ChangeEvent[] = [];
    const run = async (): Promise<T> => {
      const runner = this.ready();
      const open: OpenTransaction = { finished: false };
      const tx = transactionExecutor(open, async (query, args) => runner.run(query as SqliteCompiledQuery, args));
      // Prepared once (the runner caches statements by text): every writing endpoint runs these.
      runner.statement("BEGIN IMMEDIATE").run();
      this.transactionOpen = true;
      this.openTransaction = open;
      try {
        const result = await scope.run(open, () => work(tx));
        runner.statement("COMMIT").run();
        committed = this.outbox.take();
        return result;
      } catch (error) {
        if (runner.db.inTransaction) runner.db.exec("ROLLBACK");
        this.outbox.rollbackTo(0);
        throw error;
      } finally {
        open.finished = true;
        this.transactionOpen = false;
        this.openTransaction = undefined;
      }
    };
    const result = this.transactions.then(run);
    this.transactions = result.catch(() => undefined);
    if (!this.outbox.recording) return result;
    // The committed events are taken at once (before the next transaction starts: the queue runs
    // `run`s one after another) and delivered without holding the queue.
    return result.then(async (value) => {
      await this.changes.deliver(committed);
      return value;
    });
  }

  /**
   * Inserts many rows of one entity in one transaction, each validated and versioned like an
   * insert, and returns their ids. Synchronous, for bulk loads and benchmarks.
   */
  writeBatch(entity: string, rows: readonly unknown[]): number[] {
    this.ready();
    if (this.transactionOpen) throw new Error("writeBatch cannot run while a transaction is open");
    const ids = this.batch!.write(this.entities.get(entity), rows);
    // Committed: the batch's events go to the change feed like single writes' (its subscribers are
    // told synchronously, in this call; the durable consumers after it).
    if (this.outbox.recording) void this.changes.deliver(this.outbox.take());
    return ids;
  }

  /** Runs pending `kova migrate` files, each in one transaction, recording them in `_kova_migrations`. */
  async applyMigrations(files: ReadonlyArray<{ name: string; statements: string[] }>): Promise<string[]> {
    await this.idle();
    const db = this.ready().db;
    const session: LedgerSession = {
      exec: async (sql) => void db.exec(sql),
      applied: async () => db.prepare(`SELECT "name" FROM "${LEDGER_TABLE}"`).pluck().all() as string[],
      record: async (name) => void db.prepare(`INSERT INTO "${LEDGER_TABLE}" ("name", "applied_at") VALUES (?, ?)`).run(name, new Date().toISOString()),
      // SQLite has no ADD COLUMN IF NOT EXISTS: the ledger asks here and adds a column only when missing.
      has: async (object, table, name) =>
        object === "column"
          ? db.prepare(`SELECT 1 FROM pragma_table_info(?) WHERE "name" = ?`).get(table, name) !== undefined
          : db.prepare(`SELECT 1 FROM sqlite_master WHERE "type" = 'index' AND "tbl_name" = ? AND "name" = ?`).get(table, name) !== undefined,
    };
    const createTable = `CREATE TABLE IF NOT EXISTS "${LEDGER_TABLE}" ("name" TEXT PRIMARY KEY, "applied_at" TEXT NOT NULL)`;
    // The session's steps are synchronous underneath, so no other statement runs between them.
    return applyLedger(session, files, { createTable, transactional: true, source: this.config.name });
  }

  /** The store's size for metrics: the database file and its write-ahead log. */
  async stats(): Promise<DriverStats> {
    if (this.path === ":memory:") return {};
    const size = (path: string): number => {
      try {
        return statSync(path).size;
      } catch {
        return 0; // no WAL yet (or checkpointed away)
      }
    };
    return { sizeBytes: size(this.path) + size(`${this.path}-wal`) };
  }

  async health(): Promise<HealthReport> {
    const where = this.path === ":memory:" ? ":memory:" : this.path;
    try {
      if (this.transactionOpen) await this.idle();
      const one = this.ready().db.prepare("SELECT 1").pluck().get();
      return { ok: one === 1, detail: `sqlite ${where} (${this.journalMode})` };
    } catch (error) {
      return { ok: false, detail: `sqlite ${where}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.transactions;
    // Backups asked for before closing run to their end: closing checkpoints the WAL into the
    // store file, which a backup thread may be copying.
    await this.backups;
    const db = this.db;
    this.db = undefined;
    this.runner = undefined;
    this.batch = undefined;
    db?.close();
  }
}

export function createEmbeddedDriver(config: DriverConfig): EmbeddedDriver {
  return new EmbeddedDriver(config);
}

/** An entity as the file records it (`_kova_schema`), for a process that did not run migrate(). */
function recordedEntity(db: Database.Database, name: string): EntitySchema | undefined {
  const row = db.prepare(`SELECT "table", fields FROM ${SCHEMA_TABLE} WHERE entity = ?`).get(name) as { table: string; fields: string } | undefined;
  return row === undefined ? undefined : { name, table: row.table, fields: JSON.parse(row.fields) };
}
