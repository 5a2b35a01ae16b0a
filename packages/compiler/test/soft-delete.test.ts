// SOFT DELETE (issue 21 item 3) in the compiler: the parser and formatter (SOFT DELETE, RESTORE,
// WITH DELETED, ONLY DELETED), the fields the checker adds, KV2840–KV2843, and the one plan
// rewrite (a DELETE stamps, RESTORE clears, reads keep to live rows, relations too). Running it on
// every driver is held by packages/conformance/src/cases-soft-delete.ts and examples/helpdesk.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, formatSource, lower, openApiDocument, parse, typescriptClient, type Diagnostic } from "../src/index.js";

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

const AUTH = `VALIDATE Claims { sub: string }
AUTH jwt USING secret(env("JWT_KEY")) { claims: Claims }
`;
const TICKET = "ENTITY Ticket SOFT DELETE {\n  title: text\n}\n";

test("parser: SOFT DELETE beside AUDIT and NO HISTORY; RESTORE; WITH DELETED and ONLY DELETED", () => {
  const { program, diagnostics } = parse(
    `ENTITY A SOFT DELETE { n: int }\nENTITY B AUDIT SOFT DELETE NO HISTORY { n: int }\nENTITY C { n: int }
GET /a { RESPOND SELECT * FROM A WHERE n > 1 WITH DELETED }
GET /b { RESPOND SELECT * FROM A ONLY DELETED ORDER_BY n }
POST /r/:id { RESPOND RESTORE A WHERE id = $id }
`,
    "app.kova",
  );
  assert.deepEqual(diagnostics, []);
  const [a, b, c, getA, getB, restore] = program.declarations as any[];
  assert.deepEqual([a.softDelete, b.softDelete, c.softDelete], [true, true, false]);
  assert.deepEqual([b.audit, b.noHistory], [true, true]);
  assert.equal(getA.body.statements[0].value.deleted, "with");
  assert.equal(getB.body.statements[0].value.deleted, "only");
  assert.equal(getB.body.statements[0].value.orderBy.items[0].field.name, "n");
  assert.deepEqual([restore.body.statements[0].value.kind, restore.body.statements[0].value.entity.name], ["RestoreQuery", "A"]);
});

test("formatter: SOFT DELETE after AUDIT, RESTORE and WITH DELETED print back, and formatting is stable", () => {
  const once = formatSource("ENTITY   Ticket  SOFT   DELETE AUDIT {\n  title : text\n}\nPOST /r/:id {\n  RESPOND   RESTORE  Ticket WHERE id==$id\n}\nGET /t {\n  RESPOND SELECT * FROM Ticket WITH DELETED  ORDER_BY id\n}\n", "app.kova");
  assert.equal(once.text, "ENTITY Ticket AUDIT SOFT DELETE {\n  title: text\n}\n\nPOST /r/:id {\n  RESPOND RESTORE Ticket WHERE id = $id\n}\n\nGET /t {\n  RESPOND SELECT * FROM Ticket ORDER_BY id WITH DELETED\n}\n");
  assert.equal(formatSource(once.text, "app.kova").changed, false);
});

test("checker: a SOFT DELETE entity has deleted_at and deleted_by, nullable, after its own (and the audit) fields", () => {
  const app = model("ENTITY Ticket AUDIT SOFT DELETE {\n  title: text\n}\nGET /t/:id(int) {\n  t = SELECT * FROM Ticket WHERE id = $id\n  RESPOND { at: t.deleted_at, who: t.deleted_by }\n}\n");
  const ticket = app.entities.find((e) => e.name === "Ticket")!;
  assert.deepEqual(ticket.fields.slice(-2).map((f) => [f.name, f.type, f.optional, f.softDelete ?? null]), [
    ["deleted_at", "datetime", true, "deletedAt"],
    ["deleted_by", "string", true, "deletedBy"],
  ]);
  assert.equal(ticket.fields[1].name, "created_at");
});

