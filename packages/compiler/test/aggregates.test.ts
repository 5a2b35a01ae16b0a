/** Aggregates and shaped SELECTs: parsing, checking (good and bad programs), lowering, formatting, driver refusals. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { SelectPlan } from "@kova/query";
import { checkText, checkWithDrivers, formatSource, lower, parse, type Diagnostic } from "../src/index.js";
import type { Expression, SelectQuery } from "../src/ast/nodes.js";
import { describe as describeType } from "../src/checker/types.js";

const SALE = `
ENTITY Sale {
  region: text
  item: text
  qty: int
  price: float
  open: bool
  note: text?
}
`;

function check(text: string): Diagnostic[] {
  return checkText(SALE + text, "app.kova").diagnostics;
}

function codes(text: string): string[] {
  return check(text).map((d) => d.code);
}

function only(text: string, code: string): Diagnostic {
  const diagnostics = check(text);
  assert.deepEqual(diagnostics.map((d) => d.code), [code], diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return diagnostics[0];
}

/** The type the checker gave the first query of the first endpoint's RESPOND. */
function resultType(text: string): string {
  const result = checkText(SALE + text, "app.kova");
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  assert.deepEqual(errors.map((d) => `${d.code} ${d.message}`), []);
  const model = result.programs[0].model;
  const query = [...model.types.keys()].find((e: Expression) => e.kind === "SelectQuery")!;
  return describeType(model.types.get(query)!);
}

function selectPlan(text: string): SelectPlan {
  const result = checkText(SALE + text, "/app/app.kova", { readFile: () => undefined });
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error").map((d) => d.message), []);
  const app = lower(result.programs[0].model, { name: "app" });
  return app.queries[0].plan as SelectPlan;
}

test("parse: a select list with aliases, aggregates and computed values, and every new clause", () => {
  const { program, diagnostics } = parse(
    "GET /x { RESPOND SELECT DISTINCT region, COUNT(DISTINCT item) AS items, qty * price AS total FROM Sale GROUP_BY region HAVING COUNT(*) > 1 ORDER_BY total LIMIT 5 WITH TOTAL }",
  );
  assert.deepEqual(diagnostics, []);
  const endpoint = program.declarations[0];
  assert.equal(endpoint.kind, "Endpoint");
  const q = (endpoint.body.statements[0] as { value: SelectQuery }).value;
  assert.equal(q.distinct, true);
  assert.deepEqual(q.fields, []);
  assert.deepEqual(q.columns!.map((c) => [c.value.kind, c.alias?.name ?? null]), [["Name", null], ["Aggregate", "items"], ["Binary", "total"]]);
  const count = q.columns![1].value;
  assert.ok(count.kind === "Aggregate" && count.function === "COUNT" && count.distinct && count.field?.name === "item");
  assert.deepEqual(q.groupBy!.fields.map((f) => f.name), ["region"]);
  assert.equal(q.having!.expression.kind, "Binary");
  assert.equal(q.withTotal, true);
});

test("parse: a plain field list stays `fields`, and AS OF after it is not an alias", () => {
  const { program, diagnostics } = parse("GET /x { RESPOND SELECT item, qty FROM Sale AS OF 0 }");
  assert.deepEqual(diagnostics, []);
  const q = ((program.declarations[0] as { body: { statements: Array<{ value: SelectQuery }> } }).body.statements[0]).value;
  assert.deepEqual(q.fields!.map((f) => f.name), ["item", "qty"]);
  assert.equal(q.columns, null);
  assert.notEqual(q.asOf, null);
});

test("parse: a duplicated GROUP_BY or HAVING is KV1108", () => {
  assert.ok(parse("GET /x { RESPOND SELECT region FROM Sale GROUP_BY region GROUP_BY region }").diagnostics.some((d) => d.code === "KV1108"));
  assert.ok(parse("GET /x { RESPOND SELECT region FROM Sale GROUP_BY region HAVING COUNT(*) > 1 HAVING COUNT(*) > 2 }").diagnostics.some((d) => d.code === "KV1108"));
});

