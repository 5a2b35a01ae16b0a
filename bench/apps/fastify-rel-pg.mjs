// The relations workload by hand on Fastify 5 + pg (Pool of 10, named prepared statement, as
// @kova/driver-postgres does), on the schema the Kova app (kova-rel-pg/app.kova) created.
import Fastify from "fastify";
import pg from "pg";
import { FEED_SCHEMA, shapeFeed } from "./shared/feed.mjs";

const types = { getTypeParser: (oid, format) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format)) };
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10, options: `-c search_path=${process.env.DB_SCHEMA}`, types });
pool.on("error", () => {});
const FEED = `SELECT p.id, p.title, u.id AS author_id, u.name AS author_name,
    (SELECT COUNT(*) FROM "comment" c WHERE c.post = p.id) AS comments_count
  FROM "post" p LEFT JOIN "user" u ON u.id = p.author ORDER BY p.id DESC LIMIT 20`;

const app = Fastify({ logger: false });
app.get("/feed", { schema: { response: { 200: FEED_SCHEMA } } }, async () => shapeFeed((await pool.query({ name: "feed", text: FEED })).rows));
await app.listen({ port: Number(process.env.PORT ?? 3000), host: "127.0.0.1" });
process.on("SIGTERM", () => app.close().then(() => pool.end()).then(() => process.exit(0)));
