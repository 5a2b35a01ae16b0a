// SOFT DELETE in @kova/query: the plan rewrite every back end runs (soft-delete.ts), and the record
// codec's stamping of deleted_at/deleted_by (write-record.ts), the same for every driver.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkFieldValue, EntityWriteCodec, isStamp, rewriteSoftDelete, softDeleteFields, type EntitySchema, type QueryPlan, type WriteValues } from "../src/index.js";

const text = (name: string) => ({ name, type: "string" as const, optional: false, unique: false, index: false });
const ticket: EntitySchema = { name: "Ticket", table: "ticket", fields: [text("title"), { ...text("team"), type: "int", optional: true, references: "Team" }, ...softDeleteFields()] };
const team: EntitySchema = { name: "Team", table: "team", fields: [text("name"), ...softDeleteFields()], relations: [{ name: "tickets", entity: "Ticket", by: "team" }] };
const note: EntitySchema = { name: "Note", table: "note", fields: [text("body")] };
const schemas = new Map([ticket, team, note].map((e) => [e.name, e]));
const ctx = { entity: (name: string) => schemas.get(name), caller: () => ({ kind: "arg" as const, index: 9 }) };
const live = { kind: "isNull", operand: { kind: "field", field: "deleted_at" }, negated: false } as const;
const byId = { kind: "compare", op: "==", left: { kind: "field", field: "id" }, right: { kind: "arg", index: 0 } } as const;
const select = (entity: string, extra: Partial<QueryPlan> = {}): QueryPlan => ({ kind: "select", entity, fields: null, where: null, orderBy: [], limit: null, offset: null, asOf: null, single: false, ...extra }) as QueryPlan;

test("rewrite: a DELETE becomes an update of live rows, stamped with the caller; other entities' deletes stay deletes", () => {
  assert.deepEqual(rewriteSoftDelete({ kind: "delete", entity: "Ticket", where: byId, single: true }, ctx), {
    kind: "update",
    entity: "Ticket",
    values: { kind: "fields", fields: [], softDelete: { action: "delete", by: { kind: "arg", index: 9 } } },
    where: { kind: "and", items: [byId, live] },
    single: true,
  });
  assert.equal(rewriteSoftDelete({ kind: "delete", entity: "Note", where: byId, single: true }, ctx).kind, "delete");
});

test("rewrite: reads hide deleted rows (WITH DELETED lifts it, ONLY DELETED inverts it), related rows and conditions too", () => {
  assert.deepEqual((rewriteSoftDelete(select("Ticket"), ctx) as any).where, live);
  assert.equal((rewriteSoftDelete(select("Ticket"), ctx, "with") as any).where, null);
  assert.deepEqual((rewriteSoftDelete(select("Ticket"), ctx, "only") as any).where, { ...live, negated: true });
  const nested = rewriteSoftDelete(select("Team", { nested: [{ name: "tickets", relation: { kind: "many", name: "tickets", entity: "Ticket", field: "team" }, shape: "count", fields: [], nested: [], where: null, orderBy: [], limit: null }] }), ctx, "with") as any;
  assert.deepEqual(nested.nested[0].where, live, "a related selection keeps to live rows whatever the queried entity's clause");
  const related = rewriteSoftDelete(select("Note", { where: { kind: "related", relation: { kind: "one", name: "team", entity: "Team", field: "team" }, filter: null } }), ctx) as any;
  assert.deepEqual(related.where, { kind: "related", relation: { kind: "one", name: "team", entity: "Team", field: "team" }, filter: live });
  const history: QueryPlan = { kind: "history", entity: "Ticket", where: byId, orderBy: [], limit: null, offset: null };
  assert.equal(rewriteSoftDelete(history, ctx), history, "HISTORY lists every version");
});

const codec = new EntityWriteCodec<unknown>(ticket, {
  encode: (field, value) => (value === null ? null : checkFieldValue(field, value)),
  defaultValue: () => undefined,
});
const named = (values: unknown[]) => Object.fromEntries(ticket.fields.map((f, i) => [f.name, values[i]]));

test("codec: a soft delete stamps the instant and the caller; RESTORE clears both; a client's values are ignored", () => {
  const before = Date.now();
  const deleted = named(codec.fromPlan({ kind: "fields", fields: [], softDelete: { action: "delete", by: { kind: "arg", index: 0 } } }, ["ada"]).values);
  assert.equal(deleted.deleted_by, "ada");
  assert.ok(Date.parse(deleted.deleted_at as string) >= before - 1000, String(deleted.deleted_at));
  assert.equal(deleted.title, undefined, "nothing else is written");
  const restored = named(codec.fromPlan({ kind: "fields", fields: [], softDelete: { action: "restore" } }, []).values);
  assert.deepEqual([restored.deleted_at, restored.deleted_by], [null, null]);
  const body: WriteValues = { kind: "object", operand: { kind: "arg", index: 0 }, softDelete: { action: "write" } };
  const written = codec.fromPlan(body, [{ title: "a", deleted_at: "not a date", deleted_by: "mallory" }]);
  assert.deepEqual(named(codec.completeForInsert(written, Date.now())), { title: "a", team: null, deleted_at: null, deleted_by: null });
  assert.ok(ticket.fields.filter((f) => f.softDelete !== undefined).every(isStamp), "a SAVE that replaces a record keeps them");
});
