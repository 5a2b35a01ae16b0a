import { test } from "node:test";
import assert from "node:assert/strict";
import {
  parse,
  type AuthDecl, type CacheDecl, type ConnectDecl, type DeleteQuery, type EndpointDecl, type EntityDecl, type ErrorStmt,
  type ExpressionStmt, type HistoryQuery, type IfStmt, type ImportDecl, type InsertQuery, type RespondStmt, type SaveQuery,
  type SelectQuery, type SocketDecl, type Statement, type TaskDecl, type UpdateQuery, type ValidateDecl, type WorkerDecl,
} from "../src/index.js";
import { diagnosticSummary, expressionOf, parseClean, sexpr, statementsOf } from "./support/ast-helpers.js";

/** Drops spans, to compare structure only. */
function bare<T>(node: T): unknown {
  return JSON.parse(JSON.stringify(node, (key, value) => (key === "span" || key === "sourceSpan" ? undefined : value)));
}

const id = (name: string) => ({ kind: "Identifier", name });

// ───────────── declarations ─────────────

test("parser: IMPORT of a Kova file keeps the path as written and its span", () => {
  const [decl] = parseClean('IMPORT "./users.kova"').declarations as [ImportDecl];
  assert.deepEqual(bare(decl), { kind: "Import", source: "./users.kova", names: [] });
  assert.deepEqual([decl.sourceSpan.start.offset, decl.sourceSpan.end.offset], [7, 21]);
});

test("parser: IMPORT { a, b AS c } FROM a module", () => {
  const [decl] = parseClean('IMPORT { slugify, hash AS sha } FROM "./util.js"').declarations as [ImportDecl];
  assert.deepEqual(bare(decl), {
    kind: "Import",
    source: "./util.js",
    names: [
      { kind: "ImportName", imported: id("slugify"), local: id("slugify") },
      { kind: "ImportName", imported: id("hash"), local: id("sha") },
    ],
  });
});

test("parser: CONNECT name USING driver(args)", () => {
  const [decl] = parseClean('CONNECT db USING postgres(env("DATABASE_URL"))').declarations as [ConnectDecl];
  assert.equal(decl.name.name, "db");
  assert.equal(decl.driver.name, "postgres");
  assert.deepEqual(decl.args.map(sexpr), ['(call env "DATABASE_URL")']);
  const [bareConnect] = parseClean("CONNECT mem USING memory").declarations as [ConnectDecl];
  assert.deepEqual(bareConnect.args, []);
});

test("parser: ENTITY with USING, field types, optional/array markers and modifiers", () => {
  const text = `ENTITY User USING db {
  name: text
  email: email UNIQUE
  age: int?
  role: enum("admin", "member") DEFAULT "member"
  tags: text[]?
  code: text PRIMARY INDEX, score: float DEFAULT 1 + 1; author: User
}`;
  const [decl] = parseClean(text).declarations as [EntityDecl];
  assert.equal(decl.source?.name, "db");
  const summary = decl.fields.map((f) => [
    f.name.name,
    f.type.name.name,
    f.type.args.map(sexpr).join(","),
    `${f.type.array ? "[]" : ""}${f.type.optional ? "?" : ""}`,
    f.modifiers.map((m) => (m.value ? `${m.modifier} ${sexpr(m.value)}` : m.modifier)).join(" "),
  ]);
  assert.deepEqual(summary, [
    ["name", "text", "", "", ""],
    ["email", "email", "", "", "UNIQUE"],
    ["age", "int", "", "?", ""],
    ["role", "enum", '"admin","member"', "", 'DEFAULT "member"'],
    ["tags", "text", "", "[]?", ""],
    ["code", "text", "", "", "PRIMARY INDEX"],
    ["score", "float", "", "", "DEFAULT (+ 1 1)"],
    ["author", "User", "", "", ""],
  ]);
  const [noSource] = parseClean("ENTITY Tag { name: text }").declarations as [EntityDecl];
  assert.equal(noSource.source, null);
});

test("parser: lower-case words that are keywords in upper case are ordinary field names", () => {
  const [decl] = parseClean("ENTITY Event { from: timestamp  order: int  limit: int  select: text }").declarations as [EntityDecl];
  assert.deepEqual(decl.fields.map((f) => f.name.name), ["from", "order", "limit", "select"]);
});

