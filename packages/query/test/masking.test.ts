// MASKED fields (masks/masking.ts): the rule per kind, the masking of a request's answer text by the
// values it read (only inside JSON strings, never a key or a literal; longer values first; roles
// unmasking), the request's view of a data source noting what its reads return, and a MASKED or
// ENCRYPTED field's 400 that never quotes the value. Data-source behaviour is in the conformance
// cases (cases-sensitive.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkFieldValue, keyOwner, maskValue, MaskedValues, QueryError, type EntitySchema, type FieldSchema } from "../src/index.js";

test("each kind of field keeps what its rule says", () => {
  assert.equal(maskValue("text", "123-45-6789"), "*******6789");
  assert.equal(maskValue("text", "1234567"), "*******", "under 8 characters: masked whole");
  assert.equal(maskValue("text", "🦊🦊🦊🦊abcd"), "****abcd", "characters, not UTF-16 units");
  assert.equal(maskValue("email", "ada@example.com"), "a***@example.com");
  assert.equal(maskValue("email", "no-at-sign-here"), "***********here", "not an e-mail: masked as text");
  assert.equal(maskValue("phone", "+442079460958"), "+********0958");
  assert.equal(maskValue("phone", "+1 (415) 555-0100"), "+* (***) ***-0100", "separators kept, digits hidden");
});

test("an answer's JSON text: noted values masked inside strings only, wherever they are", () => {
  const masked = new MaskedValues();
  masked.note({ kind: "text", unless: [] }, "123-45-6789");
  masked.note({ kind: "text", unless: [] }, "null");
  masked.note({ kind: "email", unless: ["admin"] }, "ada@example.com");
  const json = JSON.stringify({ ssn: "123-45-6789", copy: "ssn 123-45-6789!", email: "ada@example.com", null: null, word: "null", other: "nullable" });
  const none = () => false;
  assert.deepEqual(JSON.parse(masked.maskText(json, none)), { ssn: "*******6789", copy: "ssn *******6789!", email: "a***@example.com", null: null, word: "****", other: "****able" });
  const admin = (roles: readonly string[]) => roles.includes("admin");
  assert.equal(JSON.parse(masked.maskText(json, admin)).email, "ada@example.com", "a role the field names unmasks it");
  assert.equal(masked.maskText("Dear ada@example.com", none, "text"), "Dear a***@example.com", "a text answer");
  const short = new MaskedValues();
  short.note({ kind: "text", unless: [] }, "Al");
  assert.deepEqual(JSON.parse(short.maskText(JSON.stringify({ a: "Al", b: "Also" }), none)), { a: "**", b: "Also" }, "a short value only as a whole string");
});

test("a MASKED field's 400 names the field and the form, never the value", () => {
  const phone: FieldSchema = { name: "phone", type: "string", optional: false, unique: false, index: false, rich: { name: "phone" }, masked: { kind: "phone", unless: [] } };
  assert.throws(() => checkFieldValue(phone, "call 0800 SECRET"), (e: unknown) => e instanceof QueryError && e.status === 400 && e.field === "phone" && /must be a phone number/.test(e.message) && !e.message.includes("SECRET"));
  const plain: FieldSchema = { ...phone, masked: undefined };
  assert.throws(() => checkFieldValue(plain, "call 0800 SECRET"), /got "call 0800 SECRET"/, "other fields still quote it");
  assert.equal(checkFieldValue(phone, "+44 20 7946 0958"), "+442079460958");
});

test("a data key belongs to the record's subject: the referenced SUBJECT for PERSONAL DATA OF, else the record", () => {
  const order: EntitySchema = { name: "Order", table: "order", fields: [], personalDataOf: { field: "customer", entity: "Person" } };
  assert.deepEqual(keyOwner(order, { id: 7, customer: 42 }), { entity: "Person", id: 42 });
  assert.deepEqual(keyOwner(order, { id: 7, customer: null }), { entity: "Order", id: 7 }, "no subject named: its own");
  assert.deepEqual(keyOwner({ name: "Note", table: "note", fields: [] }, { id: 3 }), { entity: "Note", id: 3 });
});
