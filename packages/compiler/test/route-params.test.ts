/** Declared route parameters (issue 13 item 5): `:id(int)` and `QUERY { … }`: parser, checker, formatter, IR. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, formatSource, lower, parse, type Diagnostic } from "../src/index.js";

const check = (text: string): Diagnostic[] => checkText(text, "app.kova").diagnostics;
const codes = (text: string) => check(text).map((d) => d.code);

const GOOD = `ENTITY Post {
  title: text
  slug: text UNIQUE
}

GET /posts/:id(int) {
  RESPOND SELECT * FROM Post WHERE id = $id
}

GET /posts QUERY { limit: int(min: 1, max: 100) DEFAULT 20, sort: enum("new", "old") DEFAULT "new", q: text? } {
  RESPOND { sort: $query.sort, posts: SELECT * FROM Post WHERE title = $query.q ORDER_BY id LIMIT $query.limit }
}
`;

test("parser: :id(int) types a path segment and the routed path leaves the type out; QUERY { … } holds fields", () => {
  const { program, diagnostics } = parse(GOOD, "app.kova");
  assert.deepEqual(diagnostics, []);
  const [, byId, list] = program.declarations;
  assert.equal(byId.kind === "Endpoint" ? byId.path.text : "", "/posts/:id");
  assert.equal(byId.kind === "Endpoint" ? byId.path.segments[1].type?.name : "", "int");
  assert.deepEqual(list.kind === "Endpoint" ? list.query?.fields.map((f) => f.name.name) : [], ["limit", "sort", "q"]);
});

test("checker: declared parameters check clean; a declared type that disagrees with its use is reported", () => {
  assert.deepEqual(check(GOOD), []);
  // $id declared int, compared with a text field.
  assert.deepEqual(codes(GOOD.replace("WHERE id = $id", "WHERE slug = $id")), ["KV3001"]);
});

test("checker: an unknown parameter type is KV2202 with did-you-mean; a list is KV2202 too", () => {
  const [path] = check("GET /a/:id(integr) {\n  RESPOND { id: $id }\n}\n");
  assert.equal(path.code, "KV2202");
  assert.equal(path.suggestion, "did you mean 'integer'?");
  const [query] = check("GET /a QUERY { n: innt } {\n  RESPOND { n: $query.n }\n}\n");
  assert.equal(query.code, "KV2202");
  assert.equal(query.suggestion, "did you mean 'int'?");
  assert.deepEqual(codes("GET /a QUERY { n: int[] } {\n  RESPOND (1)\n}\n"), ["KV2202"]);
});

test("checker: a QUERY parameter read but not declared is KV2002 with did-you-mean", () => {
  const [d] = check('GET /a QUERY { limit: int DEFAULT 5 } {\n  RESPOND { n: $query.limt }\n}\n');
  assert.equal(d.code, "KV2002");
  assert.equal(d.suggestion, "did you mean 'limit'?");
});

test("checker: duplicates (KV2203), unknown options and modifiers (KV2204), defaults that do not fit (KV3153)", () => {
  assert.deepEqual(codes("GET /a QUERY { n: int?, n: int? } {\n  RESPOND (1)\n}\n"), ["KV2203"]);
  const [option] = check("GET /a QUERY { n: int(maxx: 3)? } {\n  RESPOND (1)\n}\n");
  assert.equal(option.code, "KV2204");
  assert.equal(option.suggestion, "did you mean 'max'?");
  assert.deepEqual(codes("GET /a QUERY { n: int UNIQUE } {\n  RESPOND (1)\n}\n"), ["KV2204"]);
  for (const bad of ['int DEFAULT "x"', "int(max: 10) DEFAULT 20", 'enum("a", "b") DEFAULT "c"', "int(min: 5, max: 1)?", "int DEFAULT 1.5"]) {
    assert.deepEqual(codes(`GET /a QUERY { n: ${bad} } {\n  RESPOND (1)\n}\n`), ["KV3153"], bad);
  }
});

test("formatter: typed paths and QUERY blocks print back and round-trip", () => {
  const out = formatSource(GOOD, "app.kova");
  assert.deepEqual(out.diagnostics, []);
  assert.match(out.text, /GET \/posts\/:id\(int\) \{/);
  assert.match(out.text, /GET \/posts QUERY \{/);
  assert.equal(formatSource(out.text, "app.kova").text, out.text);
});

test("IR: declared types win over use and carry their default, bounds and values", () => {
  const app = lower(checkText(GOOD, "app.kova").programs[0].model, { name: "app" });
  const byId = app.entryPoints.find((r) => r.id === "GET /posts/:id")!;
  assert.deepEqual(byId.inputs.path, [{ name: "id", type: "int", from: "declared" }]);
  const list = app.entryPoints.find((r) => r.id === "GET /posts")!;
  assert.deepEqual(list.inputs.query, [
    { name: "limit", type: "int", from: "declared", required: false, default: 20, min: 1, max: 100 },
    { name: "q", type: "string", from: "declared", required: false },
    { name: "sort", type: "string", from: "declared", required: false, default: "new", values: ["new", "old"] },
  ]);
});