test("parser: VALIDATE with type options, arrays, optional and nested inline shapes", () => {
  const text = `VALIDATE NewUser {
  name: string(min: 1, max: 80)
  age: int(min: 0)?
  tags: string[]
  address: {
    street: string
    zip: string(pattern: '^[0-9]{5}$')
    code: string(pattern: "^[A-Z]{2}$")
  }?
}`;
  const [decl] = parseClean(text).declarations as [ValidateDecl];
  const [name, age, tags, address] = decl.fields;
  assert.deepEqual(name.type.options.map((o) => `${o.key.name}=${sexpr(o.value)}`), ["min=1", "max=80"]);
  assert.deepEqual([age.type.optional, age.type.options.length], [true, 1]);
  assert.deepEqual([tags.type.name.name, tags.type.array], ["string", true]);
  assert.deepEqual([address.type.name.name, address.type.optional, address.type.fields.map((f) => f.name.name)], ["object", true, ["street", "zip", "code"]]);
  assert.equal(sexpr(address.type.fields[1].type.options[0].value), '"^[0-9]{5}$"', "single quotes keep braces literal");
  // In double quotes {…} is always an interpolation, even in a pattern: `{2}` is the number 2.
  assert.equal(sexpr(address.type.fields[2].type.options[0].value), '(template "^[A-Z]" 2 "$")');
});

test("parser: endpoints for every method, with path segments and :params", () => {
  for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
    const [decl] = parseClean(`${method} /users/:id/history {}`).declarations as [EndpointDecl];
    assert.equal(decl.method, method);
    assert.equal(decl.path.text, "/users/:id/history");
    assert.deepEqual(decl.path.segments.map((s) => [s.param, s.value]), [[false, "users"], [true, "id"], [false, "history"]]);
    assert.deepEqual(decl.path.segments.map((s) => s.span.start.column), [method.length + 3, method.length + 9, method.length + 13]);
  }
  const [root] = parseClean("GET / { RESPOND 1 }").declarations as [EndpointDecl];
  assert.deepEqual(root.path.segments, []);
});

test("parser: endpoint VALIDATE and AUTH clauses, in either order", () => {
  const [a, b, c] = parseClean("POST /a VALIDATE NewUser AUTH admin, owner {}\nPUT /b AUTH VALIDATE Shape {}\nGET /c {}").declarations as EndpointDecl[];
  assert.equal(a.validate?.name, "NewUser");
  assert.deepEqual(a.auth?.roles.map((r) => r.name), ["admin", "owner"]);
  assert.equal(b.validate?.name, "Shape");
  assert.deepEqual(b.auth?.roles, []);
  assert.deepEqual([c.validate, c.auth], [null, null]);
});

test("parser: invalid route paths are KV1007 at the bad segment", () => {
  const { diagnostics } = parse("GET /a//b {}\nGET /a/ {}\nGET /:1x {}\nGET /a b {}");
  assert.deepEqual(diagnosticSummary(diagnostics).slice(0, 3), ["KV1007 1:7", "KV1007 2:7", "KV1007 3:6"]);
});

test("parser: the reserved v2 blocks parse into their own nodes", () => {
  const text = `CACHE users_cache { key: "user:{$id}"  ttl: 60  get: SELECT * FROM User WHERE id = $id }
SOCKET /chat {
  ON CONNECT { RESPOND "hi" }
  ON MESSAGE(msg) { BROADCAST msg }
}
TASK digest EVERY 10m { x = 1 }
TASK cleanup CRON "0 3 * * *" { }
TASK manual { }
AUTH jwt USING secret(env("JWT_KEY")) { expire: "1h" }
WORKER mailer { y = 2 }`;
  const [cache, socket, every, cron, manual, auth, worker] = parseClean(text).declarations as [
    CacheDecl, SocketDecl, TaskDecl, TaskDecl, TaskDecl, AuthDecl, WorkerDecl,
  ];
  assert.deepEqual(cache.properties.map((p) => p.key.name), ["key", "ttl", "get"]);
  assert.equal(cache.properties[2].value.kind, "SelectQuery");
  assert.deepEqual(socket.handlers.map((h) => [h.event.name, h.param?.name ?? null, h.body.statements.map((s) => s.kind)]), [
    ["connect", null, ["Respond"]],
    ["message", "msg", ["Broadcast"]],
  ]);
  assert.deepEqual([every.schedule?.mode, every.schedule && sexpr(every.schedule.value)], ["EVERY", "10m"]);
  assert.deepEqual([cron.schedule?.mode, cron.schedule && sexpr(cron.schedule.value)], ["CRON", '"0 3 * * *"']);
  assert.equal(manual.schedule, null);
  assert.equal(auth.using && sexpr(auth.using), '(call secret (call env "JWT_KEY"))');
  assert.deepEqual(auth.properties.map((p) => p.key.name), ["expire"]);
  assert.equal(worker.body.statements.length, 1);
});

