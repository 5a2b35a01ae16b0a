/**
 * The databases `kova migrate` tests run against: the embedded store, PostgreSQL (a fresh schema)
 * and MariaDB/MySQL (a fresh database), each as an app folder whose entities use it. A server that
 * is not reachable skips the test (fails it with CI=true), as the driver tests do.
 */
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import Database from "better-sqlite3";
import mysql from "mysql2/promise";
import pg from "pg";

export const PG_URL = process.env.KOVA_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
export const MYSQL_URL = process.env.KOVA_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";

export interface MigrateDatabase {
  name: "sqlite" | "postgres" | "mariadb";
  /**
   * Prepares `dir` to use the database (a CONNECT line and its .env) and returns the source text
   * to put before the program's entities, or undefined when the server is not reachable (skipped).
   */
  setUp(t: TestContext, dir: string): Promise<DatabaseSetup | undefined>;
}

export interface DatabaseSetup {
  header: string;
  using: string;
  /** Runs SQL on the database directly (test data the app's own rules would refuse). */
  sql(statement: string): Promise<void>;
  /** Whether a table exists, to prove a command left the database untouched. */
  hasTable(name: string): Promise<boolean>;
}

export const DATABASES: MigrateDatabase[] = [
  {
    name: "sqlite",
    async setUp(t, dir) {
      const file = join(dir, ".kova", "data.db");
      const open = () => new Database(file);
      return {
        header: "",
        using: "",
        sql: async (statement) => void withDb(open(), (db) => db.exec(statement)),
        hasTable: async (name) => existsSync(file) && withDb(open(), (db) => db.prepare(`SELECT 1 FROM sqlite_master WHERE name = ?`).get(name) !== undefined),
      };
    },
  },
  {
    name: "postgres",
    async setUp(t, dir) {
      const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
      if (!(await reachable(t, "PostgreSQL", () => admin.connect()))) return undefined;
      const schema = `kova_migrate_${randomBytes(4).toString("hex")}`;
      await admin.query(`CREATE SCHEMA "${schema}"`);
      t.after(async () => {
        await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
        await admin.end();
      });
      const url = new URL(PG_URL);
      url.searchParams.set("options", `-c search_path=${schema}`);
      writeFileSync(join(dir, ".env"), `DATABASE_URL=${url.href}\n`);
      return {
        header: `CONNECT db USING postgres(env("DATABASE_URL"))\n`,
        using: " USING db",
        sql: async (statement) => void (await admin.query(`SET search_path = "${schema}"; ${statement}`)),
        hasTable: async (name) => (await admin.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2`, [schema, name])).rowCount === 1,
      };
    },
  },
  {
    name: "mariadb",
    async setUp(t, dir) {
      let admin: mysql.Connection | undefined;
      if (!(await reachable(t, "MariaDB", async () => void (admin = await mysql.createConnection(MYSQL_URL))))) return undefined;
      const database = `kova_migrate_${randomBytes(4).toString("hex")}`;
      await admin!.query(`CREATE DATABASE \`${database}\``);
      t.after(async () => {
        await admin!.query(`DROP DATABASE \`${database}\``);
        await admin!.end();
      });
      const url = new URL(MYSQL_URL);
      url.pathname = `/${database}`;
      writeFileSync(join(dir, ".env"), `DATABASE_URL=${url.href}\n`);
      return {
        header: `CONNECT db USING mariadb(env("DATABASE_URL"))\n`,
        using: " USING db",
        sql: async (statement) => void (await admin!.query(`USE \`${database}\``), await admin!.query(statement)),
        hasTable: async (name) => {
          const [rows] = await admin!.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?`, [database, name]);
          return (rows as unknown[]).length === 1;
        },
      };
    },
  },
];

async function reachable(t: TestContext, server: string, connect: () => Promise<unknown>): Promise<boolean> {
  try {
    await connect();
    return true;
  } catch (error) {
    const message = `${server} is not reachable (${(error as Error).message})`;
    if (process.env.CI === "true") throw new Error(`${message}; CI=true requires it`);
    t.skip(`SKIPPED: ${message}`);
    return false;
  }
}

function withDb<T>(db: Database.Database, work: (db: Database.Database) => T): T {
  try {
    return work(db);
  } finally {
    db.close();
  }
}
