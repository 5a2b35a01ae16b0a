/**
 * The embedded store's parts that run anywhere SQLite does (no Node built-ins, no better-sqlite3):
 * the dialect, the runner of compiled statements, the schema migration, on the SqliteDatabase
 * interface. The Node driver (sqlite-driver.ts) uses them on better-sqlite3; the playground uses
 * them on SQLite WASM in the browser.
 */
export { sqliteDialect } from "./sqlite-dialect.js";
export { QueryRunner } from "./sqlite-runner.js";
export { migrateSchema, lastRecordedInstant } from "./sqlite-schema.js";
export type { SqliteDatabase, SqliteRunResult, SqliteStatement, SqliteTransaction } from "./sqlite-database.js";
export type { SqliteCompiledQuery } from "./sqlite-compiled.js";
