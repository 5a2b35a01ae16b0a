import { test } from "node:test";
import assert from "node:assert/strict";
import { parse, sortDiagnostics, type EndpointDecl } from "../src/index.js";
import { diagnosticSummary, parseClean, spanProblems, type JsonNode } from "./support/ast-helpers.js";
import { SAMPLES } from "./support/samples.js";

const declared = (text: string) =>
  parse(text).program.declarations.map((d) => `${d.kind}:${"name" in d ? d.name.name : d.kind === "Endpoint" ? `${d.method} ${d.path.text}` : "source" in d ? d.source : d.kind}`);

test("recovery: every sample program parses with no diagnostics and sound spans", () => {
  for (const [name, text] of Object.entries(SAMPLES)) {
    const program = parseClean(text, `${name}.kova`);
    assert.ok(program.declarations.length > 0, name);
    assert.equal(program.file, `${name}.kova`);
    assert.deepEqual([program.span.start.offset, program.span.end.offset], [0, text.length], "the Program spans the whole file");
  }
});

test("recovery: three independent mistakes on different lines give exactly three diagnostics", () => {
  const text = `ENTITY User {
  name text
  age: int
}

GET /users {
  users = SELECT * FROM User WHERE age >
  RESPOND users
}

GET /users/:id {
  ERROR 404 "no user with id {$id}
}
`;
  const { program, diagnostics } = parse(text);
  assert.deepEqual(diagnosticSummary(sortDiagnostics(diagnostics)), ["KV1101 2:8", "KV1104 8:3", "KV1002 12:13"]);
  assert.deepEqual(declared(text), ["Entity:User", "Endpoint:GET /users", "Endpoint:GET /users/:id"]);
  const user = program.declarations[0];
  assert.ok(user.kind === "Entity" && user.fields.some((f) => f.name.name === "age"), "the field after the bad one is kept");
});

test("recovery: a half-typed endpoint cut off mid-query still yields the declarations after it", () => {
  const text = `ENTITY User { name: text }
GET /users {
  users = SELECT * FROM User WHERE
ENTITY Post { title: text }
GET /posts { RESPOND SELECT * FROM Post }
`;
  const { diagnostics } = parse(text);
  assert.deepEqual(declared(text), ["Entity:User", "Endpoint:GET /users", "Entity:Post", "Endpoint:GET /posts"]);
  assert.ok(diagnostics.length >= 1 && diagnostics.length <= 3, diagnosticSummary(diagnostics).join(", "));
  assert.ok(diagnostics.some((d) => d.code === "KV1106" && d.span.start.line === 2), "the unclosed { of GET /users is reported");
});

test("recovery: a missing } before the next declaration is KV1106 at the opening brace, and the next declaration parses", () => {
  const text = `GET /a {
  x = 1
  IF x > 0 {
    RESPOND x
  }

POST /b {
  RESPOND 201
}
`;
  const { program, diagnostics } = parse(text);
  assert.deepEqual(diagnosticSummary(diagnostics), ["KV1106 1:8"]);
  assert.match(diagnostics[0].message, /this '\{' of GET \/a is never closed/);
  assert.match(diagnostics[0].suggestion ?? "", /add '\}'/);
  const [a, b] = program.declarations as EndpointDecl[];
  assert.deepEqual(a.body.statements.map((s) => s.kind), ["Assign", "If"]);
  assert.deepEqual([b.method, b.path.text, b.body.statements.length], ["POST", "/b", 1]);
});

test("recovery: several unclosed blocks are each reported once", () => {
  const text = "GET /a {\n  IF x {\n    RESPOND 1\nENTITY B { y: int }\n";
  const { diagnostics } = parse(text);
  assert.deepEqual(diagnosticSummary(diagnostics), ["KV1106 2:8", "KV1106 1:8"]);
  assert.deepEqual(declared(text), ["Endpoint:GET /a", "Entity:B"]);
});

test("recovery: an unclosed ( or [ is KV1106 at the opening bracket", () => {
  const unclosed = (text: string) => diagnosticSummary(parse(text).diagnostics).filter((d) => d.startsWith("KV1106 2:"));
  assert.deepEqual(unclosed("GET /a {\n  x = f(1, 2\n}"), ["KV1106 2:8"]);
  assert.deepEqual(unclosed("GET /a {\n  x = [1, 2\n}"), ["KV1106 2:7"]);
});

