import type { EntitySchema, QueryPlan } from "./plan.js";

/**
 * A dialect turns plans into its database's statement form. `compile` is pure and its result is
 * JSON, so `kova build` can run it ahead of time and write the statements into the generated app.
 */
export interface Dialect {
  readonly name: string;
  compile(plan: QueryPlan, entities: ReadonlyMap<string, EntitySchema>): CompiledQuery;
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
 * The package that provides each driver name `CONNECT … USING` may use. `kova build` loads its
 * dialect from there, and the runtime imports it when the driver is not registered yet.
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

const registry = new Map<string, DriverFactory>();

/** Makes a driver available to `CONNECT … USING name(…)`. */
export function registerDriver(name: string, factory: DriverFactory): void {
  registry.set(name, factory);
}

export function getDriverFactory(name: string): DriverFactory | undefined {
  return registry.get(name);
}

export function registeredDrivers(): string[] {
  return [...registry.keys()].sort();
}

/**
 * A query the database could not run for reasons of the request's values (a constraint was
 * violated, a value does not fit the column). The runtime turns it into a 4xx problem response.
 */
export class QueryError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 | 422 | 503,
    readonly field?: string,
  ) {
    super(message);
    this.name = "QueryError";
  }
}
