import { randomBytes } from "node:crypto";
import { packageInstalled, reachable, TARGET_LOADERS, type Prepared, type Target, type Unavailable } from "./targets.js";

/**
 * The drivers with a real server on this machine (PostgreSQL, MariaDB, Redis) and the ones without
 * (CockroachDB, MongoDB: reported as not run, with the reason). Each run gets its own schema,
 * database or key prefix, removed afterwards.
 */

const PG_URL = process.env.KOVA_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const MYSQL_URL = process.env.KOVA_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";
const REDIS_URL = process.env.KOVA_REDIS_URL ?? "redis://127.0.0.1:6379";

function hostPort(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname || "127.0.0.1", port: u.port === "" ? defaultPort : Number(u.port) };
}

async function unavailable(pkg: string, url: string, defaultPort: number): Promise<Unavailable | undefined> {
  if (!(await packageInstalled(pkg))) return { ok: false, reason: `${pkg} is not installed` };
  const { host, port } = hostPort(url, defaultPort);
  if (!(await reachable(host, port))) return { ok: false, reason: `no server at ${host}:${port}` };
  return undefined;
}

const id = (runId: string) => `kova_conf_${runId}_${randomBytes(3).toString("hex")}`.toLowerCase();

const postgres: Target = {
  driver: "postgres",
  label: "PostgreSQL",
  programs: ["full", "kv"],
  async prepare(runId): Promise<Prepared | Unavailable> {
    const down = await unavailable("@kova/driver-postgres", PG_URL, 5432);
    if (down) return down;
    const { default: pg } = await import("pg");
    const schema = id(runId);
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.end();
    return {
      ok: true,
      connect: `CONNECT db USING postgres({ url: env("KOVA_CONFORMANCE_URL"), schema: env("KOVA_CONFORMANCE_SCHEMA") })`,
      env: { KOVA_CONFORMANCE_URL: PG_URL, KOVA_CONFORMANCE_SCHEMA: schema },
      async cleanup() {
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        await c.query(`DROP SCHEMA "${schema}" CASCADE`);
        await c.end();
      },
    };
  },
};

const mysql: Target = {
  driver: "mariadb",
  label: "MariaDB",
  programs: ["full", "kv"],
  async prepare(runId): Promise<Prepared | Unavailable> {
    const down = await unavailable("@kova/driver-mysql", MYSQL_URL, 3306);
    if (down) return down;
    const { createConnection } = await import("mysql2/promise");
    const database = id(runId);
    const admin = await createConnection(MYSQL_URL);
    await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
    await admin.end();
    const url = new URL(MYSQL_URL);
    url.pathname = `/${database}`;
    return {
      ok: true,
      connect: `CONNECT db USING mariadb(env("KOVA_CONFORMANCE_URL"))`,
      env: { KOVA_CONFORMANCE_URL: url.toString() },
      async cleanup() {
        const c = await createConnection(MYSQL_URL);
        await c.query(`DROP DATABASE \`${database}\``);
        await c.end();
      },
    };
  },
};

const redis: Target = {
  driver: "redis",
  label: "Redis",
  programs: ["kv"],
  async prepare(runId): Promise<Prepared | Unavailable> {
    const down = await unavailable("@kova/driver-redis", REDIS_URL, 6379);
    if (down) return down;
    const prefix = `${id(runId)}:`;
    return {
      ok: true,
      connect: `CONNECT db USING redis({ url: env("KOVA_CONFORMANCE_URL"), keyPrefix: env("KOVA_CONFORMANCE_PREFIX") })`,
      env: { KOVA_CONFORMANCE_URL: REDIS_URL, KOVA_CONFORMANCE_PREFIX: prefix },
      async cleanup() {
        const { Redis } = await import("ioredis");
        const client = new Redis(REDIS_URL, { lazyConnect: true });
        await client.connect();
        let cursor = "0";
        do {
          const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
          if (keys.length > 0) await client.del(...keys);
          cursor = next;
        } while (cursor !== "0");
        client.disconnect();
      },
    };
  },
};

/** No server can be installed on this machine; the table says so rather than leaving them out. */
function noServer(driver: string, label: string, why: string): Target {
  return { driver, label, programs: ["full", "kv"], serverExpected: false, prepare: async () => ({ ok: false, reason: why }) };
}

TARGET_LOADERS.push(
  async () => postgres,
  async () => mysql,
  async () => redis,
  async () => noServer("cockroach", "CockroachDB", "not run: no CockroachDB server on this machine (its SQL is tested as pure functions and on the PostgreSQL wire in @kova/driver-cockroach)"),
  async () => noServer("mongodb", "MongoDB", "not run: no MongoDB server on this machine (its command documents are tested as pure functions in @kova/driver-mongodb)"),
);