test("types: a lone aggregate is its value, several are one object, GROUP_BY is a list, WITH TOTAL a page", () => {
  assert.equal(resultType("GET /n { RESPOND SELECT COUNT(*) FROM Sale WHERE open }"), "int");
  assert.equal(resultType("GET /n { RESPOND SELECT AVG(qty) FROM Sale }"), "number");
  assert.equal(resultType("GET /n { RESPOND SELECT MAX(item) FROM Sale }"), "text");
  assert.match(resultType("GET /n { RESPOND SELECT COUNT(*) AS n, SUM(qty) AS units FROM Sale }"), /^object$/);
  assert.match(resultType("GET /n { RESPOND SELECT region, COUNT(*) AS n FROM Sale GROUP_BY region }"), /^object\[\]$/);
  assert.match(resultType("GET /n { RESPOND SELECT item FROM Sale LIMIT 2 WITH TOTAL }"), /^page$/);
});

test("types: a count is a number in the handler, so arithmetic and comparisons on it check", () => {
  assert.deepEqual(codes("GET /n {\n  n = SELECT COUNT(*) FROM Sale\n  RESPOND { n: n + 1, many: n > 10 }\n}"), []);
  assert.ok(codes('GET /n {\n  n = SELECT COUNT(*) FROM Sale\n  RESPOND { bad: n = "many" }\n}').includes("KV3001"));
});

test("KV3110: an aggregate in WHERE points to HAVING; outside a query, to a SELECT", () => {
  const inWhere = only("GET /x { RESPOND SELECT region FROM Sale WHERE COUNT(*) > 1 GROUP_BY region }", "KV3110");
  assert.match(inWhere.message, /cannot go in a WHERE/);
  assert.match(inWhere.suggestion ?? "", /HAVING/);
  const outside = only("GET /x { RESPOND { n: COUNT(*) } }", "KV3110");
  assert.match(outside.suggestion ?? "", /SELECT COUNT\(\*\) FROM/);
});

test("KV3111: a field neither grouped nor aggregated", () => {
  const d = only("GET /x { RESPOND SELECT region, item, COUNT(*) AS n FROM Sale GROUP_BY region }", "KV3111");
  assert.match(d.message, /'item'/);
  assert.match(d.suggestion ?? "", /GROUP_BY|MIN\(item\)/);
  only("GET /x { RESPOND SELECT item, COUNT(*) AS n FROM Sale }", "KV3111");
  only("GET /x { RESPOND SELECT region, COUNT(*) AS n FROM Sale GROUP_BY region HAVING qty > 1 }", "KV3111");
});

test("KV3112: SUM of text, MIN of a boolean", () => {
  assert.match(only("GET /x { RESPOND SELECT SUM(item) FROM Sale }", "KV3112").suggestion ?? "", /COUNT\(item\)/);
  assert.match(only("GET /x { RESPOND SELECT MIN(open) FROM Sale }", "KV3112").suggestion ?? "", /WHERE open/);
});

test("KV3113: a computed column without a name, or one the database cannot compute", () => {
  assert.match(only("GET /x { RESPOND SELECT qty * price FROM Sale }", "KV3113").suggestion ?? "", /AS/);
  assert.ok(codes("GET /x { RESPOND SELECT qty / 2 AS half FROM Sale }").includes("KV3113"));
});

test("KV3114: clauses that do not go together", () => {
  only("GET /x { RESPOND SELECT * FROM Sale GROUP_BY region }", "KV3114");
  only("GET /x { RESPOND SELECT item FROM Sale HAVING qty > 1 }", "KV3114");
  only("GET /x { RESPOND SELECT COUNT(*) AS n FROM Sale WITH TOTAL }", "KV3114");
});

