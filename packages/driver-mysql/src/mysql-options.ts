/**
 * What `CONNECT db USING mysql(…)` may say: a URL string (`mysql://user:pass@host:3306/db`) or an
 * options object. Turned here into mysql2 pool options plus Kova's own settings.
 */
import type { ConnectionOptions } from "node:tls";
import { tlsConnectionOptions, type DriverConfig, type ServerOptions } from "@kova/query";

/** Defaults: localhost:3306, user root, pool of 10, idle 60 s, statements 30 s, 5 connect tries, 2 s per attempt. */
export type MysqlOptions = ServerOptions;

export interface ResolvedOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  poolMax: number;
  idleTimeoutMs: number;
  statementTimeoutMs: number;
  connectRetries: number;
  connectTimeoutMs: number;
  /** TLS to the server (verified unless `verify: false`); undefined: plain TCP. */
  ssl?: ConnectionOptions;
}

function fail(config: DriverConfig, message: string): never {
  throw new Error(`data source "${config.name}": ${message}`);
}

function fromUrl(config: DriverConfig, text: string): MysqlOptions {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    fail(config, `"${text.replace(/:[^:@/]*@/, ":***@")}" is not a URL like mysql://user:password@host:3306/database`);
  }
  if (url.protocol !== "mysql:" && url.protocol !== "mariadb:") fail(config, `the URL must start with mysql:// or mariadb://, not ${url.protocol}//`);
  const options: MysqlOptions = {
    host: url.hostname || undefined,
    port: url.port === "" ? undefined : Number(url.port),
    user: url.username === "" ? undefined : decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : undefined,
  };
  const timeout = url.searchParams.get("statementTimeoutMs");
  if (timeout !== null) options.statementTimeoutMs = Number(timeout);
  const max = url.searchParams.get("connectionLimit") ?? url.searchParams.get("poolMax");
  if (max !== null) options.pool = { max: Number(max) };
  // ?tls=true: TLS verified against the system CAs (a CA of its own needs the options object).
  const tls = url.searchParams.get("tls") ?? url.searchParams.get("ssl");
  if (tls !== null) options.tls = tls === "true" || tls === "1";
  return options;
}

function nonNegative(config: DriverConfig, name: string, value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) fail(config, `option ${name} must be a non-negative number`);
  return value;
}

export function resolveOptions(config: DriverConfig): ResolvedOptions {
  let raw: MysqlOptions;
  const options = config.options;
  if (typeof options === "string") raw = fromUrl(config, options);
  else if (options !== null && typeof options === "object" && !Array.isArray(options)) {
    const given = options as MysqlOptions;
    raw = given.url === undefined ? given : { ...fromUrl(config, given.url), ...withoutUndefined({ ...given, url: undefined }) };
  } else fail(config, "the mysql driver needs a URL (mysql://user:password@host:3306/database) or an options object");
  const database = raw.database;
  if (database === undefined || database === "") fail(config, "no database named (give it in the URL path or as `database`)");
  const poolMax = nonNegative(config, "pool.max", raw.pool?.max, 10);
  return {
    host: raw.host ?? "localhost",
    port: nonNegative(config, "port", raw.port, 3306),
    user: raw.user ?? "root",
    password: raw.password ?? "",
    database,
    poolMax: Math.max(1, Math.floor(poolMax)),
    idleTimeoutMs: nonNegative(config, "pool.idleTimeoutMs", raw.pool?.idleTimeoutMs, 60_000),
    statementTimeoutMs: nonNegative(config, "statementTimeoutMs", raw.statementTimeoutMs, 30_000),
    connectRetries: Math.max(1, Math.floor(nonNegative(config, "connectRetries", raw.connectRetries, 5))),
    connectTimeoutMs: nonNegative(config, "connectTimeoutMs", raw.connectTimeoutMs, 2000),
    ssl: tlsConnectionOptions(raw.tls, config.name),
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The address for messages: user@host:port/database, never the password. */
export function describeAddress(options: ResolvedOptions): string {
  return `${options.user}@${options.host}:${options.port}/${options.database}`;
}
