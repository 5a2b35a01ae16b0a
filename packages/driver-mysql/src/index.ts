/**
 * @kova/driver-mysql: Kova's driver for MySQL 8 and MariaDB 10.6+, on mysql2. Its one entry for
 * the toolchain is `driverPackage` (names "mysql" and "mariadb").
 */
import type { DriverPackage } from "@kova/query";
import { createMysqlDriver } from "./mysql-driver.js";
import { mysqlDialect } from "./mysql-dialect.js";
import { mysqlMigrations } from "./mysql-migrations.js";

export { mysqlDialect } from "./mysql-dialect.js";
export { compileMysql } from "./mysql-query-compiler.js";
export { createMysqlDriver, MysqlDriver } from "./mysql-driver.js";
export type { MysqlOptions } from "./mysql-options.js";
export { ddlFor, tableStatesOf, migrateSchema, SCHEMA_TABLE, DEFAULT_COLLATION, type DdlOptions, type TableState } from "./mysql-schema.js";
export type { MysqlCompiledQuery, CompiledRead, CompiledWrite, Param, Encoding, Statement, ResultColumn } from "./mysql-compiled.js";

export { mysqlMigrations } from "./mysql-migrations.js";

export const driverPackage: DriverPackage = {
  names: ["mysql", "mariadb"],
  dialect: mysqlDialect,
  createDriver: createMysqlDriver,
  migrations: mysqlMigrations,
};
