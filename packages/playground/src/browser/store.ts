/**
 * The playground's store: the embedded store's runner and schema migration on SQLite WASM, kept
 * in the browser's Origin Private File System (the OPFS "SAH pool" VFS: durable, written page by
 * page, no COOP/COEP headers needed, in a worker only) so a reload keeps the data. When the
 * browser's storage is unavailable (a private window, no OPFS, storage refused), the store opens
 * in memory and says why, and the app keeps running.
 */
import sqlite3InitModule from "@sqlite.org/sqlite-wasm";
import { EntitySchemas, type EntitySchema } from "@kova/query";
import { lastRecordedInstant, migrateSchema, QueryRunner, type SqliteCompiledQuery } from "@kova/driver-embedded/portable";
import { WasmDatabase } from "./wasm-database.js";

export type Persistence = "opfs" | "memory";

export interface StoreStatus {
  persistence: Persistence;
  /** Why the data is only in memory, for the page to say. */
  problem?: string;
}

/**
 * A failed start releases the handles it took (preserveOnInitFailure) and may be tried again
 * (forceReinitIfPreviouslyFailed, an option the package's types do not list yet).
 */
const POOL_OPTIONS = { name: "kova-playground", preserveOnInitFailure: true, forceReinitIfPreviouslyFailed: true };

export class BrowserStore {
  private readonly schemas = new EntitySchemas("main");
  private runner: QueryRunner<WasmDatabase>;

  private constructor(
    readonly db: WasmDatabase,
    readonly status: StoreStatus,
  ) {
    this.runner = new QueryRunner(db, lastRecordedInstant(db), this.schemas);
  }

  /**
   * Opens the store in OPFS under `file`, or in memory when the browser's storage is unavailable.
   * `waitMs`: how long to keep trying while another worker still holds the file (a worker that was
   * just terminated releases its access handles a moment later).
   */
  static async open(file = "/kova-playground.db", waitMs = 0): Promise<BrowserStore> {
    const sqlite3 = await sqlite3InitModule();
    const until = Date.now() + waitMs;
    for (;;) {
      try {
        const pool = await sqlite3.installOpfsSAHPoolVfs(POOL_OPTIONS);
        return new BrowserStore(new WasmDatabase(sqlite3, new pool.OpfsSAHPoolDb(file)), { persistence: "opfs" });
      } catch (error) {
        if (Date.now() < until) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        const why = error instanceof Error ? error.message : String(error);
        return new BrowserStore(WasmDatabase.memory(sqlite3), {
          persistence: "memory",
          problem: `the browser's storage is unavailable (${why}): the data is kept in memory until the page is closed`,
        });
      }
    }
  }

  /** Creates or updates the tables of the program's entities, as `kova run` does at start. */
  migrate(entities: readonly EntitySchema[]): void {
    migrateSchema(this.db, entities);
    this.schemas.remember(entities);
    this.runner.noteInstant(lastRecordedInstant(this.db));
  }

  /** Runs one compiled query with its arguments: the rows, the written record, or a version list. */
  run(query: SqliteCompiledQuery, args: readonly unknown[]): unknown {
    return this.runner.run(query, args);
  }
}
