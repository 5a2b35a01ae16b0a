// The OpenAPI 3.1 back end: the examples' documents (snapshots, valid against the OpenAPI 3.1
// schema) and, construct by construct, what a program declares and what the document says.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Validator } from "@seriousme/openapi-schema-validator";
import { buildApp, checkText, lower, openApiDocument, type AppModel, type JsonSchema } from "../src/index.js";
import { matchSnapshot } from "./support/snapshots.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

function model(text: string): AppModel {
  const result = checkText(text, "/app/app.kova", { readFile: () => undefined });
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  assert.deepEqual(errors.map((d) => `${d.code} ${d.message}`), []);
  return lower(result.programs[0].model, { name: "app" });
}

async function assertValid(document: object): Promise<void> {
  const result = await new Validator().validate(document as Parameters<Validator["validate"]>[0]);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
}

type Doc = ReturnType<typeof openApiDocument>;
const op = (doc: Doc, method: string, path: string): JsonSchema => {
  const found = doc.paths[path]?.[method];
  assert.ok(found, `${method.toUpperCase()} ${path} is in the document (has: ${Object.keys(doc.paths).join(", ")})`);
  return found;
};
const statuses = (operation: JsonSchema): string[] => Object.keys(operation.responses as object);
const jsonBody = (operation: JsonSchema, status: number): unknown =>
  ((operation.responses as Record<string, { content?: Record<string, { schema: unknown }> }>)[String(status)]?.content?.["application/json"]?.schema);

for (const example of ["todo", "blog"]) {
  test(`openapi: examples/${example} gives a valid OpenAPI 3.1 document (snapshot)`, async () => {
    const result = await buildApp({ entry: join(ROOT, "examples", example), irOnly: true });
    assert.ok(result.ok && result.ir);
    const document = openApiDocument(result.ir);
    await assertValid(document);
    matchSnapshot(`${example}.openapi.json`, `${JSON.stringify(document, null, 2)}\n`);
  });
}

test("openapi: the validator refuses a broken document (the check can fail)", async () => {
  const document = openApiDocument(model(`ENTITY T {\n  a: text\n}\nGET /t/:id {\n  RESPOND SELECT * FROM T WHERE id = $id\n}`));
  const broken = structuredClone(document) as unknown as { paths: Record<string, Record<string, { parameters: Array<{ in: string }> }>> };
  broken.paths["/t/{id}"].get.parameters[0].in = "body";
  const result = await new Validator().validate(broken as unknown as Parameters<Validator["validate"]>[0]);
  assert.equal(result.valid, false);
});