test("parser: a keyword used as a declaration name is reported but the declaration is kept", () => {
  const { program, diagnostics } = parse("ENTITY SELECT { name: text }");
  assert.deepEqual(diagnosticSummary(diagnostics), ["KV1101 1:8"]);
  assert.match(diagnostics[0].message, /SELECT is a keyword/);
  assert.equal((program.declarations[0] as EntityDecl).fields.length, 1);
});

// ───────────── keywords in the wrong case ─────────────

test("parser: a lower-case keyword is KV1105 with the upper-case replacement, and parses as the keyword", () => {
  const text = "get /users {\n  users = select * from User where age > 3 order_by name limit 5\n  respond users\n}";
  const { program, diagnostics } = parse(text);
  assert.deepEqual(
    diagnostics.map((d) => [d.code, d.span.start.line, d.span.start.column, d.replacement, text.slice(d.span.start.offset, d.span.end.offset)]),
    [
      ["KV1105", 1, 1, "GET", "get"],
      ["KV1105", 2, 11, "SELECT", "select"],
      ["KV1105", 2, 20, "FROM", "from"],
      ["KV1105", 2, 30, "WHERE", "where"],
      ["KV1105", 2, 44, "ORDER_BY", "order_by"],
      ["KV1105", 2, 58, "LIMIT", "limit"],
      ["KV1105", 3, 3, "RESPOND", "respond"],
    ],
  );
  assert.match(diagnostics[0].message, /'get' should be 'GET'/);
  const [endpoint] = program.declarations as [EndpointDecl];
  assert.equal(endpoint.kind, "Endpoint");
  const [assign, respond] = endpoint.body.statements;
  assert.ok(assign.kind === "Assign" && assign.value.kind === "SelectQuery");
  const query = assign.value as SelectQuery;
  assert.deepEqual([query.where !== null, query.orderBy?.items[0].field.name, query.limit && sexpr(query.limit.count)], [true, "name", "5"]);
  assert.equal(respond.kind, "Respond");
});

test("parser: mixed-case keywords are reported too; lower-case words used as names are not", () => {
  const { diagnostics } = parse("Entity A { x: int }\nGET /a {\n  If x { }\n}");
  assert.deepEqual(diagnostics.map((d) => [d.code, d.replacement]), [["KV1105", "ENTITY"], ["KV1105", "IF"]]);
  // `limit = 5`, `order.id`, `select(x)`, `{ from: 1 }`: the next token shows these are names.
  const statements = statementsOf("limit = 5\nx = order.id\nfrom = { from: 1 }\nsave(limit)");
  assert.deepEqual(statements.map((s) => s.kind), ["Assign", "Assign", "Assign", "ExpressionStatement"]);
});

// ───────────── statements ─────────────

function respond(body: string): [string, string, string] {
  const [s] = statementsOf(body) as [RespondStmt];
  assert.equal(s.kind, "Respond");
  return [s.status?.raw ?? "-", s.value ? sexpr(s.value) : "-", s.headers ? sexpr(s.headers) : "-"];
}

test("parser: RESPOND takes an optional status, value and HEADERS", () => {
  assert.deepEqual(respond("RESPOND"), ["-", "-", "-"]);
  assert.deepEqual(respond("RESPOND 204"), ["204", "-", "-"]);
  assert.deepEqual(respond("RESPOND 201 x"), ["201", "x", "-"]);
  assert.deepEqual(respond("RESPOND x"), ["-", "x", "-"]);
  assert.deepEqual(respond("RESPOND 201 HEADERS { a: 1 }"), ["201", "-", "{a:1}"]);
  assert.deepEqual(respond('RESPOND 200 { a: 1 } HEADERS { location: "/x" }'), ["200", "{a:1}", '{location:"/x"}']);
  assert.deepEqual(respond("RESPOND HEADERS { a: 1 }"), ["-", "-", "{a:1}"]);
});

test("parser: only a whole number right after RESPOND is the status", () => {
  assert.deepEqual(respond("RESPOND 1.5"), ["-", "1.5", "-"]);
  assert.deepEqual(respond("RESPOND -1"), ["-", "(- 1)", "-"]);
  assert.deepEqual(respond("RESPOND (200)"), ["-", "200", "-"]);
});

