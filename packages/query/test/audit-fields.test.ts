// The record codec's side of AUDIT (values/audit-fields.ts, write-record.ts): what every driver
// stores for an audited write, with the encoding every driver shares for checking values.
import assert from "node:assert/strict";
import { test } from "node:test";
import { auditFields, checkFieldValue, EntityWriteCodec, isStamp, QueryError, type EntitySchema, type WriteValues } from "../src/index.js";

const entity: EntitySchema = { name: "Ticket", table: "ticket", fields: [{ name: "title", type: "string", optional: false, unique: false, index: false }, ...auditFields()] };
const codec = new EntityWriteCodec<unknown>(entity, {
  encode: (field, value) => (value === null ? null : checkFieldValue(field, value)),
  defaultValue: (field, now) => (field.default !== undefined && "now" in field.default ? new Date(now).toISOString() : undefined),
});
const named = (values: unknown[]) => Object.fromEntries(entity.fields.map((f, i) => [f.name, values[i]]));
// An object body (argument 0) written by the caller in argument 1.
const audited = (): WriteValues => ({ kind: "object", operand: { kind: "arg", index: 0 }, audit: { by: { kind: "arg", index: 1 } } });

test("an audited insert: both instants are the write's, both authors the caller; a body's values are ignored unchecked", () => {
  const now = Date.parse("2026-01-02T03:04:05.678Z");
  const record = codec.fromPlan(audited(), [{ title: "a", created_by: "mallory", created_at: "not a date", updated_by: 7 }, "ada"]);
  assert.deepEqual(named(codec.completeForInsert(record, now)), {
    title: "a",
    created_at: "2026-01-02T03:04:05.678Z",
    updated_at: "2026-01-02T03:04:05.678Z",
    created_by: "ada",
    updated_by: "ada",
  });
  const anonymous = codec.fromPlan(audited(), [{ title: "b" }, undefined]);
  const stored = named(codec.completeForInsert(anonymous, now));
  assert.deepEqual([stored.created_by, stored.updated_by], [null, null]);
});

test("an audited update sets updated_at/by only; a SAVE replacing a record keeps created_at/by (stamps)", () => {
  const update = codec.changes(codec.fromPlan({ kind: "fields", fields: [{ field: "title", value: { kind: "literal", value: "c" } }], audit: { by: { kind: "literal", value: 42 } } }, []));
  assert.deepEqual(Object.keys(update).sort(), ["title", "updated_at", "updated_by"]);
  assert.equal(update.updated_by, "42", "a numeric sub is recorded as text");
  assert.deepEqual(codec.changes(codec.fromPlan(audited(), [{}, "ada"])), {}, "an update that sets nothing stamps nothing");
  const bare = named(codec.completeForInsert(codec.fromPlan(audited(), [{ title: "x" }, "ada"]), Date.now()));
  assert.deepEqual([bare.created_by, bare.updated_by], ["ada", "ada"]);
  // A replace always writes (it resets what it leaves out), so even one that names no field is stamped.
  const bareEntity: EntitySchema = { name: "Mark", table: "mark", fields: auditFields() };
  const bareCodec = new EntityWriteCodec<unknown>(bareEntity, { encode: (f, v) => (v === null ? null : checkFieldValue(f, v)), defaultValue: () => undefined });
  const emptySave = bareCodec.completeForReplace(bareCodec.fromPlan(audited(), [{ id: 1 }, "ada"]), Date.now());
  assert.deepEqual([typeof emptySave[1], emptySave[3]], ["string", "ada"]);
  const replaced = named(codec.completeForReplace(codec.fromPlan(audited(), [{ id: 1, title: "d", created_by: "mallory" }, "grace"]), Date.now()));
  assert.deepEqual([replaced.created_at, replaced.created_by, replaced.updated_by], [undefined, undefined, "grace"]);
  // Stamps are written by a replace only when set: updated_at always is, by an audited write.
  assert.deepEqual(entity.fields.filter(isStamp).map((f) => f.name), ["created_at", "updated_at", "created_by"]);
  assert.equal(typeof replaced.updated_at, "string");
});

test("without audit on the plan (an import), the values given are checked and kept", () => {
  const kept = named(codec.completeForInsert(codec.fromObject({ title: "e", created_by: "ada", created_at: "2020-01-01T00:00:00Z" }), Date.now()));
  assert.deepEqual([kept.created_by, kept.created_at], ["ada", "2020-01-01T00:00:00.000Z"]);
  assert.throws(() => codec.fromObject({ title: "f", created_at: "not a date" }), (e) => e instanceof QueryError && e.field === "created_at");
});
