/**
 * Nested relations in a VIEW (`author { username, bio }`): checked once with the view, typed into
 * its rows, planned as the nested selections of `SELECT ViewName FROM …`, refused when the view is
 * called on rows already loaded (KV2342), and kept by the formatter.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, componentSchemas, formatSource, lower, planQuery, type Diagnostic, type SelectQuery } from "../src/index.js";

const BLOG = `
ENTITY User {
  username: text
  bio: text?
  password_hash: text SECRET
  articles: Article[] BY author
}

ENTITY Article {
  slug: text
  title: text
  author: User
  comments: Comment[] BY article
}

ENTITY Comment {
  article: Article
  author: User
  body: text
}
`;

const VIEW = `
VIEW ArticleOut OF Article {
  slug
  title
  author { username, bio }
  comments { body, author { username } }
}
`;

function check(body: string): Diagnostic[] {
  return checkText(`${BLOG}\n${body}`, "app.kova").diagnostics;
}

function only(body: string, code: string): Diagnostic {
  const all = check(body);
  assert.deepEqual(all.map((d) => d.code), [code], JSON.stringify(all.map((d) => `${d.code} ${d.message}`)));
  return all[0];
}

/** The plan of the first query of the first endpoint. */
function firstPlan(text: string) {
  const result = checkText(text, "app.kova");
  assert.deepEqual(result.diagnostics.map((d) => `${d.code} ${d.message}`), []);
  const endpoint = result.files[0].program.declarations.find((d) => d.kind === "Endpoint")!;
  const select = (endpoint as { body: { statements: Array<{ value: SelectQuery }> } }).body.statements[0].value;
  return { ...planQuery(select, result.programs[0].model), model: result.programs[0].model };
}

test("a VIEW with nested relations checks clean and types its rows with the related rows", () => {
  assert.deepEqual(check(`${VIEW}GET /articles {\n  RESPOND SELECT ArticleOut FROM Article ORDER_BY title\n}`), []);
  // The nested rows are typed: a field the view's author lacks is a KV2002 where it is read.
  const wrong = check(`${VIEW}GET /a/:id(int) {\n  a = SELECT ArticleOut FROM Article WHERE id = $id\n  RESPOND { name: a.author.nmae }\n}`);
  assert.deepEqual(wrong.map((d) => [d.code, d.message]), [["KV2002", "a User row has no field 'nmae'"]]);
  // A SECRET field is read when it is named, as in a SELECT (and only as of now: see below).
  assert.deepEqual(check(`VIEW Full OF Article {\n  title\n  author { username, password_hash }\n}\nGET /x {\n  RESPOND SELECT Full FROM Article\n}`), []);
});

test("a nested item naming an unknown relation is KV2100 with did-you-mean; an unknown nested field KV2002", () => {
  assert.equal(only(`VIEW X OF Article {\n  title\n  autor { username }\n}`, "KV2100").suggestion, "did you mean 'author'?");
  assert.equal(only(`VIEW X OF Article {\n  title\n  author { usrname }\n}`, "KV2002").suggestion, "did you mean 'username'?");
  assert.equal(only(`VIEW X OF Article {\n  comments { body, author { bioo } }\n}`, "KV2002").suggestion, "did you mean 'bio'?");
  assert.match(only(`VIEW X OF Article {\n  title { x }\n}`, "KV2100").message, /'title' is a field of Article, not a relation/);
  assert.match(only(`VIEW X OF Article {\n  author { articles }\n}`, "KV2002").message, /'articles' is a relation of User: select it with articles \{ … \}/);
  // Listed twice, at the top or inside a nested item: KV2156-style duplicate (the VIEW's own code).
  const twice = check(`VIEW X OF Article {\n  author { username }\n  author { bio }\n}`);
  assert.equal(twice.length, 1);
  const inner = check(`VIEW X OF Article {\n  author { username, username }\n}`);
  assert.equal(inner.length, 1);
  assert.equal(inner[0].code, twice[0].code);
  // A nested item walking back along its path is a cycle, as in a SELECT.
  assert.deepEqual(check(`VIEW X OF Article {\n  comments { article { title } }\n}`).map((d) => d.code), ["KV2102"]);
});

