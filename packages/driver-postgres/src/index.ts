/**
 * @kova/driver-postgres: Kova's PostgreSQL driver on node-postgres, with every write versioned.
 * Importing it registers the driver as "postgres". The CockroachDB package builds on these exports.
 */
import { registerDriver } from "@kova/query";
import { createPostgresDriver } from "./pg-driver.js";
import { postgresDialect as dialect, postgresFlavor } from "./pg-dialect.js";
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
export { quoteIdent, fitIdentifier, HISTORY_SUFFIX } from "./pg-compiled.js";
export type { PgCompiledQuery, PgCompiledRead, PgCompiledWrite, PgStatement, Param, Encoding, ResultColumn, SqlFlavor } from "./pg-compiled.js";

/** The PostgreSQL migration script for `entities` (idempotent statements; see pg-schema.ts). */
export function ddlFor(entities: readonly EntitySchema[]): string[] {
  return ddlForFlavor(entities, postgresFlavor);
}
export { ddlForFlavor };

registerDriver("postgres", createPostgresDriver);

/** The dialects `kova build` uses for the driver names this package serves. */
export const dialects = { postgres: dialect };

import { pgMigrations } from "./pg-migrations.js";
export { pgMigrations };
/** What `kova migrate` uses to write migration files. */
export const migrations = { postgres: pgMigrations(postgresFlavor) };
