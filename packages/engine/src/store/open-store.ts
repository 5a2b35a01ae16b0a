/**
 * Opens the engine's store: PostgreSQL when a URL is configured (every node of a cluster points
 * at the same one), else an embedded SQLite file in the engine's data folder.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { SqlStore, type Row, type SqlExecutor } from "./sql-store.js";
import { schemaStatements, type EngineStore } from "./store.js";

export async function openStore(options: { pgUrl?: string; pgSchema?: string; dataDir: string }): Promise<EngineStore> {
  if (options.pgUrl !== undefined && options.pgUrl !== "") return new SqlStore(await postgresExecutor(options.pgUrl, options.pgSchema ?? "kova_engine"));
  return new SqlStore(await sqliteExecutor(options.dataDir));
}

async function postgresExecutor(url: string, schema: string): Promise<SqlExecutor> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`the engine's PostgreSQL schema must be a plain lower-case name, not '${schema}'`);
  const { default: pg } = await import("pg");
  // Every connection works in the engine's own schema (tenants' data never lives there).
  const pool = new pg.Pool({ connectionString: url, max: 5, options: `-c search_path=${schema}` });
  const all = async (sql: string, params: readonly unknown[]): Promise<Row[]> => {
    let n = 0;
    const text = sql.replace(/\?/g, () => `$${++n}`);
    return (await pool.query(text, params as unknown[])).rows as Row[];
  };
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  for (const statement of schemaStatements("BYTEA")) await all(statement, []);
  return { kind: "postgres", all, close: () => pool.end() };
}

async function sqliteExecutor(dataDir: string): Promise<SqlExecutor> {
  const { default: Database } = await import("better-sqlite3");
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, "engine.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  for (const statement of schemaStatements("BLOB")) db.exec(statement);
  const all = async (sql: string, params: readonly unknown[]): Promise<Row[]> => {
    const statement = db.prepare(sql);
    return statement.reader ? (statement.all(...params) as Row[]) : (statement.run(...params), []);
  };
  return { kind: "embedded", all, close: async () => void db.close() };
}