test("KV2342: a VIEW with nested relations called on rows already loaded is refused", () => {
  const d = only(`${VIEW}GET /a/:id(int) {\n  a = SELECT * FROM Article WHERE id = $id\n  RESPOND ArticleOut(a)\n}`, "KV2342");
  assert.match(d.message, /a VIEW with nested relations shapes rows only in SELECT/);
  assert.match(d.message, /author, comments/);
  assert.match(d.suggestion ?? "", /SELECT ArticleOut FROM Article/);
  // A flat view still shapes loaded rows.
  assert.deepEqual(check(`VIEW Flat OF Article { slug, title }\nGET /a/:id(int) {\n  a = SELECT * FROM Article WHERE id = $id\n  RESPOND Flat(a)\n}`), []);
});

test("AS OF reads the view's related rows as of the instant, so their history rules apply (KV2340)", () => {
  const text = `ENTITY Tag NO HISTORY {\n  label: text\n}\nENTITY Note {\n  body: text\n  tag: Tag\n}\nVIEW NoteOut OF Note {\n  body\n  tag { label }\n}\nGET /n {\n  RESPOND SELECT NoteOut FROM Note AS OF now() - 1d\n}`;
  const codes = checkText(text, "app.kova").diagnostics.map((d) => d.code);
  assert.deepEqual(codes, ["KV2340"]);
});

test("SELECT ViewName plans exactly as the written-out SELECT: the view's fields and nested selections", () => {
  const viewed = firstPlan(`${BLOG}${VIEW}GET /articles {\n  RESPOND SELECT ArticleOut FROM Article ORDER_BY title\n}`);
  const written = firstPlan(`${BLOG}GET /articles {\n  RESPOND SELECT slug, title, author { username, bio }, comments { body, author { username } } FROM Article ORDER_BY title\n}`);
  assert.equal(viewed.plan.kind, "select");
  if (viewed.plan.kind !== "select") return;
  assert.deepEqual(viewed.plan.fields, ["slug", "title"]);
  assert.deepEqual(
    viewed.plan.nested?.map((n) => [n.name, n.shape, n.relation.kind, n.fields, n.nested.map((m) => [m.name, m.shape, m.fields])]),
    [
      ["author", "object", "one", ["username", "bio"], []],
      ["comments", "list", "many", ["body"], [["author", "object", ["username"]]]],
    ],
  );
  assert.deepEqual(viewed.plan, written.plan);
  // The view's shaping function keeps the nested keys, in the view's order.
  const app = lower(viewed.model, { name: "app" });
  assert.deepEqual(app.views.find((v) => v.name === "ArticleOut")?.fields, ["slug", "title", "author", "comments"]);
  // Its response schema (OpenAPI, the TypeScript client) describes the related rows, as a SELECT's.
  const schema = componentSchemas(app).ArticleOut as { properties: Record<string, any>; required: string[] };
  assert.deepEqual(schema.required, ["slug", "title", "author", "comments"]);
  assert.deepEqual(Object.keys(schema.properties.author.anyOf?.[0]?.properties ?? schema.properties.author.properties ?? {}), ["id", "username", "bio"]);
  assert.equal(schema.properties.comments.type, "array");
  assert.deepEqual(Object.keys(schema.properties.comments.items.properties), ["id", "body", "author"]);
  assert.deepEqual(Object.keys(schema.properties.comments.items.properties.author.anyOf?.[0]?.properties ?? schema.properties.comments.items.properties.author.properties), ["id", "username"]);
});

test("the formatter keeps nested VIEW items", () => {
  const source = `${BLOG}${VIEW}`;
  const once = formatSource(source, "app.kova").text;
  assert.match(once, /author \{/);
  assert.match(once, /comments \{/);
  assert.equal(formatSource(once, "app.kova").changed, false);
  assert.deepEqual(checkText(once, "app.kova").diagnostics, []);
});

test("KV2343: a related selection or COUNT beside a VIEW in SELECT is refused (the view's shape would drop it)", () => {
  const d = only(`${VIEW}GET /x {\n  RESPOND SELECT ArticleOut, author { username } FROM Article\n}`, "KV2343");
  assert.match(d.message, /SELECT ArticleOut answers rows in the VIEW's shape, which has no author \{ … \}/);
  assert.match(d.suggestion ?? "", /add author \{ … \} to VIEW ArticleOut/);
  only(`VIEW Flat OF Article { title }\nGET /x {\n  RESPOND SELECT Flat, COUNT(comments) FROM Article\n}`, "KV2343");
});
