/**
 * What `CONNECT db USING mongodb(…)` accepts: a URL string, or an options object with a url or
 * host/port/user/password/database, pool settings and the retry budget.
 */
import { readServerOptions, type DriverConfig, type ServerOptions } from "@kova/query";

/** Defaults: 127.0.0.1:27017, database "kova", pool of 10, idle 30 s, 30 s per operation, 5 connect tries. */
export interface MongoOptions extends ServerOptions {
  /** "auto" (default): use transactions when the server is a replica set or sharded cluster. */
  transactions?: "auto" | "on" | "off";
}

export interface ResolvedMongoOptions {
  url: string;
  /** host:port list, for messages (never the password). */
  address: string;
  database: string;
  maxPoolSize: number;
  idleTimeoutMs: number;
  statementTimeoutMs: number;
  connectRetries: number;
  transactions: "auto" | "on" | "off";
}

const URL_PARTS = /^(mongodb(?:\+srv)?:\/\/)(?:([^@/]*)@)?([^/?]+)(\/[^?]*)?(\?.*)?$/;

export function resolveOptions(config: DriverConfig): ResolvedMongoOptions {
  const options = readServerOptions<MongoOptions>(config, "mongodb");

  let url = options.url;
  if (url === undefined) {
    const auth = options.user !== undefined ? `${encodeURIComponent(options.user)}:${encodeURIComponent(options.password ?? "")}@` : "";
    url = `mongodb://${auth}${options.host ?? "127.0.0.1"}:${options.port ?? 27017}/${options.database ?? ""}`;
  }
  const parts = URL_PARTS.exec(url);
  if (parts === null) throw new Error(`data source "${config.name}": "${redact(url)}" is not a mongodb:// URL`);
  const pathDb = decodeURIComponent((parts[4] ?? "/").slice(1));
  return {
    url,
    address: parts[3],
    database: options.database ?? (pathDb || "kova"),
    maxPoolSize: options.pool?.max ?? 10,
    idleTimeoutMs: options.pool?.idleTimeoutMs ?? 30_000,
    statementTimeoutMs: options.statementTimeoutMs ?? 30_000,
    connectRetries: Math.max(1, options.connectRetries ?? 5),
    transactions: options.transactions ?? "auto",
  };
}

/** The URL with any password replaced, for messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}
