// The benchmark app on node:http by hand: the ceiling the frameworks are measured against.
import { createServer } from "node:http";
import { openWorldStore } from "./shared/world-store.mjs";
import { JSON_TYPE, PLAINTEXT_BODY, PROBLEM_TYPE, orderReply, parseIds, parseInt10, validateOrder } from "./shared/requests.mjs";

const store = openWorldStore(process.env.DB_PATH);

function send(res, status, payload, type = JSON_TYPE) {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(payload) });
  res.end(payload);
}
const sendJson = (res, status, value) => send(res, status, JSON.stringify(value));
const problem = (res, status, detail, extra) => send(res, status, JSON.stringify({ status, detail, ...extra }), PROBLEM_TYPE);

function readJson(req, res, then) {
  let text = "";
  req.setEncoding("utf8");
  req.on("data", (chunk) => { text += chunk; });
  req.on("end", () => {
    let body;
    try { body = JSON.parse(text); } catch { return problem(res, 400, "the body is not valid JSON"); }
    then(body);
  });
}

function handle(req, res) {
  const url = req.url;
  const q = url.indexOf("?");
  const path = q === -1 ? url : url.slice(0, q);
  const method = req.method;
  if (method === "GET" && path === "/plaintext") return send(res, 200, PLAINTEXT_BODY);
  if (method === "GET" && path === "/json") return sendJson(res, 200, { message: "Hello, World!" });
  if (method === "POST" && path === "/orders") {
    if (!(req.headers["content-type"] ?? "").startsWith("application/json")) return problem(res, 415, "send JSON");
    return readJson(req, res, (body) => {
      const issues = validateOrder(body);
      if (issues.length > 0) return problem(res, 400, "invalid body", { errors: issues });
      sendJson(res, 200, orderReply(body));
    });
  }
  if (method === "GET" && path.startsWith("/db/")) {
    const id = parseInt10(decodeURIComponent(path.slice(4)));
    if (id === undefined) return problem(res, 400, "id must be a whole number");
    const row = store.world(id);
    return row === undefined ? problem(res, 404, "World not found") : sendJson(res, 200, row);
  }
  if (path === "/queries" || path === "/updates") {
    const search = new URLSearchParams(q === -1 ? "" : url.slice(q + 1));
    const ids = parseIds(search.getAll("ids"));
    if (ids === undefined) return problem(res, 400, "ids must be whole numbers");
    if (method === "GET" && path === "/queries") return sendJson(res, 200, store.worlds(ids));
    if (method === "POST" && path === "/updates") {
      const value = parseInt10(search.get("value") ?? undefined);
      if (value === undefined) return problem(res, 400, "value must be a whole number");
      return sendJson(res, 200, store.updateWorlds(ids, value));
    }
  }
  problem(res, 404, "not found");
}

const server = createServer(handle);
server.listen(Number(process.env.PORT ?? 3000), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => { store.close(); process.exit(0); }));
