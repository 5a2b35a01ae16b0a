// PUBLIC ID (issue 21 item 2, the trinity pattern's public id) in the compiler: the parser and
// formatter, the field the checker adds and the row's string id, KV2890–KV2893, the one plan
// rewrite (`id` reads public_id, writes ignore a client's public_id, plans are marked for the
// runtime's public view) and the OpenAPI/TypeScript id type. Running it on every driver is held by
// packages/conformance/src/cases-public-id.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, formatSource, lower, openApiDocument, parse, typescriptClient, type Diagnostic } from "../src/index.js";

function check(text: string): Diagnostic[] {
  return checkText(text, "/app/app.kova", { readFile: () => undefined }).diagnostics;
}

function codes(text: string): string[] {
  return check(text).map((d) => d.code);
}

function model(text: string) {
  const result = checkText(text, "/app/app.kova", { readFile: () => undefined });
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`), []);
  return lower(result.programs[0].model, { name: "app" });
}

const CUSTOMER = "ENTITY Customer PUBLIC ID uuid {\n  name: text\n}\n";

test("parser: PUBLIC ID uuid beside AUDIT, SOFT DELETE and NO HISTORY; ID must follow PUBLIC", () => {
  const { program, diagnostics } = parse("ENTITY A AUDIT PUBLIC ID uuid SOFT DELETE { n: int }\nENTITY B { n: int }\n", "app.kova");
  assert.deepEqual(diagnostics, []);
  const [a, b] = program.declarations as any[];
  assert.equal(a.publicId.name, "uuid");
  assert.deepEqual([a.audit, a.softDelete, b.publicId], [true, true, null]);
  const bad = parse("ENTITY A PUBLIC KEY uuid { n: int }\n", "app.kova").diagnostics;
  assert.ok(bad.some((d) => /expected ID after PUBLIC/.test(d.message)), JSON.stringify(bad.map((d) => d.message)));
});

test("formatter: PUBLIC ID prints after the other modifiers, and formatting is stable", () => {
  const once = formatSource("ENTITY   Customer  PUBLIC   ID  uuid AUDIT {\n  name : text\n}\n", "app.kova");
  assert.equal(once.text, "ENTITY Customer AUDIT PUBLIC ID uuid {\n  name: text\n}\n");
  assert.equal(formatSource(once.text, "app.kova").changed, false);
});

test("checker: a PUBLIC ID entity stores public_id (uuid, UNIQUE, made on insert); its row's id is a string", () => {
  const app = model(`${CUSTOMER}GET /c/:id {\n  c = SELECT * FROM Customer WHERE id = $id\n  RESPOND { upper: upper(c.id) }\n}\n`);
  const customer = app.entities.find((e) => e.name === "Customer")!;
  assert.deepEqual(customer.fields.map((f) => [f.name, f.type, f.unique, f.computed ?? null, f.publicId ?? null]), [
    ["name", "string", false, null, null],
    ["public_id", "uuid", true, { uuid: true }, "uuid"],
  ]);
  const route = (app.entryPoints as any[]).find((e) => e.id === "GET /c/:id");
  assert.deepEqual(route.inputs.path, [{ name: "id", type: "uuid", from: "field" }], "a malformed id is a 400 naming the parameter");
});

test("KV2890: a field of a PUBLIC ID entity named public_id", () => {
  assert.deepEqual(codes("ENTITY C PUBLIC ID uuid {\n  public_id: text\n}\n"), ["KV2890"]);
});

test("KV2891: a kind of public id Kova does not make", () => {
  const found = check("ENTITY C PUBLIC ID serial {\n  n: int\n}\n");
  assert.deepEqual(found.map((d) => d.code), ["KV2891"]);
  assert.match(found[0].message, /'serial' is not a kind of public id/);
  assert.deepEqual([found[0].span.start.line, found[0].span.start.column], [1, 20]);
});

test("KV2892: a reference to a PUBLIC ID entity kept in another data source", () => {
  const sources = 'CONNECT main USING postgres(env("A"))\nCONNECT archive USING postgres(env("B"))\n';
  assert.deepEqual(codes(`${sources}ENTITY Customer USING archive PUBLIC ID uuid {\n  name: text\n}\nENTITY Order USING main {\n  customer: Customer\n}\n`), ["KV2892"]);
  assert.deepEqual(codes(`${CUSTOMER}ENTITY Order {\n  customer: Customer\n}\n`), [], "one data source: the reference is read and written by public id");
  assert.deepEqual(codes(`ENTITY Country {\n  name: text\n}\nENTITY C PUBLIC ID uuid {\n  country: Country\n}\n`), [], "a PUBLIC ID entity may refer to others");
});

test("a reference to a PUBLIC ID entity: a UUID string in the row, the route parameter compared with it a uuid, conditions through the relation, rows marked", () => {
  const app = model(`${CUSTOMER}ENTITY Order {\n  customer: Customer\n  total: int\n}\nGET /o/:c { RESPOND SELECT total FROM Order WHERE customer = $c }\nPOST /o { RESPOND INSERT INTO Order $body }\n`);
  const order = app.entities.find((e) => e.name === "Order")!;
  assert.deepEqual([order.fields[0].type, order.fields[0].references, order.fields[0].publicReference], ["int", "Customer", true], "stored as the integer key");
  const route = (app.entryPoints as any[]).find((e) => e.id === "GET /o/:c");
  assert.deepEqual(route.inputs.path, [{ name: "c", type: "uuid", from: "field" }]);
  const [read, insert] = app.queries.map((q) => q.plan as any);
  const step = { kind: "one", name: "customer", entity: "Customer", field: "customer" };
  assert.deepEqual(read.where, { kind: "related", relation: step, filter: { kind: "compare", op: "==", left: { kind: "field", field: "public_id" }, right: { kind: "arg", index: 0 } } });
  assert.deepEqual([read.publicRefs, insert.publicRefs], [[{ key: "customer", entity: "Customer" }], [{ key: "customer", entity: "Customer" }]]);
  const doc = openApiDocument(app) as any;
  assert.deepEqual([doc.components.schemas.Order.properties.customer.type, doc.components.schemas.Order.properties.customer.format], ["string", "uuid"]);
});

test("KV2893: SAVE into a PUBLIC ID entity", () => {
  const found = check(`${CUSTOMER}PUT /c/:id {\n  RESPOND SAVE { name: "x", id: $id } INTO Customer\n}\n`);
  assert.deepEqual(found.map((d) => d.code), ["KV2893"]);
  assert.match(found[0].suggestion ?? "", /UPDATE Customer SET/);
});

test("the program cannot name public_id: it is `id`", () => {
  assert.ok(codes(`${CUSTOMER}GET /c/:p { RESPOND SELECT * FROM Customer WHERE public_id = $p }\n`).length > 0);
});

test("plans: `id` reads public_id in conditions and shaped columns; writes ignore a client's public_id; plans are marked", () => {
  const app = model(`${CUSTOMER}GET /a/:id { RESPOND SELECT name FROM Customer WHERE id = $id }
GET /b { RESPOND SELECT id AS ref, name FROM Customer ORDER_BY id }
POST /c { RESPOND INSERT INTO Customer $body }
PATCH /d/:id { RESPOND UPDATE Customer SET $body WHERE id = $id }
DELETE /e/:id { RESPOND DELETE FROM Customer WHERE id = $id }
GET /f/:id { RESPOND HISTORY Customer WHERE id = $id }
`);
  const [a, b, c, d, e, f] = app.queries.map((q) => q.plan as any);
  const pub = { kind: "compare", op: "==", left: { kind: "field", field: "public_id" }, right: { kind: "arg", index: 0 } };
  assert.deepEqual([a.where, a.fields, a.single, a.publicId], [pub, ["name", "public_id"], true, true]);
  assert.deepEqual(b.shape.columns[0], { name: "ref", value: { kind: "field", field: "public_id" } });
  assert.deepEqual(b.orderBy, [{ field: "id", direction: "ASC" }], "ORDER_BY id keeps the insertion order");
  assert.equal(b.publicId, undefined, "a shaped result names its own columns");
  assert.deepEqual([c.values.publicId, c.publicId], [true, true]);
  assert.deepEqual([d.values.publicId, d.where, d.publicId], [true, { ...pub, right: { kind: "arg", index: 1 } }, true]);
  assert.deepEqual([e.where, e.publicId], [pub, true]);
  assert.deepEqual([f.where, f.publicId], [pub, true]);
});

test("OpenAPI and the TypeScript client: a PUBLIC ID entity's id is a read-only UUID string; public_id is not shown", () => {
  const app = model(`${CUSTOMER}GET /c/:id { RESPOND SELECT name FROM Customer WHERE id = $id }\n`);
  const doc = openApiDocument(app) as any;
  const customer = doc.components.schemas.Customer;
  assert.deepEqual(Object.keys(customer.properties), ["id", "name"]);
  assert.deepEqual([customer.properties.id.type, customer.properties.id.format, customer.properties.id.readOnly], ["string", "uuid", true]);
  assert.doesNotMatch(JSON.stringify(doc), /public_id/);
  const client = typescriptClient(app);
  assert.doesNotMatch(client, /public_id/);
  assert.match(client, /readonly id: string;/);
});
