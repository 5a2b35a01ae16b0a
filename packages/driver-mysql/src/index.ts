/**
 * @kova/driver-mysql: Kova's driver for MySQL 8 and MariaDB 10.6+, on mysql2. Importing it
 * registers the driver as "mysql" and "mariadb".
 */
import { registerDriver } from "@kova/query";
import { createMysqlDriver } from "./mysql-driver.js";
import { mysqlDialect } from "./mysql-dialect.js";

export { mysqlDialect } from "./mysql-dialect.js";
export { compileMysql } from "./mysql-query-compiler.js";
export { createMysqlDriver, MysqlDriver } from "./mysql-driver.js";
export type { MysqlOptions } from "./mysql-options.js";
export { ddlFor, tableStatesOf, migrateSchema, SCHEMA_TABLE, DEFAULT_COLLATION, type DdlOptions, type TableState } from "./mysql-schema.js";
export type { MysqlCompiledQuery, CompiledRead, CompiledWrite, Param, Encoding, Statement, ResultColumn } from "./mysql-compiled.js";

registerDriver("mysql", createMysqlDriver);
registerDriver("mariadb", createMysqlDriver);

/** The dialects `kova build` uses for the driver names this package serves. */
export const dialects = { mysql: mysqlDialect, mariadb: mysqlDialect };

export { mysqlMigrations } from "./mysql-migrations.js";
import { mysqlMigrations } from "./mysql-migrations.js";
/** What `kova migrate` uses to write migration files for the driver names this package serves. */
export const migrations = { mysql: mysqlMigrations, mariadb: mysqlMigrations };
