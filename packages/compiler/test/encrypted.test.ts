// ENCRYPTED fields (issue 21 item 7) in the compiler: the modifier is parsed and printed, the schema
// is marked, the app needs KOVA_DATA_KEY, and what cannot work on ciphertext is refused with its
// code — in the checker (KV2970, KV2971) and by the build on the plans (KV2972, KV2973, KV2974).
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, checkWithDrivers, formatSource, lower, parse, type Diagnostic } from "../src/index.js";

function check(text: string): Diagnostic[] {
  return checkText(text, "/app/app.kova", { readFile: () => undefined }).diagnostics;
}

async function checkDrivers(text: string): Promise<Diagnostic[]> {
  const file = "/app/app.kova";
  return (await checkWithDrivers([file], { readFile: (p) => (p === file ? text : undefined) })).diagnostics;
}

const errors = (ds: Diagnostic[]) => ds.filter((d) => d.severity === "error").map((d) => d.code);

const ENTITY = `ENTITY Customer {
  name: text ENCRYPTED
  email: email? ENCRYPTED
  city: text
}
`;

test("parser and formatter: ENCRYPTED is a field modifier, printed as written", () => {
  const fields = (parse(ENTITY, "/app/app.kova").program.declarations[0] as { fields: Array<{ modifiers: Array<{ modifier: string }> }> }).fields;
  assert.deepEqual(fields.map((f) => f.modifiers.map((m) => m.modifier)), [["ENCRYPTED"], ["ENCRYPTED"], []]);
  assert.equal(formatSource(ENTITY, "/app/app.kova").text.trim(), ENTITY.trim());
});

test("checker: the schema marks ENCRYPTED fields, and the app requires KOVA_DATA_KEY (retired keys optional)", () => {
  const result = checkText(ENTITY, "/app/app.kova", { readFile: () => undefined });
  assert.deepEqual(errors(result.diagnostics), []);
  const app = lower(result.programs[0].model, { name: "app" });
  const customer = app.entities.find((e) => e.name === "Customer")!;
  assert.deepEqual(customer.fields.map((f) => [f.name, f.encrypted ?? false]), [["name", true], ["email", true], ["city", false]]);
  assert.deepEqual(app.env.map((v) => [v.name, v.default]), [["KOVA_DATA_KEY", undefined], ["KOVA_DATA_KEYS_RETIRED", ""]]);
  const plain = lower(checkText("ENTITY Note { body: text }", "/app/app.kova", { readFile: () => undefined }).programs[0].model, { name: "app" });
  assert.deepEqual(plain.env, [], "no key without ENCRYPTED fields");
});

test("KV2970: only a text field can be ENCRYPTED", () => {
  for (const type of ["int", "boolean", "date", "text[]", "Customer"]) {
    const ds = check(`ENTITY Customer { name: text }\nENTITY Order { x: ${type} ENCRYPTED }`);
    assert.deepEqual(errors(ds), ["KV2970"], type);
    assert.match(ds[0].message, /only a text field can be ENCRYPTED/);
    assert.match(ds[0].suggestion ?? "", /text ENCRYPTED/);
  }
});

test("KV2971: ENCRYPTED with UNIQUE, INDEX, DEFAULT, a composite constraint or an IDENTIFIER source", () => {
  for (const [source, where] of [
    ["ENTITY A { name: text UNIQUE ENCRYPTED }", "UNIQUE"],
    ["ENTITY A { name: text ENCRYPTED INDEX }", "INDEX"],
    ['ENTITY A { name: text ENCRYPTED DEFAULT "x" }', "DEFAULT"],
    ["ENTITY A {\n  name: text ENCRYPTED\n  city: text\n  UNIQUE (name, city)\n}", "UNIQUE (name, city)"],
    ["ENTITY A IDENTIFIER slug(name) { name: text ENCRYPTED }", "IDENTIFIER"],
  ] as const) {
    const ds = check(source);
    assert.deepEqual(errors(ds), ["KV2971"], source);
    assert.ok(ds[0].message.includes(where), `${source}: ${ds[0].message}`);
  }
});

test("KV2972: a query comparing, ordering, grouping or computing with an ENCRYPTED field is refused by the build", async () => {
  const refused = [
    "GET /a/:e { RESPOND SELECT * FROM Customer WHERE email = $e }",
    "GET /a { RESPOND SELECT * FROM Customer ORDER_BY name }",
    "GET /a { RESPOND SELECT name AS n FROM Customer }",
    "GET /a { RESPOND SELECT COUNT(*) AS n, name FROM Customer GROUP_BY name }",
    "GET /a { RESPOND HISTORY Customer WHERE name = \"x\" }",
    "GET /a { RESPOND SELECT city, orders { id } FROM Customer }\nGET /b { RESPOND SELECT * FROM Order WHERE EXISTS customer(name = \"x\") }",
    'PATCH /a/:id { RESPOND UPDATE Customer SET name = "x" WHERE id = $id }',
  ];
  for (const route of refused) {
    const ds = await checkDrivers(`ENTITY Customer {\n  name: text ENCRYPTED\n  email: email? ENCRYPTED\n  city: text\n  orders: Order[] BY customer\n}\nENTITY Order { customer: Customer }\n${route}`);
    assert.deepEqual(errors(ds), ["KV2972"], route);
    assert.match(ds.find((d) => d.code === "KV2972")!.message, /is ENCRYPTED: the database holds only its ciphertext/);
  }
  const allowed = await checkDrivers(`${ENTITY}GET /a/:id { RESPOND SELECT name, email FROM Customer WHERE id = $id }\nGET /b/:c { RESPOND SELECT * FROM Customer WHERE city = $c ORDER_BY city }\nPATCH /a/:id { RESPOND UPDATE Customer SET $body WHERE id = $id }\nPOST /a { RESPOND INSERT INTO Customer $body }\nGET /h/:id { RESPOND HISTORY Customer WHERE id = $id }`);
  assert.deepEqual(errors(allowed), []);
});

test("KV2973: an UPDATE of many records that may write an ENCRYPTED field", async () => {
  const ds = await checkDrivers(`${ENTITY}PATCH /city/:c { RESPOND UPDATE Customer SET $body WHERE city = $c }`);
  assert.deepEqual(errors(ds), ["KV2973"]);
  assert.match(ds[0].suggestion ?? "", /WHERE id = \$id/);
  const plainOnly = await checkDrivers(`${ENTITY}PATCH /city/:c { RESPOND UPDATE Customer SET city = $body.city WHERE city = $c }`);
  assert.deepEqual(errors(plainOnly), [], "setting only plain fields of many records is fine");
});

test("KV2974: ENCRYPTED fields on a driver that keeps no data keys (MongoDB, Redis, CockroachDB)", async () => {
  for (const driver of ['mongodb("mongodb://127.0.0.1/x")', 'redis("redis://127.0.0.1")', 'cockroach("postgres://127.0.0.1/x")']) {
    const ds = await checkDrivers(`CONNECT db USING ${driver}\n${ENTITY}GET /a/:id { RESPOND SELECT * FROM Customer WHERE id = $id }`);
    assert.ok(errors(ds).includes("KV2974"), `${driver}: ${errors(ds).join(", ")}`);
  }
  const ds = await checkDrivers(`CONNECT db USING postgres("postgres://127.0.0.1/x")\n${ENTITY}`);
  assert.deepEqual(errors(ds), []);
});
