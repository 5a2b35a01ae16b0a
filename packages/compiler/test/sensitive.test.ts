// MASKED fields and data subjects (issue 21 item 7) in the compiler: the modifiers are parsed and
// printed as written, the schemas are marked (`masked` with its kind and roles, `subject`,
// `personalDataOf`), OpenAPI describes a masked field, and what cannot work is refused with its
// code (KV2918–KV2922).
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, formatSource, lower, parse, type Diagnostic } from "../src/index.js";
import { entitySchema } from "../src/emit/api/schemas.js";

function check(text: string): Diagnostic[] {
  return checkText(text, "/app/app.kova", { readFile: () => undefined }).diagnostics;
}

const codes = (ds: Diagnostic[]) => ds.map((d) => d.code);
const errors = (ds: Diagnostic[]) => ds.filter((d) => d.severity === "error");

const AUTH = `VALIDATE Claims { sub: string  role: string }

AUTH jwt USING secret(env("JWT_KEY")) {
  claims: Claims
  roles: ["doctor", "clerk"]
}
`;

const APP = `ENTITY Patient SUBJECT {
  name: text ENCRYPTED
  ssn: text MASKED UNLESS doctor, clerk
  email: email? MASKED
  phone: phone MASKED
}

ENTITY Visit PERSONAL DATA OF patient {
  patient: Patient
  note: text ENCRYPTED
}
`;

test("parser and formatter: MASKED [UNLESS roles], SUBJECT and PERSONAL DATA OF are printed as written", () => {
  const decls = parse(APP, "/app/app.kova").program.declarations as unknown as Array<{ subject: boolean; personalDataOf: { name: string } | null; fields: Array<{ modifiers: Array<{ modifier: string; roles: Array<{ name: string }> }> }> }>;
  assert.deepEqual([decls[0].subject, decls[0].personalDataOf, decls[1].subject, decls[1].personalDataOf?.name], [true, null, false, "patient"]);
  assert.deepEqual(decls[0].fields[1].modifiers.map((m) => [m.modifier, m.roles.map((r) => r.name)]), [["MASKED", ["doctor", "clerk"]]]);
  assert.equal(formatSource(APP, "/app/app.kova").text.trim(), APP.trim());
});

test("checker: the schemas carry the mask of each kind with its roles, the subject and whose personal data a record is", () => {
  const result = checkText(AUTH + APP, "/app/app.kova", { readFile: () => undefined });
  assert.deepEqual(codes(errors(result.diagnostics)), []);
  const app = lower(result.programs[0].model, { name: "app" });
  const patient = app.entities.find((e) => e.name === "Patient")!;
  const visit = app.entities.find((e) => e.name === "Visit")!;
  assert.deepEqual(patient.fields.map((f) => [f.name, f.masked ?? null]), [
    ["name", null],
    ["ssn", { kind: "text", unless: ["doctor", "clerk"] }],
    ["email", { kind: "email", unless: [] }],
    ["phone", { kind: "phone", unless: [] }],
  ]);
  assert.deepEqual([patient.subject, patient.personalDataOf, visit.subject, visit.personalDataOf], [true, undefined, undefined, { field: "patient", entity: "Patient" }]);
  const schema = entitySchema(patient) as { properties: Record<string, { description?: string; "x-kova-masked"?: unknown }> };
  assert.match(schema.properties.ssn.description ?? "", /^MASKED: answers show only its last 4 characters .*unless the caller has the role doctor or clerk/);
  assert.deepEqual(schema.properties.email["x-kova-masked"], { kind: "email", unless: [] });
});

test("KV2918: only a text field can be MASKED", () => {
  for (const type of ["int", "boolean", "date", "text[]", "Patient"]) {
    const ds = check(`ENTITY Patient { name: text }\nENTITY Visit { x: ${type} MASKED }`);
    assert.deepEqual(codes(ds), ["KV2918"], type);
    assert.match(ds[0].message, /only a text field can be MASKED/);
  }
  const listed = check('ENTITY Visit { kind: enum("a", "b") MASKED }');
  assert.deepEqual(codes(listed), ["KV2918"]);
  assert.match(listed[0].message, /is an enum/);
});

test("KV2923: no identifier or slug made from a MASKED field", () => {
  assert.deepEqual(codes(check("ENTITY Patient IDENTIFIER slug(name) { name: text MASKED }")), ["KV2923"]);
  assert.deepEqual(codes(check("ENTITY Patient { name: text MASKED\n  handle: text DEFAULT slug(name) }")), ["KV2923"]);
});

test("KV2919: MASKED UNLESS names a role the AUTH declares", () => {
  const typo = errors(check(`${AUTH}\nENTITY Patient { ssn: text MASKED UNLESS docter }`));
  assert.deepEqual(codes(typo), ["KV2919"]);
  assert.equal(typo[0].replacement, "doctor");
  assert.deepEqual(codes(check("ENTITY Patient { ssn: text MASKED UNLESS admin }")), ["KV2919"], "no AUTH at all");
  assert.match(check("ENTITY Patient { ssn: text MASKED UNLESS admin }")[0].message, /declares no AUTH with roles/);
});

test("KV2920–KV2922: PERSONAL DATA OF a reference to a SUBJECT, not both, and something to forget", () => {
  const notSubject = check("ENTITY Person { name: text ENCRYPTED }\nENTITY Order PERSONAL DATA OF customer { customer: Person  address: text ENCRYPTED }");
  assert.deepEqual(codes(notSubject), ["KV2920"]);
  assert.match(notSubject[0].suggestion ?? "", /ENTITY Person SUBJECT/);
  assert.deepEqual(codes(check("ENTITY Person SUBJECT { name: text ENCRYPTED }\nENTITY Order PERSONAL DATA OF buyer { customer: Person  address: text ENCRYPTED }")), ["KV2920"], "no such field");
  assert.deepEqual(codes(check("ENTITY Person SUBJECT { name: text ENCRYPTED }\nENTITY Order PERSONAL DATA OF item { item: text  address: text ENCRYPTED }")), ["KV2920"], "not a reference");
  assert.deepEqual(codes(check("ENTITY Person SUBJECT { name: text ENCRYPTED }\nENTITY Patient SUBJECT PERSONAL DATA OF person { person: Person  note: text ENCRYPTED }")), ["KV2921"]);
  const nothing = check("ENTITY Person SUBJECT { name: text ENCRYPTED }\nENTITY Order PERSONAL DATA OF customer { customer: Person  address: text }");
  assert.deepEqual(nothing.map((d) => [d.code, d.severity]), [["KV2922", "warning"]]);
  assert.deepEqual(codes(check("ENTITY Person SUBJECT { city: text }\nENTITY Order PERSONAL DATA OF customer { customer: Person  address: text ENCRYPTED }")), [], "a subject whose personal data lives elsewhere");
  assert.deepEqual(codes(check("ENTITY Person SUBJECT { city: text }")), ["KV2922"]);
});
