// READ MODEL (issue 21 item 6) in the compiler: the parser and formatter, the entity schema the
// checker makes of it (grouped fields, aggregates and their types, the tenant column, NO HISTORY),
// KV2957–KV2961 with their code frames, and the plan of a SELECT of it (its columns, no id).
// Keeping it in step on every driver is held by packages/conformance/src/cases-read-models.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, formatDiagnostic, formatSource, lower, parse, type Diagnostic } from "../src/index.js";
import { SourceFile } from "../src/scanner/source-file.js";

const FILE = "/app/app.kova";

function check(text: string): Diagnostic[] {
  return checkText(text, FILE, { readFile: () => undefined }).diagnostics.filter((d) => d.severity === "error");
}

function model(text: string) {
  const result = checkText(text, FILE, { readFile: () => undefined });
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`), []);
  return lower(result.programs[0].model, { name: "app" });
}

/** The one error's code frame, as `kova check` prints it. */
function frame(text: string): string {
  const errors = check(text);
  assert.equal(errors.length, 1, JSON.stringify(errors.map((d) => `${d.code} ${d.message}`)));
  return formatDiagnostic(errors[0], new SourceFile(FILE, text), { color: false });
}

const PRODUCT = `ENTITY Product SOFT DELETE {
  name: text
  category: text
  shelf: int?
  price: float
  stock: int
  secret_note: text SECRET
  tags: text[]
}
`;

const SUMMARY = `READ MODEL ProductSummary FROM Product GROUP_BY category, shelf {
  category
  products: COUNT(*)
  total: SUM(price)
  units: SUM(stock)
  average: AVG(price)
  cheapest: MIN(price)
  last_name: MAX(name)
}
`;

test("parser: READ MODEL Name FROM Entity GROUP_BY fields { columns }", () => {
  const { program, diagnostics } = parse(`/// per category\n${SUMMARY}`, "app.kova");
  assert.deepEqual(diagnostics, []);
  const decl = program.declarations[0] as any;
  assert.equal(decl.kind, "ReadModel");
  assert.deepEqual([decl.name.name, decl.source.name, decl.groupBy.map((g: any) => g.name), decl.doc], ["ProductSummary", "Product", ["category", "shelf"], "per category"]);
  assert.deepEqual(
    decl.columns.map((c: any) => [c.name.name, c.aggregate?.fn ?? null, c.aggregate?.field?.name ?? null]),
    [["category", null, null], ["products", "COUNT", null], ["total", "SUM", "price"], ["units", "SUM", "stock"], ["average", "AVG", "price"], ["cheapest", "MIN", "price"], ["last_name", "MAX", "name"]],
  );
  const bad = parse("READ ProductSummary FROM Product { n: COUNT(*) }\n", "app.kova").diagnostics;
  assert.ok(bad.some((d) => /expected MODEL after READ/.test(d.message)), JSON.stringify(bad.map((d) => d.message)));
  const notAggregate = parse("READ MODEL S FROM Product { n: LENGTH(name) }\n", "app.kova").diagnostics;
  assert.ok(notAggregate.some((d) => /an aggregate after ':'/.test(d.message)), JSON.stringify(notAggregate.map((d) => d.message)));
});

test("formatter: one column per line, and formatting is stable", () => {
  const once = formatSource("READ   MODEL S FROM  Product GROUP_BY category,shelf { category, n : COUNT( * ) , t: SUM( price ) }\n", "app.kova");
  assert.equal(once.text, "READ MODEL S FROM Product GROUP_BY category, shelf {\n  category\n  n: COUNT(*)\n  t: SUM(price)\n}\n");
  assert.equal(formatSource(once.text, "app.kova").changed, false);
});

test("checker: the model is an entity schema of its own table: grouped fields, then aggregates typed from the source; no history", () => {
  const app = model(PRODUCT + SUMMARY);
  const summary = app.entities.find((e) => e.name === "ProductSummary")!;
  assert.deepEqual([summary.table, summary.history], ["product_summary", false]);
  assert.deepEqual(summary.readModel, {
    source: "Product",
    groupBy: ["category", "shelf"],
    aggregates: [
      { name: "products", fn: "count", field: null },
      { name: "total", fn: "sum", field: "price" },
      { name: "units", fn: "sum", field: "stock" },
      { name: "average", fn: "avg", field: "price" },
      { name: "cheapest", fn: "min", field: "price" },
      { name: "last_name", fn: "max", field: "name" },
    ],
  });
  assert.deepEqual(
    summary.fields.map((f) => [f.name, f.type, f.optional]),
    [["category", "string", false], ["shelf", "int", true], ["products", "int", false], ["total", "float", true], ["units", "int", true], ["average", "float", true], ["cheapest", "float", true], ["last_name", "string", true]],
  );
  assert.ok(app.dataSources[0].entities.includes("ProductSummary"), "kept in its source's data source");
});

test("checker: a read model of a TENANT BY entity groups by the tenant first, and reads of it are scoped to the caller's tenant", () => {
  const app = model(`VALIDATE Claims { sub: string  org: string }
AUTH jwt USING secret(env("JWT_KEY")) { claims: Claims }
ENTITY Sale TENANT BY org {
  shop: text
  amount: int
}
READ MODEL ShopSales FROM Sale GROUP_BY shop {
  shop
  revenue: SUM(amount)
}
GET /sales AUTH { RESPOND SELECT * FROM ShopSales ORDER_BY shop }
`);
  const sales = app.entities.find((e) => e.name === "ShopSales")!;
  assert.deepEqual(sales.readModel!.groupBy, ["tenant_id", "shop"]);
  assert.deepEqual(sales.fields.map((f) => f.name), ["tenant_id", "shop", "revenue"]);
  const read = app.queries.find((q) => q.entity === "ShopSales")!.plan;
  assert.ok(read.kind === "select" && read.tenant !== undefined, "scoped to the caller's tenant");
  assert.deepEqual(JSON.stringify(read.kind === "select" ? read.where : null).includes('"tenant_id"'), true);
});

