/** Aggregates next to relations: which COUNT(x) is which, and the shaped SELECT that reads related rows (KV2123). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, formatSource, parse, planQuery, type Diagnostic, type SelectQuery } from "../src/index.js";

const BLOG = `
ENTITY User {
  name: text
  posts: Post[] BY author
}

ENTITY Post {
  title: text
  kind: text
  score: int
  author: User
  comments: Comment[] BY post
}

ENTITY Comment {
  post: Post
  body: text
}
`;

function check(body: string): Diagnostic[] {
  return checkText(`${BLOG}\n${body}`, "app.kova").diagnostics;
}

function firstSelect(body: string): SelectQuery {
  const { program, diagnostics } = parse(`${BLOG}\n${body}`, "a.kova");
  assert.deepEqual(diagnostics, []);
  const endpoint = program.declarations.find((d) => d.kind === "Endpoint")!;
  return ((endpoint as { body: { statements: Array<{ value: SelectQuery }> } }).body.statements[0]).value;
}

test("COUNT(x) beside fields is a relation count; with GROUP_BY, alone or beside COUNT(*) it is the aggregate", () => {
  const counted = firstSelect(`GET /p { RESPOND SELECT title, COUNT(comments) AS n FROM Post }`);
  assert.deepEqual([counted.fields?.map((f) => f.name), counted.columns], [["title"], null]);
  assert.deepEqual(counted.relations.map((r) => [r.relation.name, r.count, r.alias?.name]), [["comments", true, "n"]]);
  const grouped = firstSelect(`GET /p { RESPOND SELECT kind, COUNT(title) AS n FROM Post GROUP_BY kind }`);
  assert.deepEqual([grouped.relations, grouped.columns?.map((c) => c.value.kind)], [[], ["Name", "Aggregate"]]);
  const alone = firstSelect(`GET /p { RESPOND SELECT COUNT(title) AS n, COUNT(*) AS all FROM Post }`);
  assert.deepEqual([alone.relations, alone.columns?.map((c) => c.value.kind)], [[], ["Aggregate", "Aggregate"]]);
  // Both check clean, and each lowers to its own plan: nested counts or a shape.
  const text = `${BLOG}
GET /p { RESPOND SELECT title, COUNT(comments) AS n FROM Post }
GET /k { RESPOND SELECT kind, COUNT(title) AS n FROM Post GROUP_BY kind }`;
  const result = checkText(text, "app.kova");
  assert.deepEqual(result.diagnostics, []);
  const [p, k] = result.files[0].program.declarations.filter((d) => d.kind === "Endpoint").map((e) => ((e as { body: { statements: Array<{ value: SelectQuery }> } }).body.statements[0]).value);
  const planP = planQuery(p, result.programs[0].model).plan;
  const planK = planQuery(k, result.programs[0].model).plan;
  assert.ok(planP.kind === "select" && planP.shape === undefined && planP.nested?.[0].name === "n" && planP.nested[0].shape === "count");
  assert.ok(planK.kind === "select" && planK.nested === undefined && planK.shape?.columns.map((c) => c.name).join() === "kind,n");
});

test("KV2123: related rows in a grouped, aggregated or DISTINCT SELECT (or ordering AFTER pages through a reference) are refused", () => {
  const cases: Array<[string, RegExp]> = [
    [`GET /k { RESPOND SELECT kind, COUNT(*) AS n, author { name } FROM Post GROUP_BY kind }`, /author \{ … \} reads related rows, which a SELECT with GROUP_BY cannot do yet/],
    [`GET /k { RESPOND SELECT kind, COUNT(comments) AS n FROM Post GROUP_BY kind }`, /COUNT\(comments\) counts related rows, which a grouped/],
    [`GET /k { RESPOND SELECT DISTINCT title, COUNT(comments) AS n FROM Post }`, /COUNT\(comments\) counts related rows/],
    [`GET /k { RESPOND SELECT kind, COUNT(*) AS n FROM Post GROUP_BY kind ORDER_BY author.name }`, /an ORDER_BY through a reference reads related rows, which a SELECT with GROUP_BY/],
    [`GET /k { RESPOND SELECT title FROM Post ORDER_BY author.name LIMIT 10 AFTER $query.cursor }`, /an ORDER_BY through a reference reads related rows, which a SELECT with AFTER/],
  ];
  for (const [body, message] of cases) {
    const found = check(body).filter((d) => d.code === "KV2123");
    assert.equal(found.length, 1, `${body}\n${JSON.stringify(check(body).map((d) => `${d.code} ${d.message}`))}`);
    assert.match(found[0].message, message);
    assert.match(found[0].suggestion ?? "", /separate query/);
  }
  // Where the refusal points: the related selection itself.
  const at = check(`GET /k { RESPOND SELECT kind, COUNT(*) AS n, author { name } FROM Post GROUP_BY kind }`).find((d) => d.code === "KV2123")!;
  assert.equal(at.span.start.line, BLOG.split("\n").length + 1);
});

test("related rows in a shaped SELECT: filters through relations anywhere, nested rows and orders in lists and pages", () => {
  const ok = [
    `GET /k { RESPOND SELECT kind, SUM(score) AS s FROM Post WHERE author.name = "Ada" GROUP_BY kind }`,
    `GET /k { RESPOND SELECT kind, SUM(score) AS s FROM Post WHERE EXISTS comments GROUP_BY kind }`,
    `GET /k { RESPOND SELECT title AS heading, author { name } FROM Post }`,
    `GET /k { RESPOND SELECT title, author { name }, COUNT(comments) FROM Post ORDER_BY author.name, id LIMIT 10 WITH TOTAL }`,
    `GET /k { RESPOND SELECT title, comments { body } FROM Post ORDER_BY id LIMIT 10 AFTER $query.cursor }`,
  ];
  for (const body of ok) assert.deepEqual(check(body).map((d) => `${d.code} ${d.message}`), [], body);
  const page = firstSelect(`GET /k { RESPOND SELECT title, author { name }, COUNT(comments) FROM Post ORDER_BY id LIMIT 10 WITH TOTAL }`);
  const result = checkText(`${BLOG}\nGET /k { RESPOND SELECT title, author { name }, COUNT(comments) FROM Post ORDER_BY id LIMIT 10 WITH TOTAL }`, "app.kova");
  const endpoint = result.files[0].program.declarations.find((d) => d.kind === "Endpoint")!;
  const plan = planQuery(((endpoint as { body: { statements: Array<{ value: SelectQuery }> } }).body.statements[0]).value, result.programs[0].model).plan;
  assert.ok(plan.kind === "select" && plan.shape?.result === "page");
  assert.deepEqual(plan.nested?.map((n) => [n.name, n.shape]), [["author", "object"], ["comments_count", "count"]]);
  assert.equal(page.relations.length, 2);
});

test("format: a relation count and a shaped count round-trip as written", () => {
  const input = `${BLOG}\nGET /p {\n  RESPOND SELECT title,COUNT(comments) AS n FROM Post\n}\n\nGET /k {\n  RESPOND SELECT kind,COUNT(title) AS n FROM Post GROUP_BY kind\n}\n`;
  const once = formatSource(input, "a.kova").text;
  assert.match(once, /SELECT title, COUNT\(comments\) AS n FROM Post/);
  assert.match(once, /SELECT kind, COUNT\(title\) AS n FROM Post GROUP_BY kind/);
  assert.equal(formatSource(once, "a.kova").text, once);
});

test("ORDER_BY a field the request chooses, in a grouped SELECT: every listed name must be a column (KV2122)", () => {
  const ok = `GET /k QUERY {\n  sort: enum("n", "kind") DEFAULT "n"\n} {\n  RESPOND SELECT kind, COUNT(*) AS n FROM Post GROUP_BY kind ORDER_BY $query.sort IN [n, kind]\n}`;
  assert.deepEqual(check(ok).map((d) => `${d.code} ${d.message}`), []);
  const bad = check(`GET /k QUERY {\n  sort: text DEFAULT "n"\n} {\n  RESPOND SELECT kind, COUNT(*) AS n FROM Post GROUP_BY kind ORDER_BY $query.sort IN [n, score]\n}`);
  assert.deepEqual(bad.map((d) => d.code), ["KV2122"]);
  assert.match(bad[0].message, /'score' is not a column/);
});
