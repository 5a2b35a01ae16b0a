/**
 * The part of better-sqlite3's API the embedded store's SQL runs on (the runner, the schema
 * migration, the outbox, batch writes). On Node it is better-sqlite3 itself; in the browser the
 * playground implements it on SQLite compiled to WebAssembly, so the same runner runs there.
 * Semantics are better-sqlite3's: parameters are given as values or arrays of values, `raw()`
 * rows are arrays, `pluck()` rows are their first column, and a transaction function called inside
 * another runs as a SAVEPOINT.
 */
export interface SqliteRunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface SqliteStatement {
  /** Whether the statement returns rows. */
  readonly reader: boolean;
  run(...params: unknown[]): SqliteRunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  raw(toggle?: boolean): this;
  pluck(toggle?: boolean): this;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- better-sqlite3's own shape, so that its Database fits
type AnyFunction = (...params: any[]) => unknown;
type ArgumentTypes<F extends AnyFunction> = F extends (...args: infer A) => unknown ? A : never;

/** `db.transaction(fn)`: calls fn in a transaction (a savepoint when nested); `.immediate` takes the write lock first. */
export interface SqliteTransaction<F extends AnyFunction> {
  (...params: ArgumentTypes<F>): ReturnType<F>;
  immediate(...params: ArgumentTypes<F>): ReturnType<F>;
}

export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
  transaction<F extends AnyFunction>(fn: F): SqliteTransaction<F>;
  readonly inTransaction: boolean;
}
