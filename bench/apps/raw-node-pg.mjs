// The PostgreSQL workloads on node:http by hand (+ pg Pool): the ceiling for db-pg and queries-pg.
import { createServer } from "node:http";
import { openWorldPg } from "./shared/world-pg.mjs";
import { JSON_TYPE, PROBLEM_TYPE, parseIds, parseInt10 } from "./shared/requests.mjs";

const store = openWorldPg();

function send(res, status, payload, type = JSON_TYPE) {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(payload) });
  res.end(payload);
}
const sendJson = (res, status, value) => send(res, status, JSON.stringify(value));
const problem = (res, status, detail) => send(res, status, JSON.stringify({ status, detail }), PROBLEM_TYPE);

async function handle(req, res) {
  const url = req.url;
  const q = url.indexOf("?");
  const path = q === -1 ? url : url.slice(0, q);
  if (req.method !== "GET") return problem(res, 404, "not found");
  if (path === "/json") return sendJson(res, 200, { message: "Hello, World!" });
  if (path.startsWith("/db/")) {
    const id = parseInt10(decodeURIComponent(path.slice(4)));
    if (id === undefined) return problem(res, 400, "id must be a whole number");
    const row = await store.world(id);
    return row === undefined ? problem(res, 404, "World not found") : sendJson(res, 200, row);
  }
  if (path === "/queries") {
    const ids = parseIds(new URLSearchParams(q === -1 ? "" : url.slice(q + 1)).getAll("ids"));
    if (ids === undefined) return problem(res, 400, "ids must be whole numbers");
    return sendJson(res, 200, await store.worlds(ids));
  }
  problem(res, 404, "not found");
}

const server = createServer((req, res) => {
  handle(req, res).catch(() => problem(res, 503, "database unavailable"));
});
server.listen(Number(process.env.PORT ?? 3000), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => store.close().then(() => process.exit(0))));
