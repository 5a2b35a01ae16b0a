// ACTIONs on TENANT BY entities in the compiler (docs/entities.md, "Tenants"): an action runs with
// its caller's request, so its queries are scoped to its caller's tenant; the checker accepts them
// where every call of the action has a certain caller (an endpoint with AUTH, or another action
// called from one) and refuses each call where there is none (KV2963), saying why. An action
// IN DATABASE is not given the tenant: its tenant queries are refused (KV2916). What the scope does
// on each database is held by the conformance cases ("TENANT BY: an ACTION …",
// packages/conformance/src/cases-tenants.ts) and examples/shop.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, checkWithDrivers, lower, type Diagnostic } from "../src/index.js";

const AUTH = `VALIDATE Claims { sub: string  org: string }
AUTH jwt USING secret(env("JWT_KEY")) { claims: Claims }
`;

const ENTITIES = `ENTITY Contact TENANT BY org {
  name: text
  score: int DEFAULT 0
}
ENTITY Note {
  org: text
  body: text
}
`;

const ACTIONS = `ACTION rescore(contact: Contact, points: int) {
  RETURN UPDATE Contact SET score = score + points WHERE id = contact.id
}
ACTION enrol(name: text) {
  RETURN INSERT INTO Contact { name: name }
}
ACTION welcome(name: text) {
  made = enrol(name)
  RETURN made
}
ACTION jot(org: text, body: text) {
  INSERT INTO Note { org: org, body: body }
}
ACTION peek(contact: Contact) {
  RETURN contact
}
`;

function errors(text: string): Diagnostic[] {
  return checkText(text, "/app/app.kova", { readFile: () => undefined }).diagnostics.filter((d: Diagnostic) => d.severity === "error");
}

const codes = (text: string) => errors(text).map((d) => d.code);

test("an action querying a tenant entity is accepted when called from an endpoint with AUTH", () => {
  const text = `${AUTH}${ENTITIES}${ACTIONS}POST /c/:id/rescore AUTH { RESPOND rescore($id, 1) }\nPOST /c/:name AUTH { RESPOND 201 enrol($name) }\n`;
  assert.deepEqual(codes(text), []);
});

test("an action calling a tenant action needs a certain caller too (the need passes on)", () => {
  assert.deepEqual(codes(`${AUTH}${ENTITIES}${ACTIONS}POST /w/:name AUTH { RESPOND welcome($name) }\n`), []);
  const refused = errors(`${AUTH}${ENTITIES}${ACTIONS}TASK nightly EVERY 1h { welcome("x") }\n`);
  assert.deepEqual(refused.map((d) => d.code), ["KV2963"]);
  assert.match(refused[0].message, /ACTION welcome queries Contact, which is TENANT BY org: the action runs with its caller's tenant, but the TASK nightly runs in the background, with no caller/);
});

test("KV2963: a call of a tenant action where no caller is certain, saying why", () => {
  const cases: Array<[string, RegExp]> = [
    [`POST /c/:name { RESPOND enrol($name) }`, /but POST \/c\/:name has no AUTH/],
    [`POST /c/:name AUTH optional { RESPOND enrol($name) }`, /but POST \/c\/:name is AUTH optional, so the caller may be anonymous/],
    [`TASK purge EVERY 1h { enrol("x") }`, /but the TASK purge runs in the background, with no caller/],
    [`EVENT joined { name: text }\nACTION sign_up(name: text) {\n  EMIT joined { name }\n}\nON joined { enrol(event.name) }`, /but an ON handler runs after a commit, in the background, with no caller/],
    [`FN helper(name: text) {\n  RETURN enrol(name)\n}`, /but the FN helper may be called where there is no caller/],
  ];
  for (const [code, message] of cases) {
    const found = errors(`${AUTH}${ENTITIES}${ACTIONS}${code}\n`);
    assert.deepEqual(found.map((d) => d.code), ["KV2963"], `${code}: ${found.map((d) => d.message).join("; ")}`);
    assert.match(found[0].message, /^ACTION enrol queries Contact, which is TENANT BY org/);
    assert.match(found[0].message, message);
    assert.ok(found[0].suggestion !== undefined && found[0].suggestion.length > 0);
  }
});

test("an action on entities without TENANT BY stays callable anywhere; a plain FN still may not query a tenant entity", () => {
  assert.deepEqual(codes(`${AUTH}${ENTITIES}${ACTIONS}TASK t EVERY 1h { jot("acme", "hello") }\n`), []);
  assert.deepEqual(codes(`${AUTH}${ENTITIES}FN count_them() {\n  RETURN SELECT COUNT(*) AS n FROM Contact\n}\nGET /n AUTH { RESPOND count_them() }\n`), ["KV2862"]);
});

test("a tenant action's caller needs the claim declared (KV2863) and no CACHE (KV2866)", () => {
  const claims = `VALIDATE Claims { sub: string }\nAUTH jwt USING secret(env("JWT_KEY")) { claims: Claims }\n`;
  assert.deepEqual(codes(`${claims}${ENTITIES}${ACTIONS}POST /c/:name AUTH { RESPOND enrol($name) }\n`), ["KV2863"]);
  const cache = `CACHE contacts {\n  ttl: 60s\n}\n`;
  assert.deepEqual(codes(`${AUTH}${ENTITIES}${ACTIONS}${cache}GET /c/:id AUTH CACHE contacts { RESPOND peek($id) }\n`), ["KV2866"]);
});

test("an action's queries, its input's load included, are scoped to $auth.org like an endpoint's", () => {
  const result = checkText(`${AUTH}${ENTITIES}${ACTIONS}POST /c/:id/rescore AUTH { RESPOND rescore($id, 1) }\n`, "/app/app.kova", { readFile: () => undefined });
  const app = lower(result.programs[0].model, { name: "app" });
  const contactPlans = app.queries.filter((q) => q.entity === "Contact");
  assert.ok(contactPlans.length >= 3, "the load, the update and the insert");
  for (const q of contactPlans) assert.equal((q.plan as { tenant?: { kind: string } }).tenant?.kind, "arg", `${q.id} carries the caller's tenant`);
  // The tenant's argument is the caller's claim, read from the request the action runs with.
  const rescore = app.functions.find((f) => f.name === "rescore")!;
  const text = JSON.stringify([rescore.action!.loads, rescore.body]);
  assert.equal(text.split('{"kind":"input","from":"auth","name":"org"}').length - 1, 2, text);
});

test("an action IN DATABASE is not given the caller's tenant: its tenant queries are refused (KV2916)", async () => {
  const text = `CONNECT db USING postgres(env("DATABASE_URL"))
${AUTH}
ENTITY Contact USING db TENANT BY org {
  name: text
}

ACTION rename(contact_id: int, new_name: text) IN DATABASE {
  RETURN UPDATE Contact SET name = new_name WHERE id = contact_id
}

POST /c/:id(int)/:name AUTH {
  RESPOND rename($id, $name)
}
`;
  const host = { readFile: (p: string) => (p === "/app/app.kova" ? text : undefined), readSource: (p: string) => (p === "/app/app.kova" ? { text } : undefined) };
  const found = (await checkWithDrivers(["/app/app.kova"], host)).diagnostics.filter((d) => d.severity === "error");
  assert.deepEqual(found.map((d) => d.code), ["KV2916"], found.map((d) => d.message).join("; "));
  assert.match(found[0].message, /step 1 of ACTION rename IN DATABASE uses a query of Contact, which is TENANT BY \(scoped to the caller's tenant, which the function is not given\)/);
  assert.equal(found[0].suggestion, "remove IN DATABASE to run the action in JavaScript");
});
