// Versioned identifiers, PUBLIC ID keyset pages and endpoint retries in the compiler (issue 21 item 2):
// `IDENTIFIER slug(title) VERSIONED` parsed, formatted and marked in the IR; SAVE refused (KV2930);
// an AFTER page of a PUBLIC ID entity keyed by the public id, and ORDER_BY id refused on a random
// UUID (KV2932); a writing endpoint marked `retry` only when nothing it does reaches outside its
// data sources. Running them on every driver is held by packages/conformance
// (cases-identifier-versions.ts, cases-public-cursor.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { identifierTable } from "@kova/query";
import { checkText, emitApp, formatSource, lower, parse, type Diagnostic } from "../src/index.js";

function check(text: string): Diagnostic[] {
  return checkText(text, "/app/app.kova", { readFile: () => undefined }).diagnostics;
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

const ARTICLE = "ENTITY Article PUBLIC ID uuid IDENTIFIER slug(title) VERSIONED {\n  title: text\n}\n";

test("parser and formatter: VERSIONED after IDENTIFIER slug(…); stable without it", () => {
  const { program, diagnostics } = parse("ENTITY A IDENTIFIER slug(title) VERSIONED AUDIT { title: text }\nENTITY B IDENTIFIER slug(title) { title: text }\n", "app.kova");
  assert.deepEqual(diagnostics, []);
  const [a, b] = program.declarations as any[];
  assert.deepEqual([a.identifier.versioned, a.audit, b.identifier.versioned], [true, true, false]);
  const once = formatSource("ENTITY   Article IDENTIFIER  slug( title )  VERSIONED PUBLIC ID uuid {\n  title : text\n}\n", "app.kova");
  assert.equal(once.text, ARTICLE);
  assert.equal(formatSource(once.text, "app.kova").changed, false);
});

test("IR: the identifier field says versioned, and its table holds every identifier per tenant", () => {
  const app = model(`VALIDATE Claims { sub: string  org: string }
AUTH jwt USING secret(env("JWT_KEY")) { claims: Claims }
${ARTICLE}ENTITY Page TENANT BY org IDENTIFIER slug(title) VERSIONED {\n  title: text\n}\nENTITY Note IDENTIFIER slug(title) {\n  title: text\n}\n`);
  const article = app.entities.find((e) => e.name === "Article")!;
  assert.deepEqual(article.fields.find((f) => f.name === "identifier")!.computed, { identifier: ["title"], empty: "article", versioned: true });
  const table = identifierTable(article)!;
  assert.deepEqual([table.table, table.history, table.fields.map((f) => [f.name, f.type, f.unique])], ["kova_article_identifiers", false, [["identifier", "string", true], ["record", "int", false]]]);
  const pages = identifierTable(app.entities.find((e) => e.name === "Page")!)!;
  assert.deepEqual([pages.uniques, pages.fields.map((f) => f.name)], [[["tenant_id", "identifier"]], ["identifier", "record", "tenant_id"]]);
  assert.equal(identifierTable(app.entities.find((e) => e.name === "Note")!), undefined, "a stable identifier needs no table");
});

test("KV2930: SAVE into an entity whose identifier is VERSIONED", () => {
  const found = check(`${ARTICLE.replace("PUBLIC ID uuid ", "")}PUT /a/:id(int) { RESPOND SAVE { title: "x", id: $id } INTO Article }\n`);
  assert.deepEqual(found.map((d) => d.code), ["KV2930"]);
  assert.match(found[0].suggestion ?? "", /UPDATE Article SET/);
});

test("KV2932: an AFTER page of a PUBLIC ID uuid entity ordered by id; uuid7 and ulid may", () => {
  const page = (kind: string) => check(`ENTITY C PUBLIC ID ${kind} {\n  name: text\n}\nGET /c { RESPOND SELECT name FROM C ORDER_BY id LIMIT 10 AFTER $query.cursor }\n`).map((d) => d.code);
  assert.deepEqual([page("uuid"), page("uuid7"), page("ulid")], [["KV2932"], [], []]);
});

test("an AFTER page of a PUBLIC ID entity is keyed by the public id, never the integer key", () => {
  const app = model(`ENTITY C PUBLIC ID uuid {\n  name: text\n}\nENTITY D PUBLIC ID ulid {\n  name: text\n}
GET /c { RESPOND SELECT name FROM C ORDER_BY name LIMIT 10 AFTER $query.cursor }
GET /d { RESPOND SELECT name FROM D ORDER_BY id DESC LIMIT 10 AFTER $query.cursor }
GET /e { RESPOND SELECT name FROM D ORDER_BY name LIMIT 10 }\n`);
  const plan = (entity: string, n = 0) => app.queries.filter((q) => q.entity === entity)[n].plan as any;
  assert.deepEqual(plan("C").shape.after.keys.map((k: any) => k.field), ["name", "public_id"]);
  assert.deepEqual(plan("C").orderBy.map((k: any) => k.field), ["name", "public_id"]);
  assert.deepEqual([plan("D").shape.after.keys, plan("D").orderBy], [[{ field: "public_id", direction: "DESC" }], [{ field: "public_id", direction: "DESC" }]]);
  assert.deepEqual(plan("D", 1).orderBy.map((k: any) => k.field), ["name"], "a page without AFTER is as it was");
});

test("emitter: a writing endpoint is run again on a deadlock only when nothing it does reaches outside its data sources", () => {
  const code = emit(`ENTITY Note {\n  title: text\n}
FN touch(t: text) {\n  RETURN INSERT INTO Note { title: t }\n}
POST /a { RESPOND INSERT INTO Note { title: "a" } }
POST /b { RESPOND touch("b") }
TASK notify(t: text) {\n  UPDATE Note SET title = t WHERE title = "c"\n}
POST /c {\n  n = INSERT INTO Note { title: "c" }\n  ENQUEUE notify("c")\n  RESPOND n\n}
GET /d { RESPOND SELECT * FROM Note }\n`);
  const line = (path: string) => code.split("\n").find((l) => l.includes(`path: "${path}"`)) ?? "";
  assert.match(line("/a"), /writes: \["default"\], retry: true/);
  assert.match(line("/b"), /retry: true/, "through an FN that only writes");
  assert.doesNotMatch(line("/c"), /retry/, "a task enqueued would be enqueued twice");
  assert.doesNotMatch(line("/d"), /retry|writes/, "a read is not in a transaction");
});
