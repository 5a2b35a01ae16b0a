// The PostgreSQL workloads on Express 5 (+ pg Pool): the db/queries routes of kova-pg/app.kova.
import express from "express";
import { openWorldPg } from "./shared/world-pg.mjs";
import { PROBLEM_TYPE, parseIds, parseInt10 } from "./shared/requests.mjs";

const store = openWorldPg();
const app = express();
app.disable("etag");
app.disable("x-powered-by");
app.set("query parser", "simple");

const problem = (res, status, detail) => res.status(status).type(PROBLEM_TYPE).send(JSON.stringify({ status, detail }));

app.get("/json", (req, res) => {
  res.json({ message: "Hello, World!" });
});
// Express 5 passes a rejected promise to the error handler below.
app.get("/db/:id", async (req, res) => {
  const id = parseInt10(req.params.id);
  if (id === undefined) return problem(res, 400, "id must be a whole number");
  const row = await store.world(id);
  if (row === undefined) return problem(res, 404, "World not found");
  res.json(row);
});
app.get("/queries", async (req, res) => {
  const ids = parseIds(req.query.ids);
  if (ids === undefined) return problem(res, 400, "ids must be whole numbers");
  res.json(await store.worlds(ids));
});
app.use((err, req, res, next) => problem(res, err.status ?? 503, err.expose ? err.message : "database unavailable"));

const server = app.listen(Number(process.env.PORT ?? 3000), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => store.close().then(() => process.exit(0))));
