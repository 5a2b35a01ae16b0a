/** Rich types (phone, money, ip, decimal(p, s), …) in entities and shapes: schemas, checks, plans and the OpenAPI document. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import { checkText, emitApp, lower, openApiDocument, type Diagnostic } from "../src/index.js";

function check(text: string) {
  return checkText(text, "/app/app.kova", { readFile: () => undefined });
}

function codes(text: string): string[] {
  return check(text).diagnostics.map((d: Diagnostic) => d.code);
}

/** The generated JS module of a checked program. */
function generated(result: ReturnType<typeof check>): string {
  const app = lower(result.programs[0].model, { name: "app" });
  const compiled = new Map(app.queries.map((q) => [q.id, { sql: `-- ${q.id}` } as never]));
  return emitApp(app, compiled, { sourcePath: () => "app.kova", sourceText: () => "", moduleSpecifier: (_f, m) => m, outputFile: "/app/dist/app.js" }).code;
}

const SERVER = `
ENTITY Server {
  name: text
  address: ip UNIQUE
  version: semver?
  opened: year_month?
  price: decimal(10, 2)?
  plain: decimal?
  home: phone DEFAULT "+1 415 555 0100"
}
`;

test("a rich field keeps its storage scalar and names its type", () => {
  const result = check(SERVER);
  assert.deepEqual(result.diagnostics, []);
  const fields = result.programs[0].model.entities.get("Server")!.schema.fields;
  assert.deepEqual(
    fields.map((f) => [f.name, f.type, f.rich ?? null]),
    [["name", "string", null], ["address", "string", { name: "ip" }], ["version", "string", { name: "semver" }], ["opened", "string", { name: "year_month" }],
      ["price", "decimal", { name: "decimal", args: [10, 2] }], ["plain", "decimal", null], ["home", "string", { name: "phone" }]],
  );
  // A DEFAULT is stored in canonical form, as any written value.
  assert.deepEqual(fields.find((f) => f.name === "home")!.default, { value: "+14155550100" });
});

test("KV2800: ORDER_BY, <, > and BETWEEN on a type with no common order; == and IN are fine", () => {
  assert.deepEqual(codes(`${SERVER}\nGET /s { RESPOND SELECT * FROM Server ORDER_BY address }`), ["KV2800"]);
  assert.deepEqual(codes(`${SERVER}\nGET /s { RESPOND SELECT * FROM Server ORDER_BY $query.sort IN [name, version] }`), ["KV2800"]);
  assert.deepEqual(codes(`${SERVER}\nGET /s { RESPOND SELECT * FROM Server WHERE version > $query.v }`), ["KV2800"]);
  assert.deepEqual(codes(`${SERVER}\nGET /s { RESPOND SELECT MAX(version) AS v FROM Server }`), ["KV2800"]);
  assert.deepEqual(codes(`${SERVER}\nGET /s { RESPOND SELECT * FROM Server WHERE address BETWEEN $query.a AND $query.b }`), ["KV2800"]);
  assert.deepEqual(codes(`${SERVER}\nGET /s { RESPOND SELECT * FROM Server WHERE address = $query.a OR version IN $query.v ORDER_BY opened, price }`), []);
  const d = check(`${SERVER}\nGET /s { RESPOND SELECT * FROM Server ORDER_BY address }`).diagnostics[0]!;
  assert.match(d.message, /a ip value has no order every database agrees on/);
  assert.match(d.suggestion ?? "", /== or IN/);
});

test("KV2801: decimal(p, s) out of range; a bad DEFAULT names the expected form", () => {
  assert.deepEqual(codes(`ENTITY T {\n  a: decimal(40, 2)\n}`), ["KV2801"]);
  assert.deepEqual(codes(`ENTITY T {\n  a: decimal(5, 6)\n}`), ["KV2801"]);
  assert.deepEqual(codes(`ENTITY T {\n  a: decimal(5)\n}`), ["KV2801"]);
  const bad = check(`ENTITY T {\n  tz: timezone DEFAULT "Mars/Base"\n}`).diagnostics;
  assert.equal(bad.length, 1);
  assert.match(bad[0]!.message, /must be an IANA time zone, e\.g\. "Europe\/Paris"/);
});

test("an unknown type suggests the rich type it is close to", () => {
  const d = check(`ENTITY T {\n  a: phnoe\n}`).diagnostics[0]!;
  assert.match(`${d.message} ${d.suggestion}`, /phone/);
});

test("a VALIDATE shape checks rich types with the registry's check, all issues at once", () => {
  const result = check(`VALIDATE In {\n  phone: phone\n  tags: country[]\n  email: email(max: 20)\n}\nPOST /x VALIDATE In { RESPOND 201 $body }`);
  assert.deepEqual(result.diagnostics, []);
  const js = generated(result);
  assert.match(js, /kb\.checkRich\(\{"name":"phone"\}, f_phone\)/);
  assert.match(js, /kb\.checkRich\(\{"name":"country"\}, item\)/);
  assert.match(js, /f_email\.length > 20/);
});

test("a value compared with a rich field is canonicalised (a 400 when it is no such value); a LIKE pattern is not", () => {
  const result = check(`${SERVER}\nGET /s/:a { RESPOND SELECT name FROM Server WHERE address = $a }\nGET /n { RESPOND SELECT name FROM Server WHERE version LIKE $query.p }`);
  assert.deepEqual(result.diagnostics, []);
  const js = generated(result);
  assert.match(js, /canonical\(ctx\.params\["a"\], \{"name":"ip"\}, "path parameter a"\)/);
  assert.doesNotMatch(js, /canonical\([^\n]*\{"name":"semver"\}/);
});

test("the OpenAPI document gives each rich field its schema, description and example", async () => {
  const result = check(`${SERVER}\nGET /s/:id { RESPOND SELECT * FROM Server WHERE id = $id }\nVALIDATE In {\n  home: phone\n}\nPOST /s VALIDATE In { RESPOND 201 INSERT INTO Server $body }`);
  const doc = openApiDocument(lower(result.programs[0].model, { name: "app" })) as unknown as { components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>> }> } };
  const server = doc.components.schemas.Server!.properties;
  assert.deepEqual(server.address, { anyOf: [{ type: "string", format: "ipv4" }, { type: "string", format: "ipv6" }], description: "an IPv4 or IPv6 address, in the canonical form of either", examples: ["192.0.2.10"] });
  assert.equal(server.home!.pattern, "^\\+[1-9][0-9]{6,14}$");
  assert.deepEqual(server.opened!.type, ["string", "null"]);
  assert.equal(doc.components.schemas.In!.properties.home!.pattern, "^\\+[1-9][0-9]{6,14}$");
  const valid = await new Validator().validate(doc as Parameters<Validator["validate"]>[0]);
  assert.equal(valid.valid, true, JSON.stringify(valid.errors));
});
