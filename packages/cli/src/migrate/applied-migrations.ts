/**
 * Which migration files a database has already recorded, read without changing anything — for
 * `kova migrate apply --dry-run`. A driver's `connect()` is not read-only (the embedded one creates
 * `.kova/data.db`, the others' `applyMigrations` create `_kova_migrations`), and the Driver
 * interface has no read of that table, so this reads it with the database's own client, read-only.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

type Options = unknown;

/** The names recorded in `_kova_migrations`; empty when the store or the table does not exist yet. */
export async function appliedMigrations(driver: string, options: Options, appDir: string): Promise<Set<string>> {
  switch (driver) {
    case "embedded":
    case "sqlite":
      return await fromSqlite(options, appDir);
    case "postgres":
    case "cockroach":
      return await fromPostgres(options, appDir);
    case "mysql":
    case "mariadb":
      return await fromMysql(options, appDir);
    default:
      throw new Error(`--dry-run cannot read the migrations recorded by the ${driver} driver`);
  }
}

function objectOptions(options: Options): Record<string, unknown> {
  if (options === undefined || options === null || options === "") return {};
  if (typeof options === "string") return { url: options };
  return options as Record<string, unknown>;
}

async function fromSqlite(options: Options, appDir: string): Promise<Set<string>> {
  // The same file the embedded driver opens: `path` (relative to the app) or .kova/data.db.
  const path = typeof options === "string" && options !== "" ? options : String(objectOptions(options).path ?? join(".kova", "data.db"));
  if (path === ":memory:") return new Set();
  const file = isAbsolute(path) ? path : resolve(appDir, path);
  if (!existsSync(file)) return new Set();
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const table = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_kova_migrations'`).get();
    if (table === undefined) return new Set();
    return new Set(db.prepare(`SELECT "name" FROM "_kova_migrations"`).pluck().all() as string[]);
  } finally {
    db.close();
  }
}

/**
 * A database client (`postgres`, `mysql2`) as the app has it: `kova` itself does not depend on them (an
 * app on the embedded store installs none); the app's driver package brought it in.
 */
async function clientOf<T>(appDir: string, specifier: string): Promise<T> {
  let path: string;
  try {
    path = pathToFileURL(createRequire(join(appDir, "package.json")).resolve(specifier)).href;
  } catch {
    path = specifier; // e.g. a checkout of the Kova repository, where it is installed next to kova
  }
  try {
    return ((await import(path)) as { default: T }).default;
  } catch {
    throw new Error(`--dry-run reads the database with ${specifier.split("/")[0]}, which the app's driver package installs; run npm install in ${appDir}`);
  }
}

async function fromPostgres(options: Options, appDir: string): Promise<Set<string>> {
  const given = objectOptions(options);
  const postgres = await clientOf<typeof import("postgres")>(appDir, "postgres");
  const settings = {
    host: given.host as string | undefined,
    port: given.port as number | undefined,
    user: given.user as string | undefined,
    password: given.password as string | undefined,
    database: given.database as string | undefined,
    ssl: given.ssl as boolean | undefined,
    max: 1,
    connect_timeout: 5,
    onnotice: () => undefined,
    // The schema the driver would use (a plain identifier, checked by the driver at start-up).
    connection: typeof given.schema === "string" ? { search_path: given.schema } : undefined,
  };
  const sql = typeof given.url === "string" ? postgres(given.url, settings) : postgres(settings);
  try {
    const rows = await sql.unsafe(`SELECT "name" FROM "_kova_migrations"`).catch((error: { code?: string }) => {
      if (error.code === "42P01") return []; // undefined_table: nothing applied yet
      throw error;
    });
    return new Set((rows as unknown as Array<{ name: string }>).map((r) => r.name));
  } finally {
    await sql.end();
  }
}

async function fromMysql(options: Options, appDir: string): Promise<Set<string>> {
  const given = objectOptions(options);
  const url = typeof given.url === "string" ? new URL(given.url) : undefined;
  const mysql = await clientOf<typeof import("mysql2/promise")>(appDir, "mysql2/promise");
  const connection = await mysql.createConnection({
    host: (given.host as string | undefined) ?? (url?.hostname || "127.0.0.1"),
    port: (given.port as number | undefined) ?? (url?.port ? Number(url.port) : 3306),
    user: (given.user as string | undefined) ?? (url?.username ? decodeURIComponent(url.username) : undefined),
    password: (given.password as string | undefined) ?? (url?.password ? decodeURIComponent(url.password) : undefined),
    database: (given.database as string | undefined) ?? (url && url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : undefined),
    connectTimeout: 5000,
  });
  try {
    const [rows] = await connection.query("SELECT `name` FROM `_kova_migrations`").catch((error: { code?: string }) => {
      if (error.code === "ER_NO_SUCH_TABLE") return [[]];
      throw error;
    });
    return new Set((rows as Array<{ name: string }>).map((r) => r.name));
  } finally {
    await connection.end();
  }
}
