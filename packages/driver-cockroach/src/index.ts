/**
 * @kova/driver-cockroach: Kova's CockroachDB driver, built on @kova/driver-postgres. Its one entry
 * for the toolchain is `driverPackage` (name "cockroach").
 */
import type { DriverPackage } from "@kova/query";
import { pgMigrations } from "@kova/driver-postgres";
import { createCockroachDriver } from "./cockroach-driver.js";
import { cockroachDialect, cockroachFlavor } from "./cockroach-dialect.js";

export { cockroachDialect, cockroachFlavor, compileCockroach, sequenceName } from "./cockroach-dialect.js";
export { CockroachDriver, createCockroachDriver, retryDelay, type CockroachOptions } from "./cockroach-driver.js";
export { ddlFor } from "./cockroach-schema.js";

export const driverPackage: DriverPackage = {
  names: ["cockroach"],
  dialect: cockroachDialect,
  createDriver: createCockroachDriver,
  // The PostgreSQL generator with CockroachDB's DDL.
  migrations: pgMigrations(cockroachFlavor),
};
