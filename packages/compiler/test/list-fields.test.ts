/** List fields on entities (`tags: text[]`): their schema, the contains / IN test, and every misuse the checker refuses. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, planQuery, type Diagnostic, type SelectQuery } from "../src/index.js";

const ARTICLE = `
ENTITY Article {
  title: text
  tags: text[]
  scores: int[]?
  weights: float[]?
  meta: json?
}
`;

function diagnostics(body: string): Diagnostic[] {
  return checkText(`${ARTICLE}\n${body}`, "app.kova").diagnostics;
}

function codes(body: string): string[] {
  return diagnostics(body).map((d) => d.code);
}

function plans(body: string) {
  const result = checkText(`${ARTICLE}\n${body}`, "app.kova");
  assert.deepEqual(result.diagnostics, []);
  const endpoints = result.files[0].program.declarations.filter((d) => d.kind === "Endpoint");
  return endpoints.map((e) => planQuery(((e as { body: { statements: Array<{ value: SelectQuery }> } }).body.statements[0]).value, result.programs[0].model));
}

test("a list field is json with its element type, typed as a list in the row", () => {
  const result = checkText(`${ARTICLE}\nPOST /a { x = INSERT INTO Article { title: "t", tags: ["a", "b"], scores: [1, 2] }\n RESPOND x.tags }`, "app.kova");
  assert.deepEqual(result.diagnostics, []);
  const fields = result.programs[0].model.entities.get("Article")!.schema.fields;
  assert.deepEqual(
    fields.map((f) => [f.name, f.type, f.items ?? null, f.optional]),
    [["title", "string", null, false], ["tags", "json", "string", false], ["scores", "json", "int", true], ["weights", "json", "float", true], ["meta", "json", null, true]],
  );
});

test("contains(list, value) and value IN list plan to one contains filter, the value coerced to the element type", () => {
  const [a, b] = plans(`
GET /a/:tag { RESPOND SELECT title FROM Article WHERE contains(tags, $tag) }
GET /b/:n { RESPOND SELECT title FROM Article WHERE $n IN scores AND NOT contains(tags, "x") }`);
  assert.ok(a.plan.kind === "select");
  assert.deepEqual(a.plan.where, { kind: "contains", field: "tags", item: { kind: "arg", index: 0 } });
  assert.equal(a.args[0].coerce, "string");
  assert.ok(b.plan.kind === "select");
  assert.deepEqual(b.plan.where, {
    kind: "and",
    items: [
      { kind: "contains", field: "scores", item: { kind: "arg", index: 0 } },
      { kind: "not", item: { kind: "contains", field: "tags", item: { kind: "literal", value: "x" } } },
    ],
  });
  assert.deepEqual([b.args[0].coerce, b.args[0].label], ["int", "path parameter n"]);
});

test("KV2380: a list of anything but text, int or float, with did-you-mean on a typo", () => {
  const bad = checkText(`ENTITY A {\n  ids: uuid[]\n  xs: txet[]\n}`, "app.kova").diagnostics;
  assert.deepEqual(bad.map((d) => d.code), ["KV2380", "KV2380"]);
  assert.match(bad[0].message, /holds text, int or float elements, not uuid/);
  assert.equal(bad[1].suggestion, "did you mean 'text'?");
});

test("KV2381: UNIQUE, INDEX and DEFAULT do not apply to a list field", () => {
  const bad = checkText(`ENTITY A {\n  a: text[] UNIQUE\n  b: int[] INDEX\n  c: text[] DEFAULT "x"\n}`, "app.kova").diagnostics;
  assert.deepEqual(bad.map((d) => d.code), ["KV2381", "KV2381", "KV2381"]);
});

test("KV2382: a list compared, ordered by, grouped by, or counted beside fields; contains against another field", () => {
  assert.ok(codes(`GET /a { RESPOND SELECT title FROM Article WHERE tags LIKE "x%" }`).includes("KV2382"));
  assert.deepEqual(codes(`GET /a { RESPOND SELECT title FROM Article ORDER_BY tags }`), ["KV2382"]);
  assert.deepEqual(codes(`GET /a { RESPOND SELECT tags, COUNT(*) AS n FROM Article GROUP_BY tags }`), ["KV2382"]);
  const counted = diagnostics(`GET /a { RESPOND SELECT title, COUNT(tags) FROM Article }`);
  assert.deepEqual(counted.map((d) => d.code), ["KV2382"]);
  assert.match(counted[0].message, /beside fields, COUNT\(tags\) counts related rows, and 'tags' is a list field, not a relation/);
  assert.match(counted[0].suggestion ?? "", /SELECT COUNT\(tags\) AS n/);
  assert.ok(codes(`GET /a { RESPOND SELECT title FROM Article WHERE contains(tags, title) }`).includes("KV2382"));
});

test("COUNT(list) alone is the aggregate: rows whose list is set", () => {
  const [p] = plans(`GET /a { RESPOND SELECT COUNT(scores) AS n FROM Article }`);
  assert.ok(p.plan.kind === "select");
  assert.deepEqual(p.plan.shape?.columns, [{ name: "n", value: { kind: "aggregate", fn: "count", field: "scores", distinct: false } }]);
});

test("contains with a value of another type than the elements is never true (KV3002)", () => {
  const bad = diagnostics(`GET /a { RESPOND SELECT title FROM Article WHERE contains(tags, 3) }`);
  assert.deepEqual(bad.map((d) => d.code), ["KV3002"]);
  assert.match(bad[0].message, /'tags' holds text elements, and this is int/);
  assert.deepEqual(codes(`GET /a/:n { RESPOND SELECT title FROM Article WHERE contains(scores, $n) }`), []);
});

test("a list has elements, not sub-fields: tags.x is not a json path", () => {
  assert.ok(codes(`GET /a { RESPOND SELECT title FROM Article WHERE tags.x = "a" }`).includes("KV2002"));
});
