/**
 * The options of `CONNECT db USING postgres(…)`: a URL string, or an object with a url or the
 * connection's parts, plus pool, timeout and retry settings. Defaults suit a small app server.
 */
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import type postgres from "postgres";
import { readServerOptions, tlsConnectionOptions, type DriverConfig, type ServerOptions } from "@kova/query";
import { kovaTypes } from "./pg-types.js";

/** Defaults: pool of 10, idle 30 s, statements 30 s, 5 connect tries (~5 s), 3 s per attempt. */
export interface PostgresOptions extends ServerOptions {
  /** The schema tables live in (search_path); default the server's (usually `public`). */
  schema?: string;
  /**
   * A role every connection takes as it opens (`SET ROLE`, sent in the startup packet, like the
   * schema): each statement is checked against that role's privileges, not the login role's. The
   * login role must be a member of it. `RESET ROLE` returns to it, so no reset of the connection
   * leaves it; the engine gives each tenant's pool its tenant's role (docs/engine.md, "Isolation").
   */
  role?: string;
  /** Shown in pg_stat_activity (default "kova"). */
  applicationName?: string;
  /** true (verified TLS), or node:tls options as they are; `tls` (every server driver's setting) is preferred. */
  ssl?: boolean | Record<string, unknown>;
}

export function readOptions(config: DriverConfig): PostgresOptions {
  return readServerOptions<PostgresOptions>(config, "postgres");
}

const SEARCH_PATH_SAFE = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** The URL's own TLS parameters (libpq's), read here so they mean what they mean to libpq and node-postgres. */
const URL_TLS_PARAMS = ["sslmode", "sslrootcert", "ssl"];

/**
 * A URL's `sslmode`: `require`, `verify-ca` and `verify-full` verify the server's certificate (against
 * `sslrootcert=<file>` when given), as node-postgres did; `no-verify` encrypts without verifying;
 * `disable` is plain TCP. (postgres.js alone would take `require` as "encrypt, trust anything".)
 */
function urlTls(url: string, source: string): { url: string; ssl?: ConnectionOptions | false } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url };
  }
  const mode = parsed.searchParams.get("sslmode") ?? (parsed.searchParams.get("ssl") === "true" ? "require" : undefined);
  const rootCert = parsed.searchParams.get("sslrootcert");
  if (mode === undefined && rootCert === null) return { url };
  for (const key of URL_TLS_PARAMS) parsed.searchParams.delete(key);
  const rest = parsed.toString();
  if (mode === "disable") return { url: rest, ssl: false };
  const ssl: ConnectionOptions = { rejectUnauthorized: mode !== "no-verify" };
  if (rootCert !== null && rootCert !== "system") {
    try {
      ssl.ca = readFileSync(rootCert, "utf8");
    } catch (error) {
      throw new Error(`data source "${source}": cannot read sslrootcert ${rootCert}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  return { url: rest, ssl };
}

/** postgres.js settings for the options, and the URL to give it (if any). */
export function poolConfig(options: PostgresOptions, source = "db"): { url?: string; options: postgres.Options<any> } {
  const connection: Record<string, string> = {
    application_name: options.applicationName ?? "kova",
    statement_timeout: String(options.statementTimeoutMs ?? 30_000),
  };
  const config: postgres.Options<any> = {
    max: options.pool?.max ?? 10,
    idle_timeout: (options.pool?.idleTimeoutMs ?? 30_000) / 1000,
    connect_timeout: (options.connectTimeoutMs ?? 3_000) / 1000,
    // Statements are prepared once per connection and reused (the driver's compiled queries).
    prepare: true,
    // Array types' oids, so list fields' arrays are read and written by their element's rules.
    fetch_types: true,
    types: kovaTypes as unknown as postgres.Options<any>["types"],
    // NOTICEs (CREATE … IF NOT EXISTS that exists) are not errors; postgres.js would print them.
    onnotice: () => undefined,
    connection: connection as postgres.Options<any>["connection"],
  };
  let url = options.url;
  if (url !== undefined) {
    const fromUrl = urlTls(url, source);
    url = fromUrl.url;
    if (fromUrl.ssl !== undefined) config.ssl = fromUrl.ssl;
  }
  if (options.host !== undefined) config.host = options.host;
  if (options.port !== undefined) config.port = options.port;
  if (options.user !== undefined) config.user = options.user;
  if (options.password !== undefined) config.password = options.password;
  if (options.database !== undefined) config.database = options.database;
  if (options.ssl !== undefined) config.ssl = options.ssl === true ? { rejectUnauthorized: true } : (options.ssl as postgres.Options<any>["ssl"]);
  // Verified unless `verify: false` (query/src/tls-options.ts).
  const tls = tlsConnectionOptions(options.tls, source);
  if (tls !== undefined) config.ssl = tls;
  if (options.schema !== undefined) {
    // Sent in the startup packet, so every pooled connection starts in the schema.
    if (!SEARCH_PATH_SAFE.test(options.schema)) throw new Error(`schema "${options.schema}" must be a plain identifier (letters, digits, _)`);
    connection.search_path = options.schema;
  }
  if (options.role !== undefined) {
    if (!SEARCH_PATH_SAFE.test(options.role)) throw new Error(`role "${options.role}" must be a plain identifier (letters, digits, _)`);
    connection.role = options.role;
  }
  // Intervals (`duration` fields) are read and written as ISO 8601 (P1DT2H30M), Kova's canonical form.
  connection.intervalstyle = "iso_8601";
  return { url, options: config };
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
