/**
 * @kova/driver-postgres: Kova's PostgreSQL driver on postgres.js, with every write versioned.
 * Its one entry for the toolchain is `driverPackage` (name "postgres"); the CockroachDB package
 * builds on the other exports.
 */
import type { DriverPackage } from "@kova/query";
import { createPostgresDriver } from "./pg-driver.js";
import { postgresDialect, postgresFlavor } from "./pg-dialect.js";
import { pgMigrations } from "./pg-migrations.js";
import { ddlFor as ddlForFlavor } from "./pg-schema.js";
import type { EntitySchema } from "@kova/query";

export { postgresDialect, postgresFlavor, compilePostgres } from "./pg-dialect.js";
export { createPgCompiler } from "./pg-query-compiler.js";
export { createPostgresDriver, PostgresDriver } from "./pg-driver.js";
export { describeAddress, type PostgresOptions } from "./pg-options.js";
export { SCHEMA_TABLE, entityDdl, schemaTableDdl } from "./pg-schema.js";
export { isConnectionError, isRetryable, translateError } from "./pg-errors.js";
export { parseInt8, parseTimestamp, kovaTypes } from "./pg-types.js";
export { pgColumnType } from "./pg-values.js";
export { pgSqlFlavour, historyField } from "./pg-flavour.js";
export { quoteIdent, fitIdentifier, HISTORY_SUFFIX } from "./pg-compiled.js";
export type { PgCompiledQuery, PgCompiledRead, PgCompiledWrite, PgStatement, Param, Encoding, ResultColumn, SqlFlavor } from "./pg-compiled.js";

/** The PostgreSQL migration script for `entities` (idempotent statements; see pg-schema.ts). */
export function ddlFor(entities: readonly EntitySchema[]): string[] {
  return ddlForFlavor(entities, postgresFlavor);
}
export { ddlForFlavor };

export { pgMigrations };

export const driverPackage: DriverPackage = {
  names: ["postgres"],
  dialect: postgresDialect,
  createDriver: createPostgresDriver,
  migrations: pgMigrations(postgresFlavor),
};
