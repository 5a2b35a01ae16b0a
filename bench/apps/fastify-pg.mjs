// The PostgreSQL workloads on Fastify 5 (+ pg Pool): the db/queries routes of kova-pg/app.kova.
import Fastify from "fastify";
import { openWorldPg } from "./shared/world-pg.mjs";
import { PROBLEM_TYPE, parseIds, parseInt10 } from "./shared/requests.mjs";

const store = openWorldPg();
const app = Fastify({ logger: false });
app.setErrorHandler((error, req, reply) => {
  const status = error.statusCode ?? 503;
  reply.code(status).type(PROBLEM_TYPE).send(JSON.stringify({ status, detail: status < 500 ? error.message : "database unavailable" }));
});
const problem = (reply, status, detail) => {
  reply.code(status).type(PROBLEM_TYPE).send(JSON.stringify({ status, detail }));
};
const world = { type: "object", properties: { id: { type: "integer" }, randomnumber: { type: "integer" } } };

app.get("/json", { schema: { response: { 200: { type: "object", properties: { message: { type: "string" } } } } } }, () => ({ message: "Hello, World!" }));
app.get("/db/:id", { schema: { response: { 200: world } } }, async (req, reply) => {
  const id = parseInt10(req.params.id);
  if (id === undefined) return problem(reply, 400, "id must be a whole number");
  const row = await store.world(id);
  return row === undefined ? problem(reply, 404, "World not found") : row;
});
app.get("/queries", { schema: { response: { 200: { type: "array", items: world } } } }, async (req, reply) => {
  const ids = parseIds(req.query.ids);
  if (ids === undefined) return problem(reply, 400, "ids must be whole numbers");
  return store.worlds(ids);
});

await app.listen({ port: Number(process.env.PORT ?? 3000), host: "127.0.0.1" });
process.on("SIGTERM", () => app.close().then(() => store.close()).then(() => process.exit(0)));