test("checker: KV2840 for a field named deleted_at/by, KV2841 for a write naming one", () => {
  const taken = check("ENTITY Ticket SOFT DELETE {\n  title: text\n  deleted_at: datetime?\n}\n");
  assert.deepEqual(taken.map((d) => d.code), ["KV2840"]);
  assert.deepEqual([taken[0].span.start.line, taken[0].span.start.column], [3, 3]);
  assert.deepEqual(codes("ENTITY Ticket {\n  deleted_at: datetime?\n}\n"), [], "without SOFT DELETE the name is free");
  const insert = check(`${TICKET}POST /t {\n  RESPOND INSERT INTO Ticket { title: "a", deleted_by: "x" }\n}\n`);
  assert.deepEqual(insert.map((d) => d.code), ["KV2841"]);
  assert.match(insert[0].message, /'deleted_by' of Ticket is set by DELETE and cleared by RESTORE/);
  assert.match(insert[0].suggestion ?? "", /RESTORE Ticket WHERE/);
  assert.deepEqual(codes(`${TICKET}PUT /t/:id(int) {\n  RESPOND UPDATE Ticket SET deleted_at = null WHERE id = $id\n}\n`), ["KV2841"]);
  assert.deepEqual(codes(`${TICKET}PUT /t/:id(int) {\n  RESPOND SAVE { id: $id, title: "a", deleted_at: null } INTO Ticket\n}\n`), ["KV2841"]);
  assert.deepEqual(codes(`${TICKET}GET /t {\n  RESPOND SELECT * FROM Ticket WHERE deleted_by = "ada" ORDER_BY deleted_at DESC WITH DELETED\n}\n`), [], "reading them is fine");
});

test("checker: KV2842 for RESTORE, WITH DELETED or ONLY DELETED on an entity that is not SOFT DELETE", () => {
  const plain = "ENTITY Note {\n  body: text\n}\n";
  const restore = check(`${plain}POST /n/:id(int) {\n  RESPOND RESTORE Note WHERE id = $id\n}\n`);
  assert.deepEqual(restore.map((d) => d.code), ["KV2842"]);
  assert.match(restore[0].message, /RESTORE reads deleted records, and Note keeps none/);
  assert.match(restore[0].suggestion ?? "", /ENTITY Note SOFT DELETE/);
  assert.deepEqual(codes(`${plain}GET /n {\n  RESPOND SELECT * FROM Note WITH DELETED\n}\n`), ["KV2842"]);
  assert.deepEqual(codes(`${plain}GET /n {\n  RESPOND SELECT * FROM Note ONLY DELETED\n}\n`), ["KV2842"]);
  assert.deepEqual(codes(`${plain}GET /n {\n  RESPOND SELECT * FROM Note WITH TOTAL LIMIT 2\n}\n`), [], "WITH TOTAL is unchanged");
  const unknown = check(`${TICKET}POST /t/:id(int) {\n  RESPOND RESTORE Ticket WHERE ticket_id = $id\n}\n`);
  assert.deepEqual(unknown.map((d) => d.message.includes("no field 'ticket_id'")), [true], "RESTORE's WHERE is checked like any");
});

test("checker: KV2843 for ON DELETE of a SOFT DELETE entity (its delete is an update)", () => {
  const log = `${TICKET}ENTITY Log {\n  line: text\n}\n`;
  const refused = check(`${log}ON DELETE Ticket {\n  INSERT INTO Log { line: "gone" }\n}\n`);
  assert.deepEqual(refused.map((d) => d.code), ["KV2843"]);
  assert.match(refused[0].suggestion ?? "", /ON UPDATE Ticket/);
  assert.deepEqual(codes(`${log}ON UPDATE Ticket {\n  INSERT INTO Log { line: "changed" }\n}\n`), []);
});

