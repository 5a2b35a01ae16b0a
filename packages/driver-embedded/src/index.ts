/**
 * @kova/driver-embedded: Kova's zero-config store on SQLite, with every write versioned.
 * Its one entry for the toolchain is `driverPackage` (names "embedded" and "sqlite").
 */
import type { DriverPackage } from "@kova/query";
import { createEmbeddedDriver } from "./sqlite-driver.js";
import { sqliteDialect } from "./sqlite-dialect.js";
import { sqliteMigrations } from "./sqlite-migrations.js";

export { sqliteDialect } from "./sqlite-dialect.js";
export { compileSqlite } from "./sqlite-query-compiler.js";
export { createEmbeddedDriver, EmbeddedDriver, type EmbeddedOptions } from "./sqlite-driver.js";
export { migrateSchema, SCHEMA_TABLE } from "./sqlite-schema.js";
export { sqliteMigrations } from "./sqlite-migrations.js";
export type { SqliteCompiledQuery, CompiledRead, CompiledWrite, Param, Encoding, Statement, ResultColumn } from "./sqlite-compiled.js";

export const driverPackage: DriverPackage = {
  names: ["embedded", "sqlite"],
  dialect: sqliteDialect,
  createDriver: createEmbeddedDriver,
  migrations: sqliteMigrations,
};

// Opening store files (the driver's own, kova db rekey, @kova/store). Backup files (write, read,
// check, rebuild) are "@kova/driver-embedded/backups": an app loads them only when it backs up.
export { openStore, storeKey, StoreKeyError, looksPlain, applyKey, sqlLiteral, cipherDatabase, CIPHER_PACKAGE } from "./store/open-store.js";
export type { BackupSummary } from "./backup/write-backup.js";

// The table layout, for @kova/store (which reads and writes the same files without compiled queries).
export { historyColumn, historyTable } from "./sqlite-compiled.js";
export { quoteIdent } from "./sqlite-flavour.js";
export { decodeValue } from "./sqlite-values.js";
export { lastRecordedInstant } from "./sqlite-schema.js";
