/**
 * What `CONNECT cache USING redis(…)` accepts: a URL string (redis://[user:password@]host:port/db),
 * or an options object.
 */
import type { ConnectionOptions } from "node:tls";
import { tlsConnectionOptions, type DriverConfig, type TlsSetting } from "@kova/query";

export interface RedisOptions {
  url?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  /** The logical database number. */
  database?: number;
  /** Prepended to every key, so several apps (or test runs) can share one Redis. */
  keyPrefix?: string;
  /** Per-command time limit in ms. Default 5000. */
  statementTimeoutMs?: number;
  /** Connection attempts before connect() gives up. Default 5 (about 5 s in all). */
  connectRetries?: number;
  /** TLS (verified unless `verify: false`, see @kova/query tls-options); a rediss:// URL turns it on. */
  tls?: TlsSetting;
}

export interface ResolvedRedisOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  keyPrefix: string;
  statementTimeoutMs: number;
  connectRetries: number;
  /** host:port, for messages (never the password). */
  address: string;
  tls?: ConnectionOptions;
}

export function resolveOptions(config: DriverConfig): ResolvedRedisOptions {
  const raw = config.options;
  let options: RedisOptions;
  if (raw === undefined || raw === null || raw === "") options = {};
  else if (typeof raw === "string") options = { url: raw };
  else if (typeof raw === "object" && !Array.isArray(raw)) options = raw as RedisOptions;
  else throw new Error(`data source "${config.name}": redis options must be a URL string or an object`);
  let host = options.host ?? "127.0.0.1";
  let port = options.port ?? 6379;
  let username = options.user;
  let password = options.password;
  let db = options.database ?? 0;
  let tlsSetting = options.tls;
  if (options.url !== undefined) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new Error(`data source "${config.name}": "${options.url.replace(/:[^:@/]*@/, ":***@")}" is not a redis:// URL`);
    }
    if (url.protocol !== "redis:" && url.protocol !== "rediss:") throw new Error(`data source "${config.name}": only redis:// and rediss:// (TLS) URLs are supported (got ${url.protocol})`);
    if (url.protocol === "rediss:") tlsSetting ??= true;
    host = url.hostname || host;
    port = url.port === "" ? port : Number(url.port);
    if (url.username !== "") username = decodeURIComponent(url.username);
    if (url.password !== "") password = decodeURIComponent(url.password);
    if (url.pathname.length > 1) db = Number(url.pathname.slice(1));
  }
  return {
    host,
    port,
    username,
    password,
    db,
    keyPrefix: options.keyPrefix ?? "",
    statementTimeoutMs: options.statementTimeoutMs ?? 5000,
    connectRetries: Math.max(1, options.connectRetries ?? 5),
    address: `${host}:${port}`,
    tls: tlsConnectionOptions(tlsSetting, config.name),
  };
}
