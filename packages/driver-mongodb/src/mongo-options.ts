/**
 * What `CONNECT db USING mongodb(…)` accepts: a URL string, or an options object with a url or
 * host/port/user/password/database, pool settings and the retry budget.
 */
import type { DriverConfig } from "@kova/query";

export interface MongoOptions {
  url?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  pool?: { max?: number; idleTimeoutMs?: number };
  /** Per-operation time limit (maxTimeMS on reads is not set; this bounds socket waits). Default 30000. */
  statementTimeoutMs?: number;
  /** Connection attempts before connect() gives up. Default 5 (about 5 s in all). */
  connectRetries?: number;
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
  const raw = config.options;
  let options: MongoOptions;
  if (raw === undefined || raw === null || raw === "") options = {};
  else if (typeof raw === "string") options = { url: raw };
  else if (typeof raw === "object" && !Array.isArray(raw)) options = raw as MongoOptions;
  else throw new Error(`data source "${config.name}": mongodb options must be a URL string or an object`);

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