test("AFTER: a keyset page is { items, next }; it needs ORDER_BY of required fields and LIMIT, and no OFFSET", () => {
  assert.equal(resultType("GET /n { RESPOND SELECT item FROM Sale ORDER_BY qty DESC LIMIT 5 AFTER $query.cursor }"), "keyset page");
  const plan = selectPlan("GET /n { RESPOND SELECT item FROM Sale ORDER_BY qty DESC LIMIT 5 AFTER $query.cursor }");
  assert.deepEqual(plan.shape?.after, { cursor: { kind: "arg", index: 0 }, keys: [{ field: "qty", direction: "DESC" }, { field: "id", direction: "ASC" }], label: "cursor" });
  assert.equal(plan.shape?.result, "cursor");
  assert.match(only("GET /n { RESPOND SELECT item FROM Sale LIMIT 5 AFTER $query.cursor }", "KV3114").message, /needs an ORDER_BY/);
  assert.match(only("GET /n { RESPOND SELECT item FROM Sale ORDER_BY id AFTER $query.cursor }", "KV3114").message, /needs a LIMIT/);
  assert.match(only("GET /n { RESPOND SELECT item FROM Sale ORDER_BY id LIMIT 2 OFFSET 2 AFTER $query.cursor }", "KV3114").message, /replaces OFFSET/);
  assert.match(only("GET /n { RESPOND SELECT item FROM Sale ORDER_BY note LIMIT 2 AFTER $query.cursor }", "KV3114").message, /'note' is optional/);
  assert.match(only('GET /n { RESPOND SELECT item FROM Sale ORDER_BY id LIMIT 2 AFTER "abc" }', "KV3114").message, /not a constant/);
});

test("KV2120, KV2121, KV2122: duplicate columns, aggregate names, ORDER_BY outside the result", () => {
  only("GET /x { RESPOND SELECT item, qty AS item FROM Sale }", "KV2120");
  const misspelt = only("GET /x { RESPOND SELECT count(qty) AS n FROM Sale }", "KV2121");
  assert.match(misspelt.suggestion ?? "", /did you mean COUNT\?/);
  assert.match(only("GET /x { RESPOND SELECT AVERAGE(qty) AS n FROM Sale }", "KV2121").suggestion ?? "", /AVG/);
  const order = only("GET /x { RESPOND SELECT region, SUM(qty) AS units FROM Sale GROUP_BY region ORDER_BY unit }", "KV2122");
  assert.match(order.suggestion ?? "", /did you mean 'units'/);
});

test("default names: COUNT(*) is count, others <field>_<function>", () => {
  const plan = selectPlan("GET /x { RESPOND SELECT region, COUNT(*), SUM(qty), AVG(price), COUNT(DISTINCT item) FROM Sale GROUP_BY region }");
  assert.deepEqual(plan.shape?.columns.map((c) => c.name), ["region", "count", "qty_sum", "price_avg", "item_count"]);
});

test("json sub-fields: compared as text in WHERE, JSON values in SELECT, named after the last key", () => {
  const plan = checkText(`ENTITY Doc { meta: json? }\nGET /d { RESPOND SELECT meta.size.w, meta.kind AS k FROM Doc WHERE meta.kind = $query.kind AND meta.flag }`, "/app/app.kova", { readFile: () => undefined });
  assert.deepEqual(plan.diagnostics.map((d) => d.message), []);
  const select = lower(plan.programs[0].model, { name: "app" }).queries[0].plan as SelectPlan;
  assert.deepEqual(select.shape?.columns, [
    { name: "w", value: { kind: "jsonPath", field: "meta", path: ["size", "w"], as: "json" } },
    { name: "k", value: { kind: "jsonPath", field: "meta", path: ["kind"], as: "json" } },
  ]);
  assert.deepEqual(select.where, {
    kind: "and",
    items: [
      { kind: "compare", op: "==", left: { kind: "jsonPath", field: "meta", path: ["kind"], as: "text" }, right: { kind: "arg", index: 0 } },
      { kind: "compare", op: "==", left: { kind: "jsonPath", field: "meta", path: ["flag"], as: "text" }, right: { kind: "literal", value: "true" } },
    ],
  });
  // A member of a field that is not json is still KV3010.
  assert.ok(codes("GET /x { RESPOND SELECT * FROM Sale WHERE item.length > 2 }").includes("KV3010"));
});

