/** ORDER_BY value IN [field, …] (issue 13 item 5): parser, checker, formatter, IR (one plan per field). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, formatSource, lower, parse, type Diagnostic } from "../src/index.js";

const check = (text: string): Diagnostic[] => checkText(text, "app.kova").diagnostics;

const GOOD = `ENTITY Film {
  title: text
  year: int
}

GET /films {
  RESPOND SELECT * FROM Film ORDER_BY $query.sort IN [title, year] DESC, id LIMIT 50
}
`;

test("parser: value IN [fields] is an OrderChoice; anything else after ORDER_BY that is not a field is KV1242", () => {
  const { program, diagnostics } = parse(GOOD, "app.kova");
  assert.deepEqual(diagnostics, []);
  const endpoint = program.declarations[1];
  const respond = endpoint.kind === "Endpoint" ? endpoint.body.statements[0] : null;
  const query = respond?.kind === "Respond" ? respond.value : null;
  const items = query?.kind === "SelectQuery" ? query.orderBy?.items ?? [] : [];
  assert.deepEqual(items.map((i) => [i.field.name, i.direction, i.choice?.fields.map((f) => f.name) ?? null]), [["title", "DESC", ["title", "year"]], ["id", "ASC", null]]);
  for (const bad of ["$query.sort", "$query.sort IN $query.allowed", '$query.sort IN ["title"]']) {
    const found = parse(GOOD.replace("$query.sort IN [title, year]", bad), "app.kova").diagnostics;
    assert.equal(found[0]?.code, "KV1242", bad);
  }
});

test("checker: listed names are fields (KV2002 with did-you-mean); the value is text; one choice per ORDER_BY", () => {
  assert.deepEqual(check(GOOD), []);
  const [field] = check(GOOD.replace("[title, year]", "[title, yaer]"));
  assert.equal(field.code, "KV2002");
  assert.equal(field.suggestion, "did you mean 'year'?");
  const numeric = GOOD.replace("  RESPOND SELECT", "  n = 1\n  RESPOND SELECT").replace("$query.sort IN", "n IN");
  assert.deepEqual(check(numeric).map((d) => d.code), ["KV3002"]);
  assert.deepEqual(check(GOOD.replace(", id LIMIT", ", $query.then IN [id, year] LIMIT")).map((d) => d.code), ["KV1242"]);
});

test("formatter: the choice prints back and round-trips", () => {
  assert.equal(formatSource(GOOD, "app.kova").text, GOOD);
});

test("IR: one query plan per listed field, chosen by an orderChoice expression naming the parameter", () => {
  const app = lower(checkText(GOOD, "app.kova").programs[0].model, { name: "app" });
  assert.deepEqual(app.queries.map((q) => (q.plan.kind === "select" ? q.plan.orderBy : null)), [
    [{ field: "title", direction: "DESC" }, { field: "id", direction: "ASC" }],
    [{ field: "year", direction: "DESC" }, { field: "id", direction: "ASC" }],
  ]);
  const respond = app.entryPoints[0].body[0];
  assert.equal(respond.kind, "respond");
  if (respond.kind !== "respond" || respond.value?.kind !== "orderChoice") return assert.fail("no orderChoice");
  assert.equal(respond.value.label, "query parameter sort");
  assert.deepEqual(respond.value.options.map((o) => [o.field, o.query.query]), [["title", "Q0"], ["year", "Q1"]]);
});
