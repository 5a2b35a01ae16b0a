import type { DataTransfer } from "./transfer.js";
import type { EntitySchema, QueryPlan } from "./plan.js";
import type { ChangeOutbox } from "./changes.js";
import type { Migrations } from "./schema-diff.js";

/**
 * A dialect turns plans into its database's statement form. `compile` is pure and its result is
 * JSON, so `kova build` can run it ahead of time and write the statements into the generated app.
 */
export interface Dialect {
  readonly name: string;
  /**
   * What the database cannot promise, each with the reason (absent: it can, as SQL databases do).
   * The build refuses programs that would silently lose the guarantee; the runtime reads
   * `transactions` to know whether an endpoint's writes can run in one transaction.
   */
  readonly limits?: DialectLimits;
  /**
   * True when this dialect's driver records change events (Driver.changes): ON handlers and cache
   * invalidation need it, and the build refuses them on entities of a driver without it.
   */
  readonly changeEvents?: boolean;
  compile(plan: QueryPlan, entities: ReadonlyMap<string, EntitySchema>): CompiledQuery;
}

export interface DialectLimits {
  /** No transaction with rollback: each write is atomic alone (Redis; MongoDB, whose transactions depend on the server). */
  readonly transactions?: string;
  /** No declared constraints (composite UNIQUE/INDEX, ON DELETE): the store cannot enforce them. */
  readonly constraints?: string;
  /** No tenant scoping (`TENANT BY`): a scoped SAVE and row-level security are the SQL drivers' (KV2864). */
  readonly tenants?: string;
  /**
   * No ENCRYPTED fields: the driver keeps no table of data keys for them (secrets/data-keys.ts;
   * the build refuses them, KV2974).
   */
  readonly encryption?: string;
}

/** A dialect's compiled statement(s). The shape is the dialect's own; it must be plain JSON. */
export interface CompiledQuery {
  /** The dialect that compiled it (a driver refuses another dialect's statements). */
  dialect: string;
  plan: QueryPlan;
  [detail: string]: unknown;
}

export interface HealthReport {
  ok: boolean;
  /** What was checked or what failed, e.g. "sqlite .kova/data.db (WAL)". */
  detail: string;
}