test("plans: a SELECT of a read model reads exactly its columns (no id), `*` all of them", () => {
  const app = model(`${PRODUCT}${SUMMARY}GET /a { RESPOND SELECT * FROM ProductSummary }\nGET /b/:c { RESPOND SELECT products, total FROM ProductSummary WHERE category = $c }\n`);
  const [all, some] = app.queries.filter((q) => q.entity === "ProductSummary").map((q) => q.plan);
  assert.ok(all.kind === "select" && some.kind === "select");
  assert.deepEqual(all.shape?.columns.map((c) => c.name), ["category", "shelf", "products", "total", "units", "average", "cheapest", "last_name"]);
  assert.deepEqual(some.shape?.columns.map((c) => c.name), ["products", "total"]);
  assert.equal(some.shape?.result, "rows");
});

test("KV2957: a write of a read model, with its code frame and the way out", () => {
  for (const write of ["INSERT INTO ProductSummary { category: \"x\" }", "UPDATE ProductSummary SET products = 1", "DELETE FROM ProductSummary WHERE category = \"x\""]) {
    const codes = check(`${PRODUCT}${SUMMARY}POST /x {\n  RESPOND ${write}\n}\n`).map((d) => d.code);
    assert.ok(codes.includes("KV2957"), `${write}: ${codes.join(", ")}`);
  }
  const out = frame(`${PRODUCT}${SUMMARY}DELETE /x {\n  RESPOND DELETE FROM ProductSummary WHERE category = "x"\n}\n`);
  assert.match(out, /^error\[KV2957\]: DELETE FROM ProductSummary: a READ MODEL's rows are computed from Product/);
  assert.match(out, /--> \/app\/app\.kova:20:11/);
  assert.match(out, /\^\^\^\^/);
  assert.match(out, /help: write Product instead .*kova db rebuild-read-model ProductSummary/);
});

test("HISTORY and AS OF of a read model are refused: it keeps no versions", () => {
  const codes = check(`${PRODUCT}${SUMMARY}GET /h { RESPOND HISTORY ProductSummary }\nGET /a { RESPOND SELECT * FROM ProductSummary AS OF "2020-01-01T00:00:00Z" }\n`).map((d) => d.code);
  assert.deepEqual(codes, ["KV2340", "KV2340"]);
});

test("KV2958: FROM an unknown name (did you mean), a VALIDATE shape, another read model", () => {
  const out = frame(`${PRODUCT}READ MODEL S FROM Prodcut GROUP_BY category {\n  category\n}\n`);
  assert.match(out, /^error\[KV2958\]: a READ MODEL groups the rows of an ENTITY: no entity named 'Prodcut'/);
  assert.match(out, /help: did you mean 'Product'\?/);
  assert.deepEqual(check(`VALIDATE Shape { a: string }\nREAD MODEL S FROM Shape { n: COUNT(*) }\n`).map((d) => d.code), ["KV2958"]);
  assert.deepEqual(check(`${PRODUCT}${SUMMARY}READ MODEL T FROM ProductSummary { n: COUNT(*) }\n`).map((d) => d.code), ["KV2958"]);
});

test("KV2959: a grouped or aggregated field the source does not have", () => {
  const out = frame(`${PRODUCT}READ MODEL S FROM Product GROUP_BY category {\n  category\n  total: SUM(prize)\n}\n`);
  assert.match(out, /^error\[KV2959\]: cannot SUM 'prize': Product has no such field/);
  assert.match(out, /help: did you mean 'price'\?/);
  assert.deepEqual(check(`${PRODUCT}READ MODEL S FROM Product GROUP_BY kategory { n: COUNT(*) }\n`).map((d) => d.code), ["KV2959"]);
});

test("KV2960: a column neither grouped nor aggregated, or named twice", () => {
  const out = frame(`${PRODUCT}READ MODEL S FROM Product GROUP_BY category {\n  category\n  name\n}\n`);
  assert.match(out, /^error\[KV2960\]: 'name' is neither grouped nor an aggregate/);
  assert.match(out, /help: add name after GROUP_BY, or write name: MIN\(name\)/);
  assert.deepEqual(check(`${PRODUCT}READ MODEL S FROM Product GROUP_BY category { n: COUNT(*)  n: SUM(price) }\n`).map((d) => d.code), ["KV2960"]);
});

test("KV2961: grouping by a list or SECRET field, SUM of text, MIN of a list", () => {
  assert.deepEqual(check(`${PRODUCT}READ MODEL S FROM Product GROUP_BY tags { n: COUNT(*) }\n`).map((d) => d.code), ["KV2961"]);
  assert.deepEqual(check(`${PRODUCT}READ MODEL S FROM Product GROUP_BY secret_note { n: COUNT(*) }\n`).map((d) => d.code), ["KV2961"]);
  const out = frame(`${PRODUCT}READ MODEL S FROM Product GROUP_BY category {\n  t: SUM(name)\n}\n`);
  assert.match(out, /^error\[KV2961\]: SUM\(name\) needs a number, and Product\.name is string/);
  assert.deepEqual(check(`${PRODUCT}READ MODEL S FROM Product { m: MIN(tags) }\n`).map((d) => d.code), ["KV2961"]);
});
