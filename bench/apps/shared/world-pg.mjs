/**
 * The World table on PostgreSQL for the hand-written apps: node-postgres Pool with the settings
 * @kova/driver-postgres uses (10 connections, search_path sent at connect, statement_timeout
 * 30 s, int8 read as a number) and the same SQL text as the compiled Kova app, sent as named
 * queries so each connection prepares it once, as Kova's driver does.
 */
import pg from "pg";

const BY_ID = `SELECT "r"."id" AS "id", "r"."randomnumber" AS "randomnumber" FROM "world" AS "r" WHERE ("r"."id" = $1::bigint) ORDER BY "r"."id" ASC`;
const BY_IDS = `SELECT "r"."id" AS "id", "r"."randomnumber" AS "randomnumber" FROM "world" AS "r" WHERE ("r"."id" = ANY($1::bigint[])) ORDER BY "r"."id" ASC`;

// bigint columns (int8, OID 20) come back as numbers, like the Kova driver's (values here are small).
const types = { getTypeParser: (oid, format) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format)) };

export function openWorldPg(url = process.env.DATABASE_URL, schema = process.env.DB_SCHEMA) {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 3_000,
    statement_timeout: 30_000,
    application_name: "bench",
    options: schema ? `-c search_path=${schema}` : undefined,
    types,
  });
  // An idle connection that dies must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  return {
    /** One row or undefined. */
    world: async (id) => (await pool.query({ name: "world_by_id", text: BY_ID, values: [String(id)] })).rows[0],
    worlds: async (ids) => (await pool.query({ name: "world_by_ids", text: BY_IDS, values: [ids.map(String)] })).rows,
    close: () => pool.end(),
  };
}