test("recovery: statements at the top level and methods without a path are KV1102 with a hint", () => {
  const stray = parse("RESPOND 1\nENTITY A { x: int }");
  assert.deepEqual(diagnosticSummary(stray.diagnostics), ["KV1102 1:1"]);
  assert.match(stray.diagnostics[0].suggestion ?? "", /inside an endpoint/);
  assert.equal(stray.program.declarations[0].kind, "Entity");
  const noPath = parse("GET {\n}\nENTITY A { x: int }");
  assert.deepEqual(diagnosticSummary(noPath.diagnostics), ["KV1102 1:1"]);
  assert.match(noPath.diagnostics[0].suggestion ?? "", /GET \/users/);
});

test("recovery: one bad line gives one diagnostic, not a cascade", () => {
  for (const line of ["x = = = = 1", "RESPOND ) ) )", "x = SELECT * FROM 42 WHERE", "x = (1 2 3)", "} } {"]) {
    const { diagnostics } = parse(`GET /a {\n  ${line}\n  RESPOND 1\n}\nGET /b { }`);
    assert.ok(diagnostics.length >= 1 && diagnostics.length <= 2, `${line}: ${diagnosticSummary(diagnostics).join(", ")}`);
    assert.ok(diagnostics.every((d) => d.span.start.line === 2), `${line}: ${diagnosticSummary(diagnostics).join(", ")}`);
  }
});

test("recovery: a lower-case statement keyword at the start of a line suggests the keyword", () => {
  const { diagnostics } = parse("GET /a {\n  x = 1\n  error 404\n}");
  assert.ok(diagnostics.some((d) => d.code === "KV1105" && d.replacement === "ERROR"), diagnosticSummary(diagnostics).join(", "));
});

test("spans: every node of every sample lies within its parent, with consistent line/column", () => {
  for (const [name, text] of Object.entries(SAMPLES)) {
    const { program } = parse(text, `${name}.kova`);
    assert.deepEqual(spanProblems(program as unknown as JsonNode, text), [], name);
  }
});

const BROKEN = [
  "GET /a {\n  x = 1 +\n}",
  'GET /a {\n  ERROR "oops"\n}',
  "GET /a {\n  x = SELECT * FROM\n}",
  "GET /a {\n  users = SELECT * FROM User WHERE age >\n  RESPOND users\n}",
  "ENTITY A {\n  x:\n}",
  "GET /a {\n  x = { a: }\n}",
];

test("spans: nodes of a broken program still lie within their parents", () => {
  for (const text of BROKEN) {
    const { program } = parse(text);
    assert.deepEqual(spanProblems(program as unknown as JsonNode, text), [], text);
  }
});

test("spans: broken programs still have start ≤ end and positions that match offsets", () => {
  for (const text of BROKEN) {
    const { program } = parse(text);
    const problems = spanProblems(program as unknown as JsonNode, text).filter((p) => !p.includes("lies outside"));
    assert.deepEqual(problems, [], text);
  }
});

test("determinism: parsing the same text twice gives byte-identical JSON", () => {
  for (const text of [...Object.values(SAMPLES), ...BROKEN]) {
    const first = parse(text, "same.kova");
    const second = parse(text, "same.kova");
    assert.equal(JSON.stringify(first.program), JSON.stringify(second.program));
    assert.equal(JSON.stringify(first.diagnostics), JSON.stringify(second.diagnostics));
  }
});

test("determinism: the AST is plain JSON (a JSON round trip changes nothing)", () => {
  for (const text of Object.values(SAMPLES)) {
    const { program } = parse(text);
    assert.deepEqual(JSON.parse(JSON.stringify(program)), program);
  }
});

test("numbers too large for a double are reported rather than printed as null", () => {
  const { program, diagnostics } = parse("GET /a {\n  x = 1e400\n}");
  assert.ok(diagnostics.some((d) => d.code === "KV1005"), "expected KV1005 for 1e400");
  assert.doesNotMatch(JSON.stringify(program), /"value":null/);
});
