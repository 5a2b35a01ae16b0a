/**
 * How a Redis data source's options (`CONNECT cache USING redis(env("REDIS_URL"))`) become client
 * connection options, for every runtime part that opens its own Redis connections (the task queue
 * on BullMQ, the change feed's pub/sub, cache L2).
 */
export interface RedisConnectionOptions {
  host: string;
  port: number;
  password?: string;
  username?: string;
  db: number;
  /** null: commands wait for a reconnection rather than fail (BullMQ's blocking workers need it). */
  maxRetriesPerRequest: number | null;
}

/** A Redis URL (or `{ url }` / `{ host, port, password, db }` options) as BullMQ connection options. */
export function redisConnection(options: unknown): RedisConnectionOptions {
  const raw = typeof options === "string" ? { url: options } : ((options ?? {}) as { url?: string; host?: string; port?: number; password?: string; username?: string; db?: number });
  let host = raw.host ?? "127.0.0.1";
  let port = raw.port ?? 6379;
  let password = raw.password;
  let username = raw.username;
  let db = raw.db ?? 0;
  if (raw.url !== undefined) {
    const url = new URL(raw.url);
    host = url.hostname || host;
    port = url.port ? Number(url.port) : port;
    password = url.password ? decodeURIComponent(url.password) : password;
    username = url.username ? decodeURIComponent(url.username) : username;
    const path = url.pathname.replace(/^\//, "");
    if (path !== "") db = Number(path);
  }
  // BullMQ's workers block on Redis: commands must wait for a reconnection rather than fail.
  return { host, port, password, username, db, maxRetriesPerRequest: null };
}

