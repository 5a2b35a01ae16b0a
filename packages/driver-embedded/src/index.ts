/**
 * @kova/driver-embedded: Kova's zero-config store on SQLite, with every write versioned.
 * Importing it registers the driver as "embedded" and "sqlite".
 */
import { registerDriver } from "@kova/query";
import { createEmbeddedDriver } from "./sqlite-driver.js";

export { sqliteDialect } from "./sqlite-dialect.js";
export { compileSqlite } from "./sqlite-query-compiler.js";
export { createEmbeddedDriver, EmbeddedDriver, type EmbeddedOptions } from "./sqlite-driver.js";
export { migrateSchema, SCHEMA_TABLE } from "./sqlite-schema.js";
export type { SqliteCompiledQuery, CompiledRead, CompiledWrite, Param, Encoding, Statement, ResultColumn } from "./sqlite-compiled.js";

registerDriver("embedded", createEmbeddedDriver);
registerDriver("sqlite", createEmbeddedDriver);

import { sqliteDialect as dialect } from "./sqlite-dialect.js";
/** The dialects `kova build` uses for the driver names this package serves. */
export const dialects = { embedded: dialect, sqlite: dialect };
export { sqliteMigrations } from "./sqlite-migrations.js";
import { sqliteMigrations } from "./sqlite-migrations.js";
/** What `kova migrate` uses to write migration files, per driver name. */
export const migrations = { embedded: sqliteMigrations, sqlite: sqliteMigrations };
