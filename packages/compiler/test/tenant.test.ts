// TENANT BY (issue 21 item 4) in the compiler: the parser and formatter, the tenant_id column the
// checker adds, KV2860–KV2865, and the one plan rewrite applied to every planned query (its own
// rows, relations both ways, history, AS OF, writes). What the scope does on each database is held
// by the conformance cases (packages/conformance/src/cases-tenants.ts) and, for PostgreSQL's
// row-level security, packages/driver-postgres/test/tenant-rls.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, formatSource, lower, parse, type Diagnostic } from "../src/index.js";

function codes(text: string): string[] {
  return checkText(text, "/app/app.kova", { readFile: () => undefined }).diagnostics.filter((d: Diagnostic) => d.severity === "error").map((d) => d.code);
}

function model(text: string) {
  const result = checkText(text, "/app/app.kova", { readFile: () => undefined });
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`), []);
  return lower(result.programs[0].model, { name: "app" });
}

const AUTH = `VALIDATE Claims { sub: string  org: string }
AUTH jwt USING secret(env("JWT_KEY")) { claims: Claims }
`;

const ENTITIES = `ENTITY Account TENANT BY org {
  name: text
  contacts: Contact[] BY account
}
ENTITY Contact TENANT BY org {
  name: text
  account: Account?
}
ENTITY Country {
  name: text
}
`;

test("parser: TENANT BY claim follows the entity name, with AUDIT and NO HISTORY in any order", () => {
  const { program, diagnostics } = parse(`ENTITY A TENANT BY org { n: int }\nENTITY B AUDIT TENANT BY org NO HISTORY { n: int }\nENTITY C { n: int }\n`, "app.kova");
  assert.deepEqual(diagnostics, []);
  const [a, b, c] = program.declarations as any[];
  assert.deepEqual([a.tenant?.name, b.tenant?.name, c.tenant], ["org", "org", null]);
  assert.deepEqual([b.audit, b.noHistory], [true, true]);
  assert.match(parse(`ENTITY A TENANT org { n: int }\n`, "app.kova").diagnostics.map((d) => d.message).join("\n"), /BY/);
});

test("formatter: TENANT BY prints after AUDIT, and formatting is stable", () => {
  const once = formatSource("ENTITY   Post  TENANT   BY  org AUDIT {\n  title : text\n}\n", "app.kova");
  assert.equal(once.text, "ENTITY Post AUDIT TENANT BY org {\n  title: text\n}\n");
  assert.equal(formatSource(once.text, "app.kova").changed, false);
});

test("checker: a TENANT BY entity has a required, indexed tenant_id naming its claim", () => {
  const app = model(`${AUTH}${ENTITIES}GET /c AUTH { RESPOND SELECT name, tenant_id FROM Contact }\n`);
  const contact = app.entities.find((e) => e.name === "Contact")!;
  assert.deepEqual(contact.fields.find((f) => f.name === "tenant_id"), { name: "tenant_id", type: "string", optional: false, unique: false, index: true, tenant: { claim: "org" } });
  assert.equal(app.entities.find((e) => e.name === "Country")!.fields.some((f) => f.name === "tenant_id"), false);
});

test("checker: KV2860 a field named tenant_id; KV2861 a write setting it", () => {
  assert.deepEqual(codes(`${AUTH}ENTITY C TENANT BY org {\n  tenant_id: text\n}\n`), ["KV2860"]);
  assert.deepEqual(codes(`${AUTH}${ENTITIES}POST /c AUTH { RESPOND INSERT INTO Contact { name: "a", tenant_id: "x" } }\n`), ["KV2861"]);
  assert.deepEqual(codes(`${AUTH}${ENTITIES}PATCH /c/:id AUTH { RESPOND UPDATE Contact SET tenant_id = "x" WHERE id = $id }\n`), ["KV2861"]);
});

test("checker: KV2862 a query of a tenant entity without a certain caller (no AUTH, AUTH optional, a TASK)", () => {
  assert.deepEqual(codes(`${AUTH}${ENTITIES}GET /c { RESPOND SELECT * FROM Contact }\n`), ["KV2862"]);
  assert.deepEqual(codes(`${AUTH}${ENTITIES}GET /c AUTH optional { RESPOND SELECT * FROM Contact }\n`), ["KV2862"]);
  assert.deepEqual(codes(`${AUTH}${ENTITIES}TASK purge EVERY 1h { DELETE FROM Contact WHERE name = "x" }\n`), ["KV2862"]);
  assert.deepEqual(codes(`${AUTH}${ENTITIES}GET /countries { RESPOND SELECT * FROM Country }\n`), [], "a shared entity needs no caller");
});

test("checker: KV2863 a claim the claims shape lacks or declares optional; KV2865 two claims", () => {
  const shape = (claims: string) => `VALIDATE Claims { sub: string  ${claims} }\nAUTH jwt USING secret(env("JWT_KEY")) { claims: Claims }\n${ENTITIES}GET /c AUTH { RESPOND SELECT * FROM Contact }\n`;
  assert.deepEqual(codes(shape("")), ["KV2863"]);
  assert.deepEqual(codes(shape("org: string?")), ["KV2863"]);
  assert.deepEqual(codes(shape("org: int")), ["KV2863"]);
  assert.deepEqual(codes(shape("org: string")), []);
  assert.deepEqual(codes(`${AUTH}ENTITY A TENANT BY org { n: int }\nENTITY B TENANT BY team { n: int }\n`), ["KV2865"]);
});

test("plans: every query of a tenant entity is scoped to $auth.org, through relations both ways", () => {
  const app = model(
    `${AUTH}${ENTITIES}` +
      `GET /c/:id AUTH { RESPOND SELECT name, account { name } FROM Contact WHERE id = $id }\n` +
      `GET /a/:id AUTH { RESPOND SELECT name, contacts { name } FROM Account WHERE id = $id }\n` +
      `GET /in/:n AUTH { RESPOND SELECT name FROM Contact WHERE account.name = $n }\n` +
      `GET /h/:id AUTH { RESPOND HISTORY Contact WHERE id = $id }\n` +
      `GET /t/:id/:at AUTH { RESPOND SELECT * FROM Contact AS OF $at WHERE id = $id }\n` +
      `POST /c AUTH { RESPOND INSERT INTO Contact $body }\n` +
      `PUT /c/:id AUTH { RESPOND SAVE { ...$body, id: $id } INTO Contact }\n` +
      `PATCH /c/:id AUTH { RESPOND UPDATE Contact SET $body WHERE id = $id }\n` +
      `DELETE /c/:id AUTH { RESPOND DELETE FROM Contact WHERE id = $id }\n` +
      `GET /countries { RESPOND SELECT * FROM Country }\n`,
  );
  const plans = app.queries.map((q) => q.plan as any);
  const guard = (plan: any) => ({ kind: "compare", op: "==", left: { kind: "field", field: "tenant_id" }, right: plan.tenant });
  const last = (f: any) => (f.kind === "and" ? f.items[f.items.length - 1] : f);
  const [byId, inverse, through, hist, asOf, insert, save, update, remove, shared] = plans;
  for (const plan of [byId, inverse, through, hist, asOf, update, remove]) assert.deepEqual(last(plan.where), guard(plan), JSON.stringify(plan.where));
  assert.equal(byId.tenant.kind, "arg");
  assert.deepEqual(byId.nested[0].where, guard(byId), "the referenced account");
  assert.deepEqual(inverse.nested[0].where, guard(inverse), "the account's contacts");
  assert.deepEqual(through.where.items[0].filter.items[1], guard(through), "the account a WHERE goes through");
  assert.deepEqual(insert.values.tenant, { value: insert.tenant });
  assert.deepEqual([save.values.tenant, save.where], [{ value: save.tenant }, guard(save)]);
  assert.deepEqual(update.values.tenant, { value: null });
  assert.equal(shared.tenant, undefined, "a shared entity's plan is left as it was");
  assert.equal(shared.where, null);
});

test("checker: KV2866 a CACHE on an endpoint reading a tenant entity", () => {
  const cache = `CACHE contacts {\n  ttl: 60s\n}\n`;
  assert.deepEqual(codes(`${AUTH}${ENTITIES}${cache}GET /c/:id AUTH CACHE contacts { RESPOND SELECT * FROM Contact WHERE id = $id }\n`), ["KV2866"]);
  assert.deepEqual(codes(`${AUTH}${ENTITIES}${cache}GET /k/:id CACHE contacts { RESPOND SELECT * FROM Country WHERE id = $id }\n`), []);
});