test("KV2002: an unknown field in an aggregate, with did-you-mean", () => {
  assert.match(only("GET /x { RESPOND SELECT SUM(qtty) AS n FROM Sale }", "KV2002").suggestion ?? "", /qty/);
});

test("lowering: the plan's shape holds the columns, groups, HAVING and result", () => {
  const plan = selectPlan("GET /x { RESPOND SELECT region, COUNT(*) AS n, region + \"!\" AS loud FROM Sale WHERE open GROUP_BY region HAVING COUNT(*) > $query.min ORDER_BY n DESC }");
  assert.deepEqual(plan.shape, {
    columns: [
      { name: "region", value: { kind: "field", field: "region" } },
      { name: "n", value: { kind: "aggregate", fn: "count", field: null, distinct: false } },
      { name: "loud", value: { kind: "concat", parts: [{ kind: "field", field: "region" }, { kind: "literal", value: "!" }] } },
    ],
    distinct: false,
    groupBy: ["region"],
    having: { kind: "compare", op: ">", left: { kind: "aggregate", fn: "count", field: null, distinct: false }, right: { kind: "arg", index: 0 } },
    result: "rows",
  });
  assert.equal(selectPlan("GET /x { RESPOND SELECT COUNT(*) FROM Sale }").shape?.result, "value");
  assert.equal(selectPlan("GET /x { RESPOND SELECT item FROM Sale WITH TOTAL }").shape?.result, "page");
  assert.deepEqual(selectPlan("GET /x { RESPOND SELECT item FROM Sale WITH TOTAL }").shape?.columns.map((c) => c.name), ["id", "item"]);
  assert.equal(selectPlan("GET /x { RESPOND SELECT item FROM Sale }").shape, undefined, "a plain SELECT keeps the plain plan");
});

test("format: shaped SELECTs round-trip in the canonical clause order", () => {
  const input = SALE + "GET /x { RESPOND SELECT DISTINCT region AS r, COUNT(DISTINCT item) AS n FROM Sale WITH TOTAL LIMIT 3 HAVING COUNT(*) > 1 GROUP_BY region }\n";
  const once = formatSource(input, "app.kova");
  assert.ok(once.text !== undefined, JSON.stringify(once));
  assert.match(once.text!, /SELECT DISTINCT region AS r, COUNT\(DISTINCT item\) AS n FROM Sale/);
  assert.match(once.text!, /GROUP_BY region[\s\S]*HAVING COUNT\(\*\) > 1[\s\S]*LIMIT 3[\s\S]*WITH TOTAL/);
  assert.equal(formatSource(once.text!, "app.kova").text, once.text);
});

test("drivers: Redis and MongoDB refuse aggregates at build time (KV9006) with a reason", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kova-agg-"));
  try {
    const cases = [
      ["redis", "SELECT COUNT(*) FROM Sale", /cannot aggregate/],
      ["mongodb", "SELECT COUNT(*) FROM Sale", /aggregates \(COUNT/],
      ["mongodb", "SELECT * FROM Doc WHERE meta.kind = \"x\"", /json sub-fields/],
    ] as const;
    for (const [driver, query, reason] of cases) {
      const file = join(dir, `${driver}.kova`);
      writeFileSync(file, `CONNECT db USING ${driver}("${driver}://127.0.0.1")\n${SALE}ENTITY Doc { meta: json? }\nGET /n { RESPOND ${query} }\n`);
      const result = await checkWithDrivers([file]);
      const refusal = result.diagnostics.find((d) => d.code === "KV9006");
      assert.ok(refusal, `${driver}: ${JSON.stringify(result.diagnostics.map((d) => d.message))}`);
      assert.match(refusal.message, reason);
      assert.equal(refusal.span.start.line, 12);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