test("parser: RESPOND's value must start on RESPOND's line", () => {
  for (const value of ["x", "{ a: 1 }", "[1]", "SELECT * FROM User", "NOT a", "null", "$id", '"text"']) {
    assert.deepEqual(respond(`RESPOND ${value}`)[0], "-", value);
    assert.notEqual(respond(`RESPOND ${value}`)[1], "-", `${value} on the same line is the value`);
  }
  const [bare1, next] = statementsOf("RESPOND\nx = 1") as [RespondStmt, Statement];
  assert.deepEqual([bare1.status, bare1.value, next.kind], [null, null, "Assign"]);
  const [withStatus, after] = statementsOf("RESPOND 201\nlog(x)") as [RespondStmt, ExpressionStmt];
  assert.deepEqual([withStatus.status?.value, withStatus.value, after.kind], [201, null, "ExpressionStatement"]);
});

test("parser: HEADERS must be followed by an object", () => {
  const { diagnostics } = parse('GET /t {\n  RESPOND "a" HEADERS 5\n}');
  assert.deepEqual(diagnosticSummary(diagnostics), ["KV1101 2:23"]);
  assert.match(diagnostics[0].message, /HEADERS takes an object/);
});

test("parser: ERROR status [detail]", () => {
  const [a, b] = statementsOf('ERROR 404 "No user {$id}"\nERROR 500') as [ErrorStmt, ErrorStmt];
  assert.deepEqual([a.status.value, a.detail && sexpr(a.detail)], [404, '(template "No user " $id)']);
  assert.deepEqual([b.status.value, b.detail], [500, null]);
  const { diagnostics } = parse('GET /t {\n  ERROR "oops"\n}');
  assert.deepEqual(diagnosticSummary(diagnostics), ["KV1101 2:9"]);
  assert.match(diagnostics[0].message, /HTTP status/);
});

test("parser: IF / ELSE IF / ELSE nests the else-if as an If node", () => {
  const [s] = statementsOf("IF a { x = 1 } ELSE IF b { x = 2 } ELSE IF c { } ELSE { x = 3 }") as [IfStmt];
  assert.equal(sexpr(s.condition.expression), "a");
  assert.equal(s.then.statements.length, 1);
  const second = s.else as IfStmt;
  assert.equal(second.kind, "If");
  assert.equal(sexpr(second.condition.expression), "b");
  const third = second.else as IfStmt;
  assert.equal(third.kind, "If");
  assert.equal(third.else?.kind, "Block");
  const [plain] = statementsOf("IF a {\n}\nELSE {\n}") as [IfStmt];
  assert.equal(plain.else?.kind, "Block", "ELSE may start a new line");
  const [none] = statementsOf("IF a { }") as [IfStmt];
  assert.equal(none.else, null);
});

test("parser: a value on its own (not a call or query) is KV1103, with the likely keyword suggested", () => {
  const plain = parse("GET /t {\n  $body\n}");
  assert.deepEqual(diagnosticSummary(plain.diagnostics), ["KV1103 2:3"]);
  const typo = parse("GET /t {\n  x = 1\n  respond x\n}");
  assert.ok(typo.diagnostics.some((d) => d.code === "KV1105" || /RESPOND/.test(d.suggestion ?? "")), diagnosticSummary(typo.diagnostics).join(", "));
});

test("parser: assignment, BROADCAST and bare calls and queries; separators are optional", () => {
  const statements = statementsOf("x = 1; y = 2, z = 3 w = 4\nBROADCAST msg\nlog(x)\nDELETE FROM User");
  assert.deepEqual(statements.map((s) => s.kind), ["Assign", "Assign", "Assign", "Assign", "Broadcast", "ExpressionStatement", "ExpressionStatement"]);
  assert.deepEqual(statements.slice(0, 4).map((s) => s.kind === "Assign" && `${s.target.name}=${sexpr(s.value)}`), ["x=1", "y=2", "z=3", "w=4"]);
});

// ───────────── queries ─────────────

