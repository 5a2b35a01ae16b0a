/** A Redis data source's options (a URL, `{ url }` or `{ host, port, password, db }`) as client connection options. */
export interface RedisAddress {
  host: string;
  port: number;
  password?: string;
  username?: string;
  db: number;
}

export function redisAddress(options: unknown): RedisAddress {
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
  return { host, port, password, username, db };
}
