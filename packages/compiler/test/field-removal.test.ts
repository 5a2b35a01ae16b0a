// `{ ...row, -field }` (issue 13 item 2): field removal in an object literal — parser, checker
// (did-you-mean on an unknown field), the type that results, formatter and emitted JavaScript.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, emitApp, formatSource, lower, parse, type Diagnostic } from "../src/index.js";

function check(text: string): Diagnostic[] {
  return checkText(text, "/app/app.kova", { readFile: () => undefined }).diagnostics;
}

function emit(text: string): string {
  const result = checkText(text, "/app/app.kova", { readFile: () => undefined });
  assert.deepEqual(result.diagnostics.map((d) => `${d.code} ${d.message}`), []);
  const app = lower(result.programs[0].model, { name: "app" });
  const compiled = new Map(app.queries.map((q) => [q.id, { sql: `-- ${q.id}` } as never]));
  return emitApp(app, compiled, { sourcePath: () => "app.kova", sourceText: () => text, moduleSpecifier: (_f, m) => m, outputFile: "/app/dist/app.js" }).code;
}

const USER = `ENTITY User {
  email: text
  password_hash: text
  name: text
}
`;

test("parser: -name in an object is a Removal entry", () => {
  const { program, diagnostics } = parse("GET /a {\n  RESPOND { ...row, -b, c: 1 }\n}\n", "app.kova");
  assert.deepEqual(diagnostics, []);
  const respond = (program.declarations[0] as any).body.statements[0];
  assert.deepEqual(respond.value.entries.map((e: any) => e.kind), ["Spread", "Removal", "Property"]);
  assert.equal(respond.value.entries[1].name.name, "b");
});

test("checker: the removed field is gone from the type; an unknown one is KV2002 with did-you-mean", () => {
  assert.deepEqual(check(`${USER}GET /u/:id(int) {\n  row = SELECT id, email, password_hash FROM User WHERE id = $id\n  out = { ...row, -password_hash }\n  RESPOND out?.email\n}\n`), []);
  const gone = check(`${USER}GET /u/:id(int) {\n  row = SELECT id, email, password_hash FROM User WHERE id = $id\n  out = { ...row, -password_hash }\n  RESPOND out.password_hash\n}\n`);
  assert.deepEqual(gone.map((d) => d.code), ["KV2002"]);
  const typo = check(`GET /a {\n  row = { a: 1, b: 2 }\n  RESPOND { ...row, -bb }\n}\n`);
  assert.deepEqual(typo.map((d) => d.code), ["KV2002"]);
  assert.equal(typo[0].suggestion, "did you mean 'b'?");
  assert.deepEqual(check(`GET /a {\n  RESPOND { ...$query, -page }\n}\n`), [], "an open object may lose any field");
});

test("formatter: removals print as written", () => {
  const out = formatSource("GET /a {\n  RESPOND {...$query,-page,  -size}\n}\n", "app.kova");
  assert.equal(out.text, "GET /a {\n  RESPOND { ...$query, -page, -size }\n}\n");
});

test("emit: the entries before a removal go through without_fields, then the rest is spread in", () => {
  const code = emit(`GET /a {\n  row = { a: 1, b: 2, c: 3 }\n  RESPOND { ...row, -b, -c, d: 4 }\n}\n`);
  assert.ok(code.includes(`body: { ...kb.without_fields({ ...v_row }, "b", "c"), "d": 4 }`), code);
  const plain = emit(`GET /a {\n  RESPOND { a: 1 }\n}\n`);
  assert.ok(plain.includes(`body: { "a": 1 }`), "objects without removals are unchanged");
});