test("parser: SELECT with * or fields and every clause", () => {
  const q = expressionOf("SELECT id, name FROM User AS OF $query.at WHERE age >= 18 ORDER_BY name, id DESC, age ASC LIMIT 50 OFFSET 10") as SelectQuery;
  assert.deepEqual(q.fields?.map((f) => f.name), ["id", "name"]);
  assert.equal(q.entity.name, "User");
  assert.equal(q.asOf && sexpr(q.asOf), "(. $query at)");
  assert.equal(q.where && sexpr(q.where.expression), "(>= age 18)");
  assert.deepEqual(q.orderBy?.items.map((i) => `${i.field.name} ${i.direction}`), ["name ASC", "id DESC", "age ASC"]);
  assert.deepEqual([q.limit && sexpr(q.limit.count), q.offset && sexpr(q.offset.count)], ["50", "10"]);
  const all = expressionOf("SELECT * FROM User") as SelectQuery;
  assert.deepEqual([all.fields, all.asOf, all.where, all.orderBy, all.limit, all.offset], [null, null, null, null, null, null]);
});

test("parser: query clauses may come in any order but not twice (KV1108)", () => {
  const q = expressionOf("SELECT * FROM User LIMIT 5 WHERE a = 1 OFFSET 2 ORDER_BY a") as SelectQuery;
  assert.deepEqual([q.limit !== null, q.where !== null, q.offset !== null, q.orderBy !== null], [true, true, true, true]);
  const { diagnostics } = parse("GET /t {\n  x = SELECT * FROM User WHERE a = 1 WHERE b = 2 LIMIT 1 LIMIT 2\n}");
  assert.deepEqual(diagnosticSummary(diagnostics), ["KV1108 2:38", "KV1108 2:58"]);
  assert.match(diagnostics[0].suggestion ?? "", /AND/);
});

test("parser: a WHERE condition extends as far as the expression does", () => {
  const q = expressionOf('SELECT * FROM T WHERE a = 1 AND b IN [1, 2] OR c NOT LIKE "x%" AND d IS NOT NULL') as SelectQuery;
  assert.equal(q.where && sexpr(q.where.expression), '(OR (AND (== a 1) (IN b [1 2])) (AND (NOT (LIKE c "x%")) (is-not-null d)))');
});

test("parser: INSERT, UPDATE (both SET forms), DELETE, SAVE and HISTORY", () => {
  const statements = statementsOf(`INSERT INTO User { name: "Ada", ...$body }
UPDATE User SET name = $body.name, age = 36 WHERE id = $id
UPDATE User SET $body WHERE id = $id
UPDATE User SET { name: "x" }
DELETE FROM User WHERE id = $id
DELETE FROM User
SAVE $body INTO User
HISTORY User WHERE id = $id ORDER_BY at DESC LIMIT 10 OFFSET 5
HISTORY User`);
  const queries = statements.map((s) => (s as ExpressionStmt).expression);
  const [insert, updateFields, updateBody, updateObject, del, delAll, save, history, historyAll] = queries as [
    InsertQuery, UpdateQuery, UpdateQuery, UpdateQuery, DeleteQuery, DeleteQuery, SaveQuery, HistoryQuery, HistoryQuery,
  ];
  assert.deepEqual([insert.kind, insert.entity.name, sexpr(insert.value)], ["InsertQuery", "User", '{name:"Ada" ...$body}']);
  assert.ok(Array.isArray(updateFields.set));
  assert.deepEqual(updateFields.set.map((a) => `${a.field.name}=${sexpr(a.value)}`), ["name=(. $body name)", "age=36"]);
  assert.equal(updateFields.where && sexpr(updateFields.where.expression), "(== id $id)");
  assert.ok(!Array.isArray(updateBody.set) && updateBody.set.kind === "Param");
  assert.ok(!Array.isArray(updateObject.set) && updateObject.set.kind === "Object" && updateObject.where === null);
  assert.deepEqual([del.kind, del.entity.name, del.where !== null, delAll.where], ["DeleteQuery", "User", true, null]);
  assert.deepEqual([save.kind, sexpr(save.value), save.entity.name], ["SaveQuery", "$body", "User"]);
  assert.deepEqual(
    [history.kind, history.where !== null, history.orderBy?.items[0].direction, history.limit && sexpr(history.limit.count), history.offset && sexpr(history.offset.count)],
    ["HistoryQuery", true, "DESC", "10", "5"],
  );
  assert.deepEqual([historyAll.where, historyAll.orderBy, historyAll.limit, historyAll.offset], [null, null, null, null]);
});

test("parser: inside a query, bare names are plain Name nodes (the checker resolves them)", () => {
  const q = expressionOf("SELECT * FROM User WHERE name = userName") as SelectQuery;
  assert.ok(q.where?.expression.kind === "Binary");
  assert.deepEqual([q.where.expression.left.kind, q.where.expression.right.kind], ["Name", "Name"]);
});
