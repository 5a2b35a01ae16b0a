// The benchmark app on Fastify 5, the idiomatic fast path: JSON schemas for the body (Ajv) and for
// every response (fast-json-stringify). Ajv is told to report every issue and to reject unknown
// fields and wrong types instead of coercing or stripping them, which is what Kova's VALIDATE does.
import Fastify from "fastify";
import { openWorldStore } from "./shared/world-store.mjs";
import { JSON_TYPE, PLAINTEXT_BODY, PROBLEM_TYPE, parseIds, parseInt10 } from "./shared/requests.mjs";

const store = openWorldStore(process.env.DB_PATH);
const app = Fastify({
  logger: false,
  ajv: { customOptions: { allErrors: true, removeAdditional: false, coerceTypes: false } },
});

// Validation failures (and any other error) as problems, like the other apps.
app.setErrorHandler((error, req, reply) => {
  const status = error.statusCode ?? 500;
  reply.code(status).type(PROBLEM_TYPE).send(JSON.stringify({ status, detail: status < 500 ? error.message : "failed", errors: error.validation }));
});

const string = { type: "string" };
const orderSchema = {
  type: "object",
  additionalProperties: false,
  required: ["customer", "email", "quantity", "price", "currency", "express", "tags", "address"],
  properties: {
    customer: { type: "string", minLength: 1, maxLength: 100 },
    email: { type: "string", format: "email" },
    quantity: { type: "integer", minimum: 1, maximum: 1000 },
    price: { type: "number", minimum: 0 },
    currency: { enum: ["EUR", "USD", "GBP"] },
    express: { type: "boolean" },
    note: { type: ["string", "null"], maxLength: 500 },
    tags: { type: "array", items: string },
    coupon: { type: ["string", "null"], pattern: "^[A-Z0-9]{6}$" },
    address: {
      type: "object",
      additionalProperties: false,
      required: ["street", "city", "zip"],
      properties: { street: { type: "string", minLength: 1 }, city: { type: "string", minLength: 1 }, zip: { type: "string", pattern: "^[0-9]{5}$" } },
    },
  },
};
const world = { type: "object", properties: { id: { type: "integer" }, randomnumber: { type: "integer" } } };
const worlds = { type: "array", items: world };

// Sends the problem and returns undefined, so a handler can `return problem(…)` without Fastify
// sending a second time.
const problem = (reply, status, detail) => {
  reply.code(status).type(PROBLEM_TYPE).send(JSON.stringify({ status, detail }));
};

app.get("/plaintext", (req, reply) => {
  reply.type(JSON_TYPE).send(PLAINTEXT_BODY);
});
app.get("/json", { schema: { response: { 200: { type: "object", properties: { message: string } } } } }, () => ({ message: "Hello, World!" }));
app.post("/orders", {
  schema: {
    body: orderSchema,
    response: { 200: { type: "object", properties: { accepted: { type: "boolean" }, customer: string, quantity: { type: "integer" } } } },
  },
}, (req) => ({ accepted: true, customer: req.body.customer, quantity: req.body.quantity }));
app.get("/db/:id", { schema: { response: { 200: world } } }, (req, reply) => {
  const id = parseInt10(req.params.id);
  if (id === undefined) return problem(reply, 400, "id must be a whole number");
  const row = store.world(id);
  return row === undefined ? problem(reply, 404, "World not found") : row;
});
app.get("/queries", { schema: { response: { 200: worlds } } }, (req, reply) => {
  const ids = parseIds(req.query.ids);
  if (ids === undefined) return problem(reply, 400, "ids must be whole numbers");
  return store.worlds(ids);
});
app.post("/updates", { schema: { response: { 200: worlds } } }, (req, reply) => {
  const ids = parseIds(req.query.ids);
  const value = parseInt10(req.query.value);
  if (ids === undefined || value === undefined) return problem(reply, 400, "ids and value must be whole numbers");
  return store.updateWorlds(ids, value);
});

await app.listen({ port: Number(process.env.PORT ?? 3000), host: "127.0.0.1" });
process.on("SIGTERM", () => app.close().then(() => { store.close(); process.exit(0); }));
