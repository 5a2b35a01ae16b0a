// The PostgreSQL workloads on Hono with @hono/node-server (+ pg Pool): the db/queries routes of kova-pg/app.kova.
import { Hono } from "hono";
import { serve } from "@hono/node-server";
import { openWorldPg } from "./shared/world-pg.mjs";
import { JSON_TYPE, PROBLEM_TYPE, parseIds, parseInt10 } from "./shared/requests.mjs";

const store = openWorldPg();
const app = new Hono();
const headers = { "content-type": JSON_TYPE };
const json = (c, value, status = 200) => c.body(JSON.stringify(value), status, headers);
const problem = (c, status, detail) => c.body(JSON.stringify({ status, detail }), status, { "content-type": PROBLEM_TYPE });

app.onError((err, c) => problem(c, 503, "database unavailable"));
app.get("/json", (c) => json(c, { message: "Hello, World!" }));
app.get("/db/:id", async (c) => {
  const id = parseInt10(c.req.param("id"));
  if (id === undefined) return problem(c, 400, "id must be a whole number");
  const row = await store.world(id);
  return row === undefined ? problem(c, 404, "World not found") : json(c, row);
});
app.get("/queries", async (c) => {
  const ids = parseIds(c.req.queries("ids"));
  if (ids === undefined) return problem(c, 400, "ids must be whole numbers");
  return json(c, await store.worlds(ids));
});

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: "127.0.0.1" });
process.on("SIGTERM", () => server.close(() => store.close().then(() => process.exit(0))));
