/** Relations: inverse declarations, nested selections, counts, filters and orders through references — parser, checker, planner, formatter. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, formatSource, parse, planQuery, type Diagnostic, type SelectQuery } from "../src/index.js";

const BLOG = `
ENTITY User {
  name: text
  bio: text?
  joined: datetime?
  posts: Post[] BY author
  favourites: Favourite[] BY user
}

ENTITY Post {
  title: text
  author: User
  comments: Comment[] BY post
}

ENTITY Comment {
  post: Post
  author: User
  body: text
  approved: bool DEFAULT true
}

ENTITY Favourite {
  user: User
  post: Post
}
`;

function check(body: string): Diagnostic[] {
  return checkText(`${BLOG}\n${body}`, "app.kova").diagnostics;
}

function codes(body: string): string[] {
  return check(body).map((d) => d.code);
}

test("the parser reads BY, nested selections with their clauses, COUNT(…) AS, EXISTS and ORDER_BY through a reference", () => {
  const { program, diagnostics } = parse(`${BLOG}
GET /posts {
  RESPOND SELECT title, author { name }, comments { body, author { name } WHERE approved ORDER_BY id DESC LIMIT 3 }, COUNT(comments) AS n
    FROM Post WHERE author.name = "Ada" AND EXISTS comments(approved = true) ORDER_BY author.name DESC
}`, "a.kova");
  assert.deepEqual(diagnostics, []);
  const user = program.declarations.find((d) => d.kind === "Entity" && d.name.name === "User");
  assert.equal(user?.kind === "Entity" && user.fields.find((f) => f.name.name === "posts")?.by?.name, "author");
  const endpoint = program.declarations.find((d) => d.kind === "Endpoint")!;
  assert.equal(endpoint.kind, "Endpoint");
  const respond = endpoint.kind === "Endpoint" ? endpoint.body.statements[0] : undefined;
  const select = (respond as { value: SelectQuery }).value;
  assert.deepEqual(select.fields?.map((f) => f.name), ["title"]);
  assert.deepEqual(select.relations?.map((r) => [r.relation.name, r.count, r.alias?.name ?? null]), [["author", false, null], ["comments", false, null], ["comments", true, "n"]]);
  const comments = select.relations![1];
  assert.deepEqual([comments.fields?.map((f) => f.name), comments.relations.map((r) => r.relation.name), comments.orderBy?.items[0].direction, comments.limit !== null, comments.where !== null], [["body"], ["author"], "DESC", true, true]);
  assert.deepEqual(select.orderBy?.items[0].via?.map((v) => v.name), ["author"]);
});

test("a program with every relation form checks clean, and its plan nests the selections", () => {
  const text = `${BLOG}
GET /posts {
  RESPOND SELECT title, author { name }, comments { body WHERE approved ORDER_BY id DESC LIMIT 3 }, COUNT(comments)
    FROM Post WHERE author.name = $query.name AND EXISTS comments(approved = true) ORDER_BY author.name DESC
}
GET /users/:id/favourites {
  RESPOND SELECT name, favourites { post { title, author { name } } } FROM User WHERE id = $id
}`;
  const result = checkText(text, "app.kova");
  assert.deepEqual(result.diagnostics, []);
  const endpoint = result.files[0].program.declarations.find((d) => d.kind === "Endpoint")!;
  const select = ((endpoint as { body: { statements: Array<{ value: SelectQuery }> } }).body.statements[0]).value;
  const { plan, args } = planQuery(select, result.programs[0].model);
  assert.equal(plan.kind, "select");
  if (plan.kind !== "select") return;
  assert.deepEqual(plan.nested?.map((n) => [n.name, n.shape, n.relation.kind, n.relation.field]), [["author", "object", "one", "author"], ["comments", "list", "many", "post"], ["comments_count", "count", "many", "post"]]);
  assert.deepEqual(plan.nested?.[1].orderBy, [{ field: "id", direction: "DESC" }]);
  assert.deepEqual(plan.nested?.[1].limit, { kind: "literal", value: 3 });
  assert.equal(plan.where?.kind, "and");
  const [byName, exists] = plan.where?.kind === "and" ? plan.where.items : [];
  assert.deepEqual(byName, { kind: "related", relation: { kind: "one", name: "author", entity: "User", field: "author" }, filter: { kind: "compare", op: "==", left: { kind: "field", field: "name" }, right: { kind: "arg", index: 0 } } });
  assert.equal(exists.kind, "related");
  assert.deepEqual(plan.orderBy, [{ field: "name", direction: "DESC", via: [{ kind: "one", name: "author", entity: "User", field: "author" }] }]);
  // The value compared with a related field is converted to that field's type, or the request is a 400 naming it.
  assert.deepEqual([args[0].coerce, args[0].label], ["string", "query parameter name"]);
});

test("a value for a related datetime field is converted to a datetime (a 400 naming it otherwise)", () => {
  const result = checkText(`${BLOG}\nGET /p { RESPOND SELECT title FROM Post WHERE author.joined > $query.since }`, "app.kova");
  assert.deepEqual(result.diagnostics, []);
  const endpoint = result.files[0].program.declarations.find((d) => d.kind === "Endpoint")!;
  const select = ((endpoint as { body: { statements: Array<{ value: SelectQuery }> } }).body.statements[0]).value;
  const { args } = planQuery(select, result.programs[0].model);
  assert.deepEqual([args[0].coerce, args[0].label], ["datetime", "query parameter since"]);
});

test("KV2100: an unknown relation gets a did-you-mean over the entity's relations", () => {
  const d = check(`GET /p { RESPOND SELECT title, coments { body } FROM Post }`).find((x) => x.code === "KV2100");
  assert.ok(d);
  assert.match(d.message, /entity Post has no relation 'coments'/);
  assert.equal(d.suggestion, "did you mean 'comments'?");
  const e = check(`GET /p { RESPOND SELECT title FROM Post WHERE EXISTS comment(approved = true) }`).find((x) => x.code === "KV2100");
  assert.equal(e?.suggestion, "did you mean 'comments'?");
  const f = check(`GET /p { RESPOND SELECT title, COUNT(title) FROM Post }`).find((x) => x.code === "KV2100");
  assert.match(f?.message ?? "", /'title' is a field of Post, not a relation/);
});

test("KV2101: BY must name the other entity's reference back to this one", () => {
  const diagnostics = checkText(`
ENTITY User {
  name: text
  posts: Post[] BY autor
}
ENTITY Post {
  title: text
  author: User
}`, "app.kova").diagnostics;
  const d = diagnostics.find((x) => x.code === "KV2101");
  assert.ok(d, JSON.stringify(diagnostics));
  assert.equal(d.suggestion, "did you mean 'author'?");
  const wrongType = checkText(`ENTITY User {\n  name: text\n  posts: Post BY author\n}\nENTITY Post {\n  author: User\n}`, "app.kova").diagnostics;
  assert.ok(wrongType.some((x) => x.code === "KV2101" && /Post\[\] BY author/.test(x.suggestion ?? "")));
  const list = checkText(`ENTITY User {\n  name: text\n  posts: Post[]\n}\nENTITY Post {\n  author: User\n}`, "app.kova").diagnostics;
  assert.ok(list.some((x) => /posts: Post\[\] BY <field>/.test(x.suggestion ?? "")), JSON.stringify(list));
});

test("KV2102: a nested selection walking back along its path is a cycle; KV2103: too deep", () => {
  const cycle = check(`GET /p { RESPOND SELECT title, comments { post { title } } FROM Post }`).find((x) => x.code === "KV2102");
  assert.ok(cycle);
  assert.match(cycle.message, /Post\.comments → Comment\.post/);
  assert.deepEqual(codes(`GET /p { RESPOND SELECT title, author { posts { title } } FROM Post }`), ["KV2102"]);
  // Going on to another row of the same entity is no cycle: a favourited post's author.
  assert.deepEqual(codes(`GET /u { RESPOND SELECT name, favourites { post { author { name } } } FROM User }`), []);
  const deep = codes(`GET /u { RESPOND SELECT name, posts { comments { author { favourites { post { title } } } } } FROM User }`);
  assert.deepEqual(deep, ["KV2103"]);
});

test("KV3100: counting one row, limiting one row, comparing a list; KV9010: relations in UPDATE/DELETE", () => {
  assert.deepEqual(codes(`GET /p { RESPOND SELECT title, COUNT(author) FROM Post }`), ["KV3100"]);
  assert.deepEqual(codes(`GET /p { RESPOND SELECT title, author { name LIMIT 1 } FROM Post }`), ["KV3100"]);
  assert.deepEqual(codes(`GET /u { RESPOND SELECT name FROM User WHERE posts.title = "x" }`), ["KV3100"]);
  assert.deepEqual(codes(`GET /u { RESPOND SELECT name FROM User ORDER_BY posts.title }`), ["KV3100"]);
  assert.deepEqual(codes(`GET /x { ok = EXISTS posts\n RESPOND ok }`), ["KV3100"]);
  assert.deepEqual(codes(`DELETE /p { RESPOND DELETE FROM Post WHERE author.name = "x" }`), ["KV9010"]);
  assert.deepEqual(codes(`POST /p { RESPOND UPDATE Post SET title = "t" WHERE EXISTS comments }`), ["KV9010"]);
});

test("unknown fields inside a nested selection and through a reference get did-you-mean", () => {
  const nested = check(`GET /p { RESPOND SELECT title, author { nmae } FROM Post }`).find((x) => x.code === "KV2002");
  assert.equal(nested?.suggestion, "did you mean 'name'?");
  const through = check(`GET /p { RESPOND SELECT title FROM Post WHERE author.nmae = "x" }`).find((x) => x.code === "KV2002");
  assert.equal(through?.suggestion, "did you mean 'name'?");
  const order = check(`GET /p { RESPOND SELECT title FROM Post ORDER_BY author.nmae }`).find((x) => x.code === "KV2002");
  assert.equal(order?.suggestion, "did you mean 'name'?");
});

test("the formatter writes relations in canonical style and round-trips", () => {
  const input = `${BLOG}
GET /posts {
  RESPOND SELECT title,author{name},comments{body,author{name} WHERE approved ORDER_BY id DESC LIMIT 3},COUNT(comments) AS n FROM Post WHERE EXISTS comments(approved==true) ORDER_BY author.name DESC
}
`;
  const once = formatSource(input, "a.kova").text;
  assert.match(once, /SELECT title, author \{ name \}, comments \{ body, author \{ name \} WHERE approved ORDER_BY id DESC LIMIT 3 \}, COUNT\(comments\) AS n FROM Post/);
  assert.match(once, /WHERE EXISTS comments\(approved = true\)/);
  assert.match(once, /ORDER_BY author\.name DESC/);
  assert.match(once, /posts: Post\[\] BY author/);
  assert.equal(formatSource(once, "a.kova").text, once);
});