test("plans: a DELETE of a SOFT DELETE entity is an update of live rows stamped with the caller; RESTORE clears deleted rows", () => {
  const app = model(`${AUTH}${TICKET}ENTITY Note {\n  body: text\n}
DELETE /t/:id(int) AUTH {\n  RESPOND DELETE FROM Ticket WHERE id = $id\n}
POST /t/:id(int)/restore {\n  RESPOND RESTORE Ticket WHERE id = $id\n}
DELETE /n/:id(int) {\n  RESPOND DELETE FROM Note WHERE id = $id\n}
`);
  const [del, restore, note] = app.queries.map((q) => q.plan as any);
  assert.equal(del.kind, "update");
  assert.equal(del.single, true);
  assert.deepEqual(del.values.fields, []);
  assert.equal(del.values.softDelete.action, "delete");
  assert.equal(del.values.softDelete.by.kind, "arg", "the caller's sub, read where the handler runs");
  assert.deepEqual(del.where.items[1], { kind: "isNull", operand: { kind: "field", field: "deleted_at" }, negated: false });
  assert.deepEqual([restore.kind, restore.values.softDelete], ["update", { action: "restore" }]);
  assert.deepEqual(restore.where.items[1], { kind: "isNull", operand: { kind: "field", field: "deleted_at" }, negated: true });
  assert.equal(note.kind, "delete", "an entity without SOFT DELETE still deletes");
});

test("plans: reads keep to live rows unless WITH DELETED / ONLY DELETED; writes ignore a body's deleted_at/by; HISTORY is left alone", () => {
  const app = model(`ENTITY Team SOFT DELETE {\n  name: text\n  tickets: Ticket[] BY team\n}
ENTITY Ticket SOFT DELETE {\n  title: text\n  team: Team?\n}
VALIDATE TicketIn { title: string }
GET /a { RESPOND SELECT * FROM Ticket }
GET /b { RESPOND SELECT * FROM Ticket WITH DELETED }
GET /c { RESPOND SELECT * FROM Ticket ONLY DELETED }
GET /d { RESPOND SELECT name, tickets { title }, COUNT(tickets) FROM Team WITH DELETED }
GET /e/:n { RESPOND SELECT title FROM Ticket WHERE team.name = $n }
GET /f/:id(int) { RESPOND HISTORY Ticket WHERE id = $id }
POST /g VALIDATE TicketIn { RESPOND INSERT INTO Ticket $body }
`);
  const [a, b, c, d, e, f, g] = app.queries.map((q) => q.plan as any);
  const live = { kind: "isNull", operand: { kind: "field", field: "deleted_at" }, negated: false };
  assert.deepEqual(a.where, live);
  assert.equal(b.where, null);
  assert.deepEqual(c.where, { ...live, negated: true });
  assert.equal(d.where, null, "WITH DELETED is about the queried entity…");
  assert.deepEqual(d.nested.map((n: any) => n.where), [live, live], "…its related rows stay live");
  assert.deepEqual(e.where.items[0].filter.items[1], live, "a condition through a relation holds for a live row");
  assert.equal(f.where.kind, "compare", "HISTORY lists every version");
  assert.deepEqual(g.values.softDelete, { action: "write" });
});

test("OpenAPI: deleted_at and deleted_by are in the entity's schema, readOnly and described", () => {
  const app = model(`${TICKET}GET /t/:id(int) {\n  RESPOND SELECT * FROM Ticket WHERE id = $id\n}\n`);
  const doc = openApiDocument(app) as any;
  const ticket = doc.components.schemas.Ticket;
  const marks = (s: any): boolean => s.readOnly === true || (s.anyOf ?? s.oneOf ?? []).some(marks);
  for (const name of ["deleted_at", "deleted_by"]) assert.ok(marks(ticket.properties[name]), `${name}: ${JSON.stringify(ticket.properties[name])}`);
  assert.match(JSON.stringify(ticket.properties.deleted_at), /null while it is live/);
});

test("TypeScript client: deleted_at and deleted_by (and AUDIT's fields) are readonly properties", () => {
  const app = model(`ENTITY Ticket AUDIT SOFT DELETE {\n  title: text\n}\nGET /t/:id(int) {\n  RESPOND SELECT * FROM Ticket WHERE id = $id\n}\n`);
  const client = typescriptClient(app);
  assert.match(client, /readonly deleted_at: string \| null;/);
  assert.match(client, /readonly deleted_by: string \| null;/);
  assert.match(client, /readonly created_by: string \| null;/);
  assert.match(client, /\n\s+title: string;/, "a field of the entity's own stays writable");
});
