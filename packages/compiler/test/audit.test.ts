// AUDIT (issue 21 item 3) in the compiler: the parser and formatter, the fields the checker adds,
// KV2810/KV2811, the caller every write plan of an audited entity carries (and no other plan), and
// the OpenAPI marks. The stamping itself runs in every driver's record codec: held by the
// conformance cases (packages/conformance/src/cases-audit.ts) and examples/helpdesk.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, emitApp, formatSource, lower, openApiDocument, parse, type Diagnostic } from "../src/index.js";

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

function emit(app: ReturnType<typeof model>, text: string): string {
  const compiled = new Map(app.queries.map((q) => [q.id, { sql: `-- ${q.id}` } as never]));
  return emitApp(app, compiled, { sourcePath: () => "app.kova", sourceText: () => text, moduleSpecifier: (_f, m) => m, outputFile: "/app/dist/app.js" }).code;
}

const AUTH = `VALIDATE Claims { sub: string }
AUTH jwt USING secret(env("JWT_KEY")) { claims: Claims }
`;

test("parser: AUDIT follows the entity name (and USING), before or after NO HISTORY", () => {
  const { program, diagnostics } = parse(`CONNECT db USING postgres("x")\nENTITY A AUDIT { n: int }\nENTITY B USING db NO HISTORY AUDIT { n: int }\nENTITY C AUDIT NO HISTORY { n: int }\nENTITY D { n: int }\n`, "app.kova");
  assert.deepEqual(diagnostics, []);
  const [, a, b, c, d] = program.declarations as any[];
  assert.deepEqual([a.audit, b.audit, c.audit, d.audit], [true, true, true, false]);
  assert.deepEqual([b.noHistory, c.noHistory], [true, true]);
});

test("formatter: AUDIT prints after NO HISTORY, and formatting is stable", () => {
  const once = formatSource("ENTITY   Post  AUDIT   NO HISTORY {\n  title : text\n}\n", "app.kova");
  assert.equal(once.text, "ENTITY Post NO HISTORY AUDIT {\n  title: text\n}\n");
  assert.equal(formatSource(once.text, "app.kova").changed, false);
});

test("checker: an AUDIT entity has the four audit fields, typed, after its own", () => {
  const app = model("ENTITY Post AUDIT {\n  title: text\n}\nGET /p/:id(int) {\n  p = SELECT * FROM Post WHERE id = $id\n  RESPOND { at: p.created_at, who: p.updated_by }\n}\n");
  const post = app.entities.find((e) => e.name === "Post")!;
  assert.deepEqual(post.fields.map((f) => [f.name, f.type, f.optional, f.audit ?? null]), [
    ["title", "string", false, null],
    ["created_at", "datetime", true, "createdAt"],
    ["updated_at", "datetime", true, "updatedAt"],
    ["created_by", "string", true, "createdBy"],
    ["updated_by", "string", true, "updatedBy"],
  ]);
});

test("checker: a field named like an audit field is KV2810; a write naming one is KV2811", () => {
  assert.deepEqual(codes("ENTITY Post AUDIT {\n  title: text\n  updated_by: text\n}\n"), ["KV2810"]);
  assert.deepEqual(codes("ENTITY Post {\n  title: text\n  updated_by: text\n}\n"), [], "without AUDIT the name is free");
  const base = "ENTITY Post AUDIT {\n  title: text\n}\n";
  const insert = check(`${base}POST /p {\n  RESPOND INSERT INTO Post { title: "a", created_by: "x" }\n}\n`);
  assert.deepEqual(insert.map((d) => d.code), ["KV2811"]);
  assert.match(insert[0].message, /'created_by' of Post is set by every write/);
  assert.deepEqual(codes(`${base}PUT /p/:id(int) {\n  RESPOND UPDATE Post SET updated_at = "2020-01-01T00:00:00Z" WHERE id = $id\n}\n`), ["KV2811"]);
  assert.deepEqual(codes(`${base}PUT /p/:id(int) {\n  RESPOND SAVE { id: $id, title: "a", updated_by: null } INTO Post\n}\n`), ["KV2811"]);
  assert.deepEqual(codes(`${base}GET /p/by/:who {\n  RESPOND SELECT * FROM Post WHERE created_by = $who ORDER_BY updated_at DESC\n}\n`), [], "reading them is fine");
});

test("plans: every write of an AUDIT entity carries the caller ($auth.sub as an argument); reads and other entities do not", () => {
  const app = model(`${AUTH}ENTITY Post AUDIT {\n  title: text\n}\nENTITY Tag {\n  name: text\n}\nVALIDATE PostIn { title: string }
POST /p VALIDATE PostIn AUTH optional {\n  RESPOND INSERT INTO Post $body\n}
PUT /p/:id(int) AUTH {\n  RESPOND UPDATE Post SET title = "x" WHERE id = $id\n}
PUT /p/:id(int)/save VALIDATE PostIn {\n  RESPOND SAVE { ...$body, id: $id } INTO Post\n}
DELETE /p/:id(int) AUTH {\n  RESPOND DELETE FROM Post WHERE id = $id\n}
POST /t {\n  RESPOND INSERT INTO Tag { name: "a" }\n}
`);
  const plans = app.queries.map((q) => q.plan as any);
  const audit = (kind: string, entity: string) => plans.find((p) => p.kind === kind && p.entity === entity)?.values?.audit;
  for (const kind of ["insert", "update", "save"]) assert.equal(audit(kind, "Post")?.by.kind, "arg", kind);
  assert.equal(audit("insert", "Tag"), undefined);
  assert.equal(plans.find((p) => p.kind === "delete").values, undefined);
  // The argument is the caller's sub claim, read where the handler runs the write.
  const code = emit(app, "x");
  assert.match(code, /ctx\.auth\?\.\["sub"\]/);
});

test("OpenAPI: the audit fields are in the entity's schema, readOnly and described", () => {
  const app = model("ENTITY Post AUDIT {\n  title: text\n}\nGET /p/:id(int) {\n  RESPOND SELECT * FROM Post WHERE id = $id\n}\n");
  const doc = openApiDocument(app) as any;
  const post = doc.components.schemas.Post;
  assert.deepEqual(post.required, ["id", "title", "created_at", "updated_at", "created_by", "updated_by"]);
  assert.equal(post.properties.title.readOnly, undefined);
  const marks = (s: any): boolean => s.readOnly === true || (s.anyOf ?? s.oneOf ?? []).some(marks);
  for (const name of ["created_at", "updated_at", "created_by", "updated_by"]) assert.ok(marks(post.properties[name]), `${name}: ${JSON.stringify(post.properties[name])}`);
  assert.match(JSON.stringify(post.properties.created_by), /\$auth subject/);
});
