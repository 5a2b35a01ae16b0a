/**
 * The options of `CONNECT db USING postgres(…)`: a URL string, or an object with a url or the
 * connection's parts, plus pool, timeout and retry settings. Defaults suit a small app server.
 */
import type pg from "pg";
import { readServerOptions, tlsConnectionOptions, type DriverConfig, type ServerOptions } from "@kova/query";

/** Defaults: pool of 10, idle 30 s, statements 30 s, 5 connect tries (~5 s), 3 s per attempt. */
export interface PostgresOptions extends ServerOptions {
  /** The schema tables live in (search_path); default the server's (usually `public`). */
  schema?: string;
  /** Shown in pg_stat_activity (default "kova"). */
  applicationName?: string;
  /** Passed to node-postgres as is (true, or tls options); `tls` (every server driver's setting) is preferred. */
  ssl?: boolean | Record<string, unknown>;
}

export function readOptions(config: DriverConfig): PostgresOptions {
  return readServerOptions<PostgresOptions>(config, "postgres");
}

const SEARCH_PATH_SAFE = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** node-postgres pool settings for the options. */
export function poolConfig(options: PostgresOptions, types: pg.CustomTypesConfig, source = "db"): pg.PoolConfig {
  const config: pg.PoolConfig = {
    max: options.pool?.max ?? 10,
    idleTimeoutMillis: options.pool?.idleTimeoutMs ?? 30_000,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 3_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    application_name: options.applicationName ?? "kova",
    types,
  };
  if (options.url !== undefined) config.connectionString = options.url;
  if (options.host !== undefined) config.host = options.host;
  if (options.port !== undefined) config.port = options.port;
  if (options.user !== undefined) config.user = options.user;
  if (options.password !== undefined) config.password = options.password;
  if (options.database !== undefined) config.database = options.database;
  if (options.ssl !== undefined) config.ssl = options.ssl as pg.PoolConfig["ssl"];
  // Verified unless `verify: false` (query/src/tls-options.ts); in a URL, sslmode=require or
  // verify-full with sslrootcert=<file> is node-postgres's own and verifies as well.
  const tls = tlsConnectionOptions(options.tls, source);
  if (tls !== undefined) config.ssl = tls;
  if (options.schema !== undefined) {
    // Sent in the startup packet, so every pooled connection starts in the schema.
    if (!SEARCH_PATH_SAFE.test(options.schema)) throw new Error(`schema "${options.schema}" must be a plain identifier (letters, digits, _)`);
    config.options = `-c search_path=${options.schema}`;
  }
  // Intervals (`duration` fields) are read and written as ISO 8601 (P1DT2H30M), Kova's canonical form.
  config.options = `${config.options === undefined ? "" : `${config.options} `}-c intervalstyle=iso_8601`;
  return config;
}

/** Where the data source is, for messages: never the password. */
export function describeAddress(options: PostgresOptions, scheme = "postgres"): string {
  let host = options.host;
  let port = options.port === undefined ? undefined : String(options.port);
  let user = options.user;
  let database = options.database;
  if (options.url !== undefined) {
    try {
      const url = new URL(options.url);
      host ??= decodeURIComponent(url.hostname) || undefined;
      port ??= url.port || undefined;
      user ??= decodeURIComponent(url.username) || undefined;
      database ??= decodeURIComponent(url.pathname.replace(/^\//, "")) || undefined;
    } catch {
      return options.url.replace(/:\/\/([^:@/]*):[^@/]*@/, "://$1@");
    }
  }
  host ??= process.env.PGHOST ?? "localhost";
  port ??= process.env.PGPORT ?? "5432";
  return `${scheme}://${user === undefined ? "" : `${user}@`}${host}:${port}/${database ?? ""}`;
}
