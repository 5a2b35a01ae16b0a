/**
 * @kova/driver-cockroach: Kova's CockroachDB driver, built on @kova/driver-postgres. Importing it
 * registers the driver as "cockroach".
 */
import { registerDriver } from "@kova/query";
import { createCockroachDriver } from "./cockroach-driver.js";
import { cockroachDialect as dialect } from "./cockroach-dialect.js";

export { cockroachDialect, cockroachFlavor, compileCockroach, sequenceName } from "./cockroach-dialect.js";
export { CockroachDriver, createCockroachDriver, retryDelay, type CockroachOptions } from "./cockroach-driver.js";
export { ddlFor } from "./cockroach-schema.js";

registerDriver("cockroach", createCockroachDriver);

/** The dialects `kova build` uses for the driver names this package serves. */
export const dialects = { cockroach: dialect };

import { pgMigrations } from "@kova/driver-postgres";
import { cockroachFlavor } from "./cockroach-dialect.js";
/** What `kova migrate` uses to write migration files (the PostgreSQL generator with CockroachDB's DDL). */
export const migrations = { cockroach: pgMigrations(cockroachFlavor) };
