/**
 * The embedded store's Driver in the browser: the compiled app's statements run on the store's own
 * runner (BrowserStore, SQLite WASM), as EmbeddedDriver runs them on better-sqlite3. Deletes deal
 * with the records that refer to them (ON DELETE) through the same References as on Node.
 *
 * Transactions need no scope tracking here: the app worker answers one request at a time
 * (app-worker.ts), so everything that runs while a transaction is open is that request's work, and
 * a transaction() inside one joins it.
 */
import type { CompiledQuery, Driver, EntitySchema, Executor, HealthReport } from "@kova/query";
import { sqliteDialect, type SqliteCompiledQuery } from "@kova/driver-embedded/portable";
import { References } from "@kova/sql";
import type { BrowserStore } from "./store.js";

export class BrowserDriver implements Driver {
  readonly dialect = sqliteDialect;
  private readonly references = new References(sqliteDialect);

  constructor(private readonly store: BrowserStore) {}

  async connect(): Promise<void> {}

  async migrate(entities: readonly EntitySchema[]): Promise<void> {
    this.store.migrate(entities);
    this.references.remember(entities);
  }

  async execute(query: CompiledQuery, args: readonly unknown[]): Promise<unknown> {
    if (this.references.guards(query)) {
      // The delete and what it does to the records referring to it: all of it, or nothing.
      return this.transaction((tx) => this.references.delete(query, args, (q, a) => tx.execute(q, a)));
    }
    return this.store.run(query as SqliteCompiledQuery, args);
  }

  async transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    const db = this.store.db;
    if (db.inTransaction) return work(this);
    db.exec("BEGIN IMMEDIATE");
    try {
      const result = await work(this);
      db.exec("COMMIT");
      return result;
    } catch (error) {
      if (db.inTransaction) db.exec("ROLLBACK");
      throw error;
    }
  }

  async health(): Promise<HealthReport> {
    const { persistence } = this.store.status;
    return { ok: true, detail: `sqlite-wasm (${persistence === "opfs" ? "OPFS" : "in memory"})` };
  }

  async close(): Promise<void> {}
}
