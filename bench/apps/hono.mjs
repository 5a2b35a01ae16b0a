// The benchmark app on Hono with @hono/node-server. Body checks: the shared hand-written validator.
import { Hono } from "hono";
import { serve } from "@hono/node-server";
import { openWorldStore } from "./shared/world-store.mjs";
import { JSON_TYPE, PLAINTEXT_BODY, PROBLEM_TYPE, orderReply, parseIds, parseInt10, validateOrder } from "./shared/requests.mjs";

const store = openWorldStore(process.env.DB_PATH);
const app = new Hono();
const headers = { "content-type": JSON_TYPE };
// c.json() sends "application/json"; the other apps (and Kova) send the charset too.
const json = (c, value, status = 200) => c.body(JSON.stringify(value), status, headers);
const problem = (c, status, detail, extra) => c.body(JSON.stringify({ status, detail, ...extra }), status, { "content-type": PROBLEM_TYPE });

app.get("/plaintext", (c) => c.body(PLAINTEXT_BODY, 200, headers));
app.get("/json", (c) => json(c, { message: "Hello, World!" }));
app.post("/orders", async (c) => {
  if (!(c.req.header("content-type") ?? "").startsWith("application/json")) return problem(c, 415, "send JSON");
  let body;
  try { body = await c.req.json(); } catch { return problem(c, 400, "the body is not valid JSON"); }
  const issues = validateOrder(body);
  if (issues.length > 0) return problem(c, 400, "invalid body", { errors: issues });
  return json(c, orderReply(body));
});
app.get("/db/:id", (c) => {
  const id = parseInt10(c.req.param("id"));
  if (id === undefined) return problem(c, 400, "id must be a whole number");
  const row = store.world(id);
  return row === undefined ? problem(c, 404, "World not found") : json(c, row);
});
app.get("/queries", (c) => {
  const ids = parseIds(c.req.queries("ids"));
  if (ids === undefined) return problem(c, 400, "ids must be whole numbers");
  return json(c, store.worlds(ids));
});
app.post("/updates", (c) => {
  const ids = parseIds(c.req.queries("ids"));
  const value = parseInt10(c.req.query("value"));
  if (ids === undefined || value === undefined) return problem(c, 400, "ids and value must be whole numbers");
  return json(c, store.updateWorlds(ids, value));
});

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: "127.0.0.1" });
process.on("SIGTERM", () => server.close(() => { store.close(); process.exit(0); }));
