/**
 * The embedded store's database API (@kova/driver-embedded's SqliteDatabase: better-sqlite3's
 * semantics) on SQLite compiled to WebAssembly (@sqlite.org/sqlite-wasm), so that the store's own
 * runner, schema migration and outbox run in the browser unchanged. The sqlite3 module is passed
 * in: the page loads the browser build (with OPFS), the tests in Node load the Node build.
 */
import type { BindableValue, Database, PreparedStatement, SqlValue, Sqlite3Static } from "@sqlite.org/sqlite-wasm";
import type { SqliteDatabase, SqliteRunResult, SqliteStatement, SqliteTransaction } from "@kova/driver-embedded/portable";

/** An error as better-sqlite3 throws it: `code` is SQLite's (extended) result code name, e.g. SQLITE_CONSTRAINT_UNIQUE. */
export class SqliteWasmError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = "SqliteError";
  }
}

type RowMode = "object" | "raw" | "pluck";

export class WasmDatabase implements SqliteDatabase {
  private savepoints = 0;

  constructor(
    private readonly sqlite3: Sqlite3Static,
    readonly db: Database,
  ) {
    // better-sqlite3 reports extended codes (SQLITE_CONSTRAINT_UNIQUE, not SQLITE_CONSTRAINT); the runner reads them.
    sqlite3.capi.sqlite3_extended_result_codes(db, 1);
  }

  /** An in-memory database (the fallback when the browser's storage is unavailable, and the tests'). */
  static memory(sqlite3: Sqlite3Static): WasmDatabase {
    return new WasmDatabase(sqlite3, new sqlite3.oo1.DB(":memory:", "c"));
  }

  get inTransaction(): boolean {
    return this.sqlite3.capi.sqlite3_get_autocommit(this.db) === 0;
  }

  prepare(sql: string): SqliteStatement {
    return this.guard(() => new WasmStatement(this, this.db.prepare(sql)));
  }

  exec(sql: string): this {
    this.guard(() => this.db.exec(sql));
    return this;
  }

  transaction<F extends (...params: never[]) => unknown>(fn: F): SqliteTransaction<F> {
    const run = (begin: string) =>
      (...params: Parameters<F>): ReturnType<F> => {
        if (this.inTransaction) return this.savepoint(() => fn(...params)) as ReturnType<F>;
        this.exec(begin);
        try {
          const result = fn(...params);
          if (result instanceof Promise) throw new TypeError("Transaction function cannot return a promise");
          this.exec("COMMIT");
          return result as ReturnType<F>;
        } catch (error) {
          if (this.inTransaction) this.exec("ROLLBACK");
          throw error;
        }
      };
    const deferred = run("BEGIN");
    return Object.assign(deferred, { immediate: run("BEGIN IMMEDIATE") }) as unknown as SqliteTransaction<F>;
  }

  close(): void {
    this.db.close();
  }

  /** Nested transaction(): a SAVEPOINT, rolled back alone if the inner function throws (as better-sqlite3 does). */
  private savepoint<T>(work: () => T): T {
    const name = `kova_sp_${++this.savepoints}`;
    this.exec(`SAVEPOINT ${name}`);
    try {
      const result = work();
      this.exec(`RELEASE ${name}`);
      return result;
    } catch (error) {
      this.exec(`ROLLBACK TO ${name}`);
      this.exec(`RELEASE ${name}`);
      throw error;
    } finally {
      this.savepoints--;
    }
  }

  /** Runs a call into SQLite, turning its error into one with better-sqlite3's `code`. */
  guard<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      const resultCode = (error as { resultCode?: number }).resultCode;
      if (typeof resultCode !== "number") throw error;
      const message = this.sqlite3.capi.sqlite3_errmsg(this.db) || (error as Error).message;
      throw new SqliteWasmError(message, this.sqlite3.capi.sqlite3_js_rc_str(resultCode) ?? `SQLITE_${resultCode}`);
    }
  }

  runResult(): SqliteRunResult {
    const rowid = this.sqlite3.capi.sqlite3_last_insert_rowid(this.db);
    return { changes: Number(this.db.changes()), lastInsertRowid: toNumber(rowid) as number | bigint };
  }
}

class WasmStatement implements SqliteStatement {
  private mode: RowMode = "object";
  readonly reader: boolean;

  constructor(
    private readonly owner: WasmDatabase,
    private readonly statement: PreparedStatement,
  ) {
    this.reader = statement.columnCount > 0;
  }

  raw(toggle = true): this {
    this.mode = toggle ? "raw" : "object";
    return this;
  }

  pluck(toggle = true): this {
    this.mode = toggle ? "pluck" : "object";
    return this;
  }

  run(...params: unknown[]): SqliteRunResult {
    return this.owner.guard(() => {
      this.bind(params);
      try {
        while (this.statement.step()) {
          // Runs to completion, as better-sqlite3's run() does.
        }
      } finally {
        this.statement.reset(true);
      }
      return this.owner.runResult();
    });
  }

  get(...params: unknown[]): unknown {
    return this.owner.guard(() => {
      this.bind(params);
      try {
        return this.statement.step() ? this.row() : undefined;
      } finally {
        this.statement.reset(true);
      }
    });
  }

  all(...params: unknown[]): unknown[] {
    return this.owner.guard(() => {
      this.bind(params);
      const rows: unknown[] = [];
      try {
        while (this.statement.step()) rows.push(this.row());
      } finally {
        this.statement.reset(true);
      }
      return rows;
    });
  }

  private row(): unknown {
    if (this.mode === "pluck") return toNumber(this.statement.get(0));
    const values = this.statement.get([] as SqlValue[]).map(toNumber);
    if (this.mode === "raw") return values;
    const names = this.statement.getColumnNames();
    const row: Record<string, unknown> = {};
    names.forEach((name, i) => (row[name] = values[i]));
    return row;
  }

  /** better-sqlite3's binding: values or arrays of values (flattened), or one object of named parameters. */
  private bind(params: unknown[]): void {
    const flat: BindableValue[] = [];
    let named: Record<string, BindableValue> | undefined;
    for (const param of params) {
      if (Array.isArray(param)) flat.push(...param.map(bindable));
      else if (param !== null && typeof param === "object" && !(param instanceof Uint8Array)) named = param as Record<string, BindableValue>;
      else flat.push(bindable(param));
    }
    if (named !== undefined) this.statement.bind(named);
    else if (flat.length > 0) this.statement.bind(flat);
  }
}

/** better-sqlite3 refuses booleans and undefined rather than guessing; so does this. */
function bindable(value: unknown): BindableValue {
  if (value === undefined || typeof value === "boolean" || typeof value === "function" || typeof value === "symbol") {
    throw new TypeError(`SQLite3 can only bind numbers, strings, bigints, buffers, and null (got ${typeof value})`);
  }
  return value as BindableValue;
}

/** better-sqlite3 (without safeIntegers) reads integers as numbers. */
function toNumber(value: SqlValue): unknown {
  return typeof value === "bigint" && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}
