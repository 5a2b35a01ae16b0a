/**
 * What `CONNECT db USING <driver>(…)` says for a database server, whatever the driver: a URL
 * string, or an object with a url and/or the connection's parts plus pool, timeout and retry
 * settings. Each server driver extends this with its own settings and defaults.
 */
import type { DriverConfig } from "./driver.js";
import type { TlsSetting } from "./tls-options.js";

export interface ServerOptions {
  /** e.g. postgres://user:password@host:port/database (parts given below override it). */
  url?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  pool?: {
    /** Most connections open at once. */
    max?: number;
    /** How long an unused connection stays open (ms). */
    idleTimeoutMs?: number;
  };
  /** A statement running longer is stopped and the request answered 503 (ms; 0 = none). */
  statementTimeoutMs?: number;
  /** How many times connect() tries before giving up. */
  connectRetries?: number;
  /** How long one connection attempt may take (ms). */
  connectTimeoutMs?: number;
  /** TLS to the server, verified by default (see tls-options.ts). */
  tls?: TlsSetting;
}

/** The options as written: nothing → {}, a string → { url }, an object → itself; anything else names the data source. */
export function readServerOptions<T extends ServerOptions>(config: DriverConfig, driver: string): T {
  const { options } = config;
  if (options === undefined || options === null || options === "") return {} as T;
  if (typeof options === "string") return { url: options } as T;
  if (typeof options === "object" && !Array.isArray(options)) return options as T;
  throw new Error(`data source "${config.name}": the options of a ${driver} driver must be a URL string or an object`);
}