test("openapi: a VALIDATE shape is the request body's JSON Schema — bounds, patterns, enums, nesting, lists, optional fields", async () => {
  const doc = openApiDocument(model(`ENTITY Item {
  name: text
}

VALIDATE Address {
  city: string(min: 1)
}

/// An order.
VALIDATE Order {
  /// Who orders.
  name: string(min: 1, max: 80)
  code: string(pattern: '^[A-Z]{3}$')
  pin: string(length: 4)
  qty: int(min: 1, max: 10)
  price: number(min: 0)
  kind: enum("a", "b")
  mail: email?
  site: url?
  when: datetime?
  tags: string(max: 5)[]?
  ship: Address
  gift: {
    note: string(max: 200)
    wrap: boolean?
  }?
  meta: json?
}

POST /orders VALIDATE Order {
  RESPOND 201 INSERT INTO Item { name: $body.name }
}`));
  await assertValid(doc);
  const order = doc.components.schemas.Order;
  assert.equal(order.description, "An order.");
  assert.deepEqual(order.required, ["name", "code", "pin", "qty", "price", "kind", "ship"]);
  assert.equal(order.additionalProperties, false);
  const p = order.properties as Record<string, JsonSchema>;
  assert.deepEqual(p.name, { type: "string", minLength: 1, maxLength: 80, description: "Who orders." });
  assert.deepEqual(p.code, { type: "string", pattern: "^[A-Z]{3}$" });
  assert.deepEqual(p.pin, { type: "string", minLength: 4, maxLength: 4 });
  assert.deepEqual(p.qty, { type: "integer", minimum: 1, maximum: 10 });
  assert.deepEqual(p.price, { type: "number", minimum: 0 });
  assert.deepEqual(p.kind, { type: "string", enum: ["a", "b"] });
  assert.deepEqual(p.mail, { type: ["string", "null"], format: "email", description: "an e-mail address, kept in lower case", examples: ["ada@example.com"] });
  assert.deepEqual(p.site, { type: ["string", "null"], format: "uri", description: "an absolute URL, normalised as WHATWG URL does (scheme and host in lower case)", examples: ["https://example.com/path"] });
  assert.deepEqual(p.when, { type: ["string", "null"], format: "date-time" });
  assert.deepEqual(p.tags, { type: ["array", "null"], items: { type: "string" }, maxItems: 5 });
  assert.deepEqual(p.ship, { $ref: "#/components/schemas/Address" });
  assert.deepEqual(p.gift, {
    type: ["object", "null"],
    properties: { note: { type: "string", maxLength: 200 }, wrap: { type: ["boolean", "null"] } },
    required: ["note"],
    additionalProperties: false,
  });
  assert.deepEqual(p.meta, {});
  const post = op(doc, "post", "/orders");
  assert.deepEqual(post.requestBody, { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/Order" } } } });
  assert.deepEqual(statuses(post), ["201", "400", "413", "415", "500", "503"]);
});

test("openapi: responses are typed from what each endpoint RESPONDs, with every status it can answer", async () => {
  const doc = openApiDocument(model(`ENTITY User {
  name: text
  email: email UNIQUE
  bio: text?
  posts: Post[] BY author
}

ENTITY Post {
  author: User
  title: text
}

VIEW UserCard OF User { name, bio }

VALIDATE NewUser {
  name: string
  email: email
}

GET /users {
  RESPOND SELECT UserCard FROM User ORDER_BY id
}

GET /users/:id {
  RESPOND SELECT * FROM User WHERE id = $id
}

GET /users/:id/card {
  RESPOND SELECT UserCard FROM User WHERE id = $id
}

GET /posts/:id/with-author {
  RESPOND SELECT title, author { name } FROM Post WHERE id = $id
}

GET /users/:id/summary {
  RESPOND SELECT name, COUNT(posts) FROM User WHERE id = $id
}

POST /users VALIDATE NewUser {
  taken = SELECT id FROM User WHERE email = $body.email
  IF taken IS NOT NULL {
    ERROR 409 "taken"
  }
  user = INSERT INTO User $body
  RESPOND 201 user HEADERS { location: "/users/{user.id}" }
}

DELETE /users/:id {
  removed = DELETE FROM User WHERE id = $id
  IF removed IS NULL {
    ERROR 404 "no such user"
  }
  RESPOND
}

GET /users/:id/history {
  RESPOND HISTORY User WHERE id = $id
}

GET /stats {
  n = SELECT COUNT(*) FROM User
  RESPOND { users: n, ok: true, label: "users: {n}" }
}

GET /old {
  REDIRECT "/users"
}`));
  await assertValid(doc);
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  assert.deepEqual(jsonBody(op(doc, "get", "/users"), 200), { type: "array", items: ref("UserCard") });
  assert.deepEqual(statuses(op(doc, "get", "/users")), ["200", "400", "500", "503"]);
  const one = op(doc, "get", "/users/{id}");
  assert.deepEqual(jsonBody(one, 200), ref("User"), "a single row RESPONDed is the row; null is a 404");
  assert.deepEqual(statuses(one), ["200", "400", "404", "500", "503"]);
  assert.deepEqual(one.parameters, [{ name: "id", in: "path", required: true, schema: { type: "integer" } }]);
  assert.deepEqual(jsonBody(op(doc, "get", "/users/{id}/card"), 200), ref("UserCard"));
  assert.deepEqual(jsonBody(op(doc, "get", "/posts/{id}/with-author"), 200), {
    type: "object",
    properties: {
      id: { type: "integer" },
      title: { type: "string" },
      author: { type: ["object", "null"], properties: { id: { type: "integer" }, name: { type: "string" } }, required: ["id", "name"], additionalProperties: false },
    },
    required: ["id", "title", "author"],
    additionalProperties: false,
  });
  const summary = jsonBody(op(doc, "get", "/users/{id}/summary"), 200) as JsonSchema;
  assert.deepEqual((summary.properties as Record<string, unknown>).posts_count, { type: "integer" });

  const create = op(doc, "post", "/users");
  assert.deepEqual(jsonBody(create, 201), ref("User"));
  assert.deepEqual(statuses(create), ["201", "400", "409", "413", "415", "500", "503"]);
  const created = (create.responses as Record<string, JsonSchema>)["201"];
  assert.deepEqual(Object.keys(created.headers as object), ["location"]);
  const conflict = (create.responses as Record<string, JsonSchema>)["409"];
  assert.deepEqual(conflict.content, { "application/problem+json": { schema: ref("Problem") } });

  const remove = op(doc, "delete", "/users/{id}");
  assert.deepEqual(statuses(remove), ["204", "400", "404", "409", "500", "503"]);
  assert.equal((remove.responses as Record<string, JsonSchema>)["204"].content, undefined, "204 has no body");

  const history = jsonBody(op(doc, "get", "/users/{id}/history"), 200) as JsonSchema;
  assert.deepEqual((history.items as JsonSchema).required, ["version", "operation", "at", "data"]);
  assert.deepEqual(jsonBody(op(doc, "get", "/stats"), 200), {
    type: "object",
    properties: { users: { type: "integer" }, ok: { type: "boolean" }, label: { type: "string" } },
    required: ["users", "ok", "label"],
    additionalProperties: false,
  });
  const redirect = (op(doc, "get", "/old").responses as Record<string, JsonSchema>)["303"];
  assert.deepEqual(Object.keys(redirect.headers as object), ["location"]);
});

test("openapi: list fields are arrays; a json field with a declared shape has that shape", async () => {
  const doc = openApiDocument(model(`ENTITY Photo {
  tags: text[]
  sizes: int[]?
  spec: { kind: text, size: { w: int }? }?
  extra: json?
}

GET /photos {
  RESPOND SELECT * FROM Photo
}`));
  await assertValid(doc);
  const p = doc.components.schemas.Photo.properties as Record<string, JsonSchema>;
  assert.deepEqual(p.tags, { type: "array", items: { type: "string" } });
  assert.deepEqual(p.sizes, { type: ["array", "null"], items: { type: "integer" } });
  assert.deepEqual(p.spec, {
    type: ["object", "null"],
    properties: { kind: { type: "string" }, size: { type: ["object", "null"], properties: { w: { type: "integer" } }, required: ["w"] } },
    required: ["kind"],
  });
  assert.deepEqual(p.extra, {});
});

test("openapi: AUTH is a security scheme; each endpoint names it (and its roles) and declares 401/403", async () => {
  const doc = openApiDocument(model(`VALIDATE Claims {
  sub: string
  role: enum("admin", "user")
}

AUTH jwt USING secret(env("KEY")) {
  claims: Claims
  roles: ["admin", "user"]
}

GET /me AUTH {
  RESPOND { sub: $auth.sub }
}

GET /admin AUTH admin {
  RESPOND { ok: true }
}

GET /maybe AUTH optional {
  RESPOND { who: $auth.sub }
}

GET /public {
  RESPOND { ok: true }
}`));
  await assertValid(doc);
  assert.deepEqual(doc.components.securitySchemes?.kovaAuth, { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "A JSON Web Token signed with HS256." });
  assert.deepEqual(op(doc, "get", "/me").security, [{ kovaAuth: [] }]);
  assert.deepEqual(statuses(op(doc, "get", "/me")), ["200", "400", "401", "500"]);
  assert.deepEqual(op(doc, "get", "/admin").security, [{ kovaAuth: ["admin"] }]);
  assert.deepEqual(statuses(op(doc, "get", "/admin")), ["200", "400", "401", "403", "500"]);
  assert.deepEqual(op(doc, "get", "/maybe").security, [{ kovaAuth: [] }, {}]);
  assert.equal(op(doc, "get", "/public").security, undefined);
  assert.deepEqual(jsonBody(op(doc, "get", "/me"), 200), { type: "object", properties: { sub: { type: "string" } }, required: ["sub"], additionalProperties: false });
});

test("openapi: /// doc comments are summaries and descriptions; query parameters carry their declared types", async () => {
  const doc = openApiDocument(model(`/// A thing to do.
ENTITY Todo {
  /// What to do.
  title: text
}

/// Lists todos.
/// Newest first, a page at a time.
GET /todos QUERY { limit: int(min: 1, max: 100) DEFAULT 20  sort: enum("new", "old")? } {
  RESPOND SELECT * FROM Todo ORDER_BY id DESC LIMIT $query.limit
}

// An ordinary comment is no documentation.
GET /todos/count {
  RESPOND SELECT COUNT(*) FROM Todo
}`));
  await assertValid(doc);
  const list = op(doc, "get", "/todos");
  assert.equal(list.summary, "Lists todos.");
  assert.equal(list.description, "Lists todos.\nNewest first, a page at a time.");
  assert.deepEqual(list.parameters, [
    { name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 100, default: 20 } },
    { name: "sort", in: "query", required: false, schema: { type: "string", enum: ["new", "old"] } },
  ]);
  assert.equal(op(doc, "get", "/todos/count").summary, undefined);
  assert.deepEqual(jsonBody(op(doc, "get", "/todos/count"), 200), { type: "integer" });
  const todo = doc.components.schemas.Todo;
  assert.equal(todo.description, "A thing to do.");
  assert.equal((todo.properties as Record<string, JsonSchema>).title.description, "What to do.");
});
