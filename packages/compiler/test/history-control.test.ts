// History control (issue 13 item 6) in the compiler: `SECRET` fields and `NO HISTORY` entities —
// parser, formatter, checker (good and bad programs with their diagnostics), the schema and plans
// the IR carries, and the emitted JavaScript.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, emitApp, formatSource, lower, parse, type Diagnostic } from "../src/index.js";

function check(text: string): Diagnostic[] {
  return checkText(text, "/app/app.kova", { readFile: () => undefined }).diagnostics;
}

function codes(text: string): string[] {
  return check(text).map((d) => d.code);
}

function model(text: string) {
  const result = checkText(text, "/app/app.kova", { readFile: () => undefined });
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`), []);
  return lower(result.programs[0].model, { name: "app" });
}

function emit(text: string): string {
  const app = model(text);
  const compiled = new Map(app.queries.map((q) => [q.id, { sql: `-- ${q.id}` } as never]));
  return emitApp(app, compiled, { sourcePath: () => "app.kova", sourceText: () => text, moduleSpecifier: (_f, m) => m, outputFile: "/app/dist/app.js" }).code;
}

const ENTITIES = `ENTITY User {
  email: text UNIQUE
  password_hash: text SECRET
  name: text
}

ENTITY Session NO HISTORY {
  token: text SECRET
  user: User
}
`;

test("parser: SECRET is a field modifier, NO HISTORY follows the entity name (and USING)", () => {
  const { program, diagnostics } = parse(`CONNECT db USING postgres("x")\n${ENTITIES}ENTITY Hit USING db NO HISTORY {\n  n: int\n}\n`, "app.kova");
  assert.deepEqual(diagnostics, []);
  const [, user, session, hit] = program.declarations as any[];
  assert.deepEqual(user.fields[1].modifiers.map((m: any) => m.modifier), ["SECRET"]);
  assert.equal(user.noHistory, false);
  assert.equal(session.noHistory, true);
  assert.equal(hit.source.name, "db");
  assert.equal(hit.noHistory, true);
  const missing = parse("ENTITY S NO {\n  n: int\n}\n", "app.kova").diagnostics;
  assert.equal(missing[0]?.code, "KV1101");
  assert.match(missing[0].message, /HISTORY/);
});

test("formatter: SECRET and NO HISTORY print as written, and formatting is stable", () => {
  const messy = "ENTITY   Session   NO   HISTORY {\n  token : text   SECRET UNIQUE\n}\n";
  const once = formatSource(messy, "app.kova");
  assert.equal(once.text, "ENTITY Session NO HISTORY {\n  token: text SECRET UNIQUE\n}\n");
  assert.equal(formatSource(once.text, "app.kova").changed, false);
});

test("checker: a clean program; SELECT * and a write's row have no SECRET field, a named SELECT does", () => {
  const good = `${ENTITIES}
GET /users/:id(int) {
  row = SELECT * FROM User WHERE id = $id
  secret = SELECT id, password_hash FROM User WHERE id = $id
  RESPOND { name: row?.name, has: secret?.password_hash IS NOT NULL }
}
GET /users/:id(int)/history {
  RESPOND HISTORY User WHERE id = $id
}
GET /users/:id(int)/then {
  RESPOND SELECT name FROM User AS OF now() - 1d WHERE id = $id
}
`;
  assert.deepEqual(check(good), []);
  const starred = check(`${ENTITIES}\nGET /u/:id(int) {\n  row = SELECT * FROM User WHERE id = $id\n  RESPOND row?.password_hash\n}\n`);
  assert.deepEqual(starred.map((d) => d.code), ["KV2002"]);
  const written = check(`${ENTITIES}\nPOST /u {\n  row = INSERT INTO User { email: "a@b.c", password_hash: "h", name: "a" }\n  RESPOND row.password_hash\n}\n`);
  assert.deepEqual(written.map((d) => d.code), ["KV2002"]);
});

test("checker: HISTORY and AS OF on a NO HISTORY entity are KV2340, naming the entity", () => {
  const history = check(`${ENTITIES}\nGET /s/:id(int) {\n  RESPOND HISTORY Session WHERE id = $id\n}\n`);
  assert.deepEqual(history.map((d) => d.code), ["KV2340"]);
  assert.match(history[0].message, /Session is marked NO HISTORY: it keeps no versions, so HISTORY has nothing to read/);
  assert.equal(history[0].span.start.line, 13);
  const asOf = check(`${ENTITIES}\nGET /s/:id(int) {\n  RESPOND SELECT * FROM Session AS OF now() - 1h WHERE id = $id\n}\n`);
  assert.deepEqual(asOf.map((d) => d.code), ["KV2340"]);
  assert.match(asOf[0].message, /AS OF/);
  const related = check(`ENTITY Owner NO HISTORY {\n  name: text\n}\nENTITY Pet {\n  owner: Owner\n  name: text\n}\nGET /p {\n  RESPOND SELECT name, owner { name } FROM Pet AS OF now() - 1d\n}\n`);
  assert.deepEqual(related.map((d) => d.code), ["KV2340"]);
  assert.match(related[0].message, /Owner is marked NO HISTORY/);
});

test("checker: a SECRET field named in HISTORY or AS OF is KV2341 (select list, WHERE, ORDER_BY)", () => {
  assert.deepEqual(codes(`${ENTITIES}\nGET /u {\n  RESPOND SELECT password_hash FROM User AS OF now() - 1d\n}\n`), ["KV2341"]);
  assert.deepEqual(codes(`${ENTITIES}\nGET /u {\n  RESPOND SELECT * FROM User AS OF now() - 1d WHERE password_hash = "x"\n}\n`), ["KV2341"]);
  assert.deepEqual(codes(`${ENTITIES}\nGET /u {\n  RESPOND HISTORY User WHERE password_hash IS NULL ORDER_BY password_hash\n}\n`), ["KV2341", "KV2341"]);
  const one = check(`${ENTITIES}\nGET /u {\n  RESPOND SELECT password_hash FROM User AS OF now() - 1d\n}\n`)[0];
  assert.match(one.message, /'password_hash' is SECRET: history keeps no value for it, so AS OF cannot read or compare it/);
  assert.match(one.suggestion ?? "", /SELECT without AS OF/);
});

test("IR: the schema says secret and history: false; SELECT * names the other fields; a nested * too", () => {
  const app = model(`${ENTITIES}\nGET /u {\n  RESPOND SELECT * FROM User\n}\nGET /s {\n  RESPOND SELECT id, user { * } FROM Session\n}\n`);
  const user = app.entities.find((e) => e.name === "User")!;
  assert.deepEqual(user.fields.map((f) => [f.name, f.secret === true]), [["email", false], ["password_hash", true], ["name", false]]);
  assert.equal(user.history, undefined);
  assert.equal(app.entities.find((e) => e.name === "Session")!.history, false);
  const plans = app.queries.map((q) => q.plan as any);
  assert.deepEqual(plans[0].fields, ["email", "name"]);
  assert.deepEqual(plans[1].nested?.[0].fields, ["email", "name"]);
});

test("emit: a write to an entity with SECRET fields answers through without_fields; reads and other entities do not", () => {
  const code = emit(`${ENTITIES}\nPOST /u {\n  RESPOND 201 INSERT INTO User { email: "a@b.c", password_hash: "h", name: "a" }\n}\nGET /u {\n  RESPOND SELECT * FROM User\n}\nPOST /s {\n  RESPOND DELETE FROM Session WHERE id = 1\n}\n`);
  assert.ok(code.includes(`const reply = kb.without_fields((await ctx.db("default").execute(Q0, [])), "password_hash");`), code);
  assert.match(code, /body: \(await ctx\.db\("default"\)\.execute\(Q1, \[\]\)\)/);
  assert.match(code, /kb\.without_fields\(\(await ctx\.db\("default"\)\.execute\(Q2, \[\]\)\), "token"\)/);
});
