// The benchmark app on Express 5. ETag and X-Powered-By are off, as in TechEmpower's Express entry
// (neither is work the other apps do). Body checks: the shared hand-written validator.
import express from "express";
import { openWorldStore } from "./shared/world-store.mjs";
import { JSON_TYPE, PLAINTEXT_BODY, PROBLEM_TYPE, orderReply, parseIds, parseInt10, validateOrder } from "./shared/requests.mjs";

const store = openWorldStore(process.env.DB_PATH);
const app = express();
app.disable("etag");
app.disable("x-powered-by");
app.set("query parser", "simple"); // node:querystring: repeated keys become arrays (Express 5's default too)

const problem = (res, status, detail, extra) => res.status(status).type(PROBLEM_TYPE).send(JSON.stringify({ status, detail, ...extra }));

app.get("/plaintext", (req, res) => {
  res.set("content-type", JSON_TYPE).send(PLAINTEXT_BODY);
});
app.get("/json", (req, res) => {
  res.json({ message: "Hello, World!" });
});
app.post("/orders", express.json({ limit: "1mb" }), (req, res) => {
  if (!req.is("application/json")) return problem(res, 415, "send JSON");
  const issues = validateOrder(req.body);
  if (issues.length > 0) return problem(res, 400, "invalid body", { errors: issues });
  res.json(orderReply(req.body));
});
app.get("/db/:id", (req, res) => {
  const id = parseInt10(req.params.id);
  if (id === undefined) return problem(res, 400, "id must be a whole number");
  const row = store.world(id);
  if (row === undefined) return problem(res, 404, "World not found");
  res.json(row);
});
app.get("/queries", (req, res) => {
  const ids = parseIds(req.query.ids);
  if (ids === undefined) return problem(res, 400, "ids must be whole numbers");
  res.json(store.worlds(ids));
});
app.post("/updates", (req, res) => {
  const ids = parseIds(req.query.ids);
  const value = parseInt10(req.query.value);
  if (ids === undefined || value === undefined) return problem(res, 400, "ids and value must be whole numbers");
  res.json(store.updateWorlds(ids, value));
});
app.use((err, req, res, next) => problem(res, err.status ?? 500, err.expose ? err.message : "failed"));

const server = app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => { store.close(); process.exit(0); }));
