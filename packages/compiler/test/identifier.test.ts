// IDENTIFIER (issue 21 item 2, the trinity pattern's human-readable identifier) in the compiler:
// the parser and formatter, the field the checker adds (UNIQUE, or UNIQUE per tenant), KV2894–
// KV2897, the plan rewrite (writes ignore a client's identifier, inserts make it), the route
// parameter compared with it (a slug: a malformed one is a 400), OpenAPI. Running it on every
// driver is held by packages/conformance/src/cases-identifier.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, formatSource, lower, openApiDocument, parse, type Diagnostic } from "../src/index.js";

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

const AUTH = `VALIDATE Claims { sub: string  org: string }
AUTH jwt USING secret(env("JWT_KEY")) { claims: Claims }
`;

const ARTICLE = "ENTITY Article PUBLIC ID uuid IDENTIFIER slug(title) {\n  title: text\n  body: text?\n}\n";

test("parser: IDENTIFIER slug(fields) beside the other modifiers, in any order", () => {
  const { program, diagnostics } = parse("ENTITY A IDENTIFIER slug(first, last) AUDIT { first: text  last: text }\nENTITY B { n: int }\n", "app.kova");
  assert.deepEqual(diagnostics, []);
  const [a, b] = program.declarations as any[];
  assert.deepEqual([a.identifier.maker.name, a.identifier.from.map((f: any) => f.name), a.audit, b.identifier], ["slug", ["first", "last"], true, null]);
  const bad = parse("ENTITY A IDENTIFIER slug title { title: text }\n", "app.kova").diagnostics;
  assert.ok(bad.some((d) => /'\(' and the fields the identifier is made from/.test(d.message)), JSON.stringify(bad.map((d) => d.message)));
});

test("formatter: IDENTIFIER prints after PUBLIC ID, and formatting is stable", () => {
  const once = formatSource("ENTITY   Article IDENTIFIER  slug( title ,body )  PUBLIC ID uuid {\n  title : text\n  body: text\n}\n", "app.kova");
  assert.equal(once.text, "ENTITY Article PUBLIC ID uuid IDENTIFIER slug(title, body) {\n  title: text\n  body: text\n}\n");
  assert.equal(formatSource(once.text, "app.kova").changed, false);
});

test("checker: the identifier is a UNIQUE slug field made from the named fields; per tenant on a TENANT BY entity", () => {
  const app = model(`${AUTH}${ARTICLE}ENTITY Page TENANT BY org IDENTIFIER slug(title) {\n  title: text\n}\n`);
  const article = app.entities.find((e) => e.name === "Article")!;
  const identifier = article.fields.find((f) => f.name === "identifier")!;
  assert.deepEqual(
    [identifier.type, identifier.optional, identifier.unique, identifier.rich, identifier.computed],
    ["string", false, true, { name: "slug" }, { identifier: ["title"], empty: "article" }],
  );
  const page = app.entities.find((e) => e.name === "Page")!;
  assert.equal(page.fields.find((f) => f.name === "identifier")!.unique, false, "unique with the tenant, not alone");
  assert.deepEqual(page.uniques, [["tenant_id", "identifier"]]);
});

test("routes: a parameter compared with the identifier is a slug (a malformed one is a 400); the WHERE pins one row", () => {
  const app = model(`${ARTICLE}GET /a/:identifier { RESPOND SELECT title FROM Article WHERE identifier = $identifier }
GET /b/:key { RESPOND SELECT title FROM Article WHERE title = $key }
`);
  const route = (id: string) => (app.entryPoints as any[]).find((e) => e.id === id);
  assert.deepEqual(route("GET /a/:identifier").inputs.path, [{ name: "identifier", type: "slug", from: "field" }]);
  assert.deepEqual(route("GET /b/:key").inputs.path, [{ name: "key", type: "string", from: "field" }]);
  assert.equal((app.queries[0].plan as any).single, true);
  const doc = openApiDocument(app) as any;
  const parameter = doc.paths["/a/{identifier}"].get.parameters[0];
  assert.deepEqual(parameter.schema, { type: "string", pattern: "^[a-z0-9]+(?:-[a-z0-9]+)*$" });
  const schema = doc.components.schemas.Article.properties.identifier;
  assert.deepEqual([schema.type, schema.readOnly], ["string", true]);
});

test("plans: every write of the entity carries identifier (a client's value ignored; inserts make it, from attempt 1)", () => {
  const app = model(`${ARTICLE}POST /a { RESPOND INSERT INTO Article $body }
PATCH /b/:identifier { RESPOND UPDATE Article SET $body WHERE identifier = $identifier }
GET /c { RESPOND SELECT * FROM Article }
`);
  const [insert, update, select] = app.queries.map((q) => q.plan as any);
  assert.deepEqual([insert.values.identifier, update.values.identifier, select.values], [{ attempt: 1 }, { attempt: 1 }, undefined]);
});

test("KV2894: a way of making an identifier Kova does not have", () => {
  const found = check("ENTITY A IDENTIFIER uuid(title) {\n  title: text\n}\n");
  assert.deepEqual(found.map((d) => d.code), ["KV2894"]);
  assert.match(found[0].message, /'uuid' is not a way Kova makes identifiers/);
  assert.deepEqual([found[0].span.start.line, found[0].span.start.column], [1, 21]);
});

test("KV2895: no field, an unknown field, or a field that is not text", () => {
  assert.deepEqual(codes("ENTITY A IDENTIFIER slug() {\n  title: text\n}\n"), ["KV2895"]);
  const unknown = check("ENTITY A IDENTIFIER slug(titel) {\n  title: text\n}\n");
  assert.deepEqual(unknown.map((d) => d.code), ["KV2895"]);
  assert.match(unknown[0].suggestion ?? "", /title/);
  assert.deepEqual(codes("ENTITY A IDENTIFIER slug(n) {\n  n: int\n}\n"), ["KV2895"]);
});

test("KV2896: a field of an IDENTIFIER entity named identifier", () => {
  assert.deepEqual(codes("ENTITY A IDENTIFIER slug(title) {\n  title: text\n  identifier: text\n}\n"), ["KV2896"]);
});

test("KV2897: a write in the source that sets the identifier", () => {
  const found = check(`${ARTICLE}POST /a { RESPOND INSERT INTO Article { title: "x", identifier: "y" } }\n`);
  assert.deepEqual(found.map((d) => d.code), ["KV2897"]);
  assert.deepEqual(codes(`${ARTICLE}PATCH /a/:identifier { RESPOND UPDATE Article SET identifier = "y" WHERE identifier = $identifier }\n`), ["KV2897"]);
});
