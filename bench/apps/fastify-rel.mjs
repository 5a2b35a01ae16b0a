// The relations workload by hand on Fastify 5 + better-sqlite3, reading the database the Kova app
// (kova-rel/app.kova) created: 20 posts newest first, each with its author and comment count, as
// a developer would write it — one JOIN, a correlated COUNT, objects shaped in JS.
import Database from "better-sqlite3";
import Fastify from "fastify";
import { FEED_SCHEMA, shapeFeed } from "./shared/feed.mjs";

const db = new Database(process.env.DB_FILE, { readonly: true });
const feed = db.prepare(
  `SELECT p.id, p.title, u.id AS author_id, u.name AS author_name,
     (SELECT COUNT(*) FROM "comment" c WHERE c.post = p.id) AS comments_count
   FROM "post" p LEFT JOIN "user" u ON u.id = p.author ORDER BY p.id DESC LIMIT 20`,
);

const app = Fastify({ logger: false });
app.get("/feed", { schema: { response: { 200: FEED_SCHEMA } } }, () => shapeFeed(feed.all()));
await app.listen({ port: Number(process.env.PORT ?? 3000), host: "127.0.0.1" });
process.on("SIGTERM", () => app.close().then(() => db.close()).then(() => process.exit(0)));