/** One connection (or pool) to one data source. */
export interface Driver {
  readonly dialect: Dialect;
  /** Opens the connection; rejects with a clear message naming the data source when it cannot. */
  connect(): Promise<void>;
  /** Creates or alters storage for the entities (tables, history tables, indexes). Idempotent. */
  migrate(entities: readonly EntitySchema[]): Promise<void>;
  /** Runs a compiled statement with its arguments (see `Operand` of kind `arg`). */
  execute(query: CompiledQuery, args: readonly unknown[]): Promise<unknown>;
  /** Runs `work` in one transaction: all its writes commit together or none do. */
  transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T>;
  health(): Promise<HealthReport>;
  /**
   * Runs migration files not yet recorded in the database's `_kova_migrations` table, each in one
   * transaction, in order; returns the names applied. Optional: drivers without SQL omit it.
   */
  applyMigrations?(files: ReadonlyArray<{ name: string; statements: string[] }>): Promise<string[]>;
  /** Waits for running statements, then releases every resource. Safe to call twice. */
  close(): Promise<void>;
  /**
   * Runs a Lua script atomically on the server (keys get the driver's key prefix). Optional: only
   * Redis has it; the runtime shares rate limits through it.
   */
  evalScript?(script: string, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown>;
  /**
   * Runs `work` with the driver's own connection (the embedded store's better-sqlite3 database):
   * inside the open transaction when called from its work, else once no transaction is open.
   * Optional: only the embedded store has it; the runtime keeps its job queue there, so a job is
   * written in the same transaction as the endpoint's rows (runtime/src/tasks).
   */
  withConnection?<T>(work: (connection: unknown) => T): Promise<T>;
  /**
   * Reads and writes rows and versions in bulk for `kova db export` / `kova db import`
   * (transfer.ts). Optional: the SQL drivers have it.
   */
  readonly transfer?: DataTransfer;
  /**
   * The change-event outbox: every committed write's event, recorded in its transaction (see
   * changes.ts). Optional: a driver without one reports no change events (ON handlers and cache
   * invalidation then refuse it at start-up).
   */
  readonly changes?: ChangeOutbox;
  /**
   * EMIT: records an ACTION's business event in the change outbox, inside the transaction open in
   * the calling code (the action's; one of its own when none is), so it commits or rolls back with
   * the action's writes and is delivered after the commit like their events (ChangeOp "emit").
   * Optional: the drivers with an outbox have it; the build refuses EMIT on the others (KV2956).
   */
  emit?(event: string, payload: Record<string, unknown>): Promise<void>;
  /**
   * `ACTION … IN DATABASE`: calls the action's PL/pgSQL function (created from `routine.ddl` first
   * when the database lacks it) with the checked inputs as one jsonb array, inside the transaction
   * open in the calling code (one of its own when none is), and resolves to its result. A failing
   * step rejects with `kovaStep` (1-based) set on the error, and for an `ERROR status …` step with
   * `kovaStatus` and the detail as message. Optional: only the PostgreSQL driver has it; the build
   * refuses IN DATABASE on the others (KV2915).
   */
  callAction?(routine: { name: string; ddl: string }, args: readonly unknown[]): Promise<unknown>;
  /**
   * What the store reports to `/_kova/metrics` when scraped: its pool and its size. Optional: a
   * driver without it reports neither.
   */
  stats?(): Promise<DriverStats>;
  /**
   * `kova test --db`: from now on every statement and transaction of this driver runs inside one
   * open transaction (each `transaction()` a savepoint in it, one at a time), which `rollback()`
   * undoes, so a test leaves the database as it found it. Optional: the server SQL drivers have it.
   */
  isolate?(): Promise<TestIsolation>;
}

/** An open test transaction (see `Driver.isolate`). */
export interface TestIsolation {
  /** Undoes everything done since `isolate()` and returns the driver to normal work. */
  rollback(): Promise<void>;
}

/** A data source's numbers for metrics (see `Driver.stats`). */
export interface DriverStats {
  /** Connections of the pool: open in total, idle, and callers waiting for one. */
  pool?: { total: number; idle: number; waiting: number };
  /** Bytes the store takes (the embedded file with its WAL; the database's size on a server). */
  sizeBytes?: number;
}

export type Executor = Pick<Driver, "execute">;

/** Configuration as written in `CONNECT name USING driver(config)` after env() is resolved. */
export interface DriverConfig {
  /** The data source name (`db` in `CONNECT db USING …`), for error messages. */
  name: string;
  /** The folder of the app, for drivers that keep files (the embedded store uses `<appDir>/.kova`). */
  appDir: string;
  /** The driver's own settings: a URL string or an options object. */
  options: unknown;
}

export type DriverFactory = (config: DriverConfig) => Driver;

/**
 * What a driver package exports, as its one export `driverPackage`: everything the toolchain needs
 * from it, typed, with no side effects on import. `kova build` compiles with `dialect`, the runtime
 * connects with `createDriver`, `kova migrate` writes files with `migrations`.
 */
export interface DriverPackage {
  /** The names `CONNECT … USING name(…)` may use for this driver (e.g. "mysql" and "mariadb"). */
  readonly names: readonly string[];
  /** Compiles plans for this driver at build time (one dialect serves all of `names`). */
  readonly dialect: Dialect;
  createDriver(config: DriverConfig): Driver;
  /** Migration files for `kova migrate`; absent for drivers that keep no SQL schema. */
  readonly migrations?: Migrations;
}

/**
 * The package that provides each driver name `CONNECT … USING` may use: the one table of drivers.
 * The checker's list of known drivers, `kova build`, `kova migrate` and the runtime all read it
 * (through `loadDriverPackage`).
 */
export const DRIVER_PACKAGES: Readonly<Record<string, string>> = {
  embedded: "@kova/driver-embedded",
  sqlite: "@kova/driver-embedded",
  postgres: "@kova/driver-postgres",
  cockroach: "@kova/driver-cockroach",
  mysql: "@kova/driver-mysql",
  mariadb: "@kova/driver-mysql",
  mongodb: "@kova/driver-mongodb",
  redis: "@kova/driver-redis",
};

/** Every driver name the table knows, in table order. */
export const DRIVER_NAMES: readonly string[] = Object.keys(DRIVER_PACKAGES);

/** Why `loadDriverPackage` found no driver: it names the package it looked for. */
export class DriverLookupError extends Error {
  constructor(
    message: string,
    readonly driver: string,
    /** The module specifier looked for (`@kova/driver-<name>` for names outside the table). */
    readonly packageName: string,
    /** "missing": the package is not installed; "broken": it failed to load or exports no DriverPackage. */
    readonly reason: "missing" | "broken",
  ) {
    super(message);
    this.name = "DriverLookupError";
  }
}

/** Driver packages provided in-process (tests, embedders) rather than by an installed module. */
const provided = new Map<string, DriverPackage>();
const loaded = new Map<string, Promise<DriverPackage>>();

/** Makes `pkg` answer for its names without a module (a test's in-memory driver, say). */
export function provideDriverPackage(pkg: DriverPackage): void {
  for (const name of pkg.names) provided.set(name, pkg);
}

/** A driver known only by its factory (no dialect): for in-process test drivers. */
export function registerDriver(name: string, factory: DriverFactory): void {
  const dialect: Dialect = {
    name,
    compile: () => {
      throw new Error(`driver "${name}" was registered without a dialect; it runs precompiled queries only`);
    },
  };
  provideDriverPackage({ names: [name], dialect, createDriver: factory });
}

/** Every driver name the table or an in-process package provides, sorted. */
export function knownDrivers(): string[] {
  return [...new Set([...DRIVER_NAMES, ...provided.keys()])].sort();
}

/**
 * THE lookup: the DriverPackage serving `name`. Names outside the table are looked for as
 * `@kova/driver-<name>`, so a third-party driver works once installed. Loads each module once.
 */
export function loadDriverPackage(name: string): Promise<DriverPackage> {
  const local = provided.get(name);
  if (local !== undefined) return Promise.resolve(local);
  let pending = loaded.get(name);
  if (pending === undefined) {
    pending = importDriverPackage(name);
    loaded.set(name, pending);
    // A failed lookup is not remembered: the package may be installed before the next try.
    pending.catch(() => loaded.delete(name));
  }
  return pending;
}

async function importDriverPackage(name: string): Promise<DriverPackage> {
  const specifier = DRIVER_PACKAGES[name] ?? `@kova/driver-${name}`;
  if (DRIVER_PACKAGES[name] === undefined && !/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new DriverLookupError(`no driver named "${name}"`, name, specifier, "missing");
  }
  let module: { driverPackage?: DriverPackage };
  try {
    module = (await import(specifier)) as { driverPackage?: DriverPackage };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const missing = code === "ERR_MODULE_NOT_FOUND" && String((error as Error).message).includes(specifier);
    const why = missing ? "is not installed" : `failed to load: ${(error as Error).message}`;
    throw new DriverLookupError(`driver package ${specifier} ${why}`, name, specifier, missing ? "missing" : "broken");
  }
  const pkg = module.driverPackage;
  if (pkg === undefined || !pkg.names.includes(name)) {
    throw new DriverLookupError(`driver package ${specifier} exports no driverPackage serving "${name}"`, name, specifier, "broken");
  }
  return pkg;
}

/**
 * A query the database could not run for reasons of the request's values (a constraint was
 * violated, a value does not fit the column). The runtime turns it into a 4xx problem response.
 */
export class QueryError extends Error {
  /**
   * The database gave up on this attempt of the transaction (a deadlock, a serialization failure;
   * marked by transactionConflict): the whole transaction may succeed if run again.
   */
  declare retryable?: true;

  constructor(
    message: string,
    readonly status: 400 | 403 | 404 | 409 | 422 | 503,
    readonly field?: string,
    /** Every field a broken constraint names (a composite UNIQUE, say); `field` is the first. */
    readonly fields?: readonly string[],
  ) {
    super(message);
    this.name = "QueryError";
  }
}

/** `error`, marked as the database giving up on this attempt of its transaction (a deadlock, a serialization failure). */
export function transactionConflict(error: QueryError): QueryError {
  error.retryable = true;
  return error;
}

/**
 * Whether `error` says the database gave up on this attempt of a transaction (QueryError.retryable):
 * the runtime runs an endpoint whose effects all stay in its data sources again (runtime atomic.ts).
 */
export function isTransactionConflict(error: unknown): boolean {
  const e = error as { name?: unknown; retryable?: unknown } | null;
  return e !== null && typeof e === "object" && e.name === "QueryError" && e.retryable === true;
}
