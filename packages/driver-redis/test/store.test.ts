import { test } from "node:test";
import assert from "node:assert/strict";
import { arg, byId, deletePlan, desc, history, insertPlan, lit, openStore, savePlan, select, sleep, updatePlan } from "./helpers.js";
import { rejectsWith } from "@kova/query/testing";

test("insert, select by id, select all with ORDER BY id, LIMIT and OFFSET", async (t) => {
  const s = await openStore(t);
  if (!s) return;
  try {
    const alice = await s.run(insertPlan("User"), { name: "Alice", email: "a@x.io", age: 30, meta: { tags: ["x"], n: 1 }, born: "1990-02-03", joined: "2024-01-02T03:04:05+02:00" });
    assert.deepEqual(alice, {
      id: 1, name: "Alice", email: "a@x.io", age: 30, score: null, price: null, active: true,
      meta: { tags: ["x"], n: 1 }, born: "1990-02-03", joined: "2024-01-02T01:04:05.000Z", role: null,
    });
    assert.deepEqual(Object.keys(alice), ["id", "name", "email", "age", "score", "price", "active", "meta", "born", "joined", "role"]);
    for (const n of [2, 3, 4, 5]) await s.run(insertPlan("Note"), { text: `note ${n}` });
    await s.run(insertPlan("User"), { name: "Bob", email: "b@x.io", active: false });
    assert.deepEqual(await s.run(select("User", { where: byId(), single: true }), "1"), alice);
    assert.equal(await s.run(select("User", { where: byId(), single: true }), 99), null);
    assert.equal(await s.run(select("User", { where: byId(), single: true }), "not-an-id"), null);
    assert.deepEqual(await s.run(select("User", { fields: ["name"] })), [{ id: 1, name: "Alice" }, { id: 2, name: "Bob" }]);
    const notes = () => select("Note", { fields: ["text"], orderBy: [desc("id")], limit: arg(0), offset: arg(1) });
    assert.deepEqual((await s.run(notes(), 2, 1)).map((r: any) => r.text), ["note 4", "note 3"]);
    assert.deepEqual(await s.run(notes(), 0, 0), []);
    assert.equal((await s.run(select("Note", { offset: lit(3) }))).length, 1);
    await assert.rejects(s.run(notes(), -1, 0), { name: "QueryError", status: 400, message: /LIMIT must be a non-negative integer/ });
  } finally {
    await s.cleanup();
  }
});

test("update changes only present keys; delete returns the row; save replaces by id (else 404) or inserts", async (t) => {
  const s = await openStore(t);
  if (!s) return;
  try {
    const { id } = await s.run(insertPlan("User"), { name: "Ann", email: "ann@x.io", age: 5, score: 1.5 });
    const updated = await s.run(updatePlan("User"), id, { age: 6, score: null });
    assert.equal(updated.name, "Ann");
    assert.equal(updated.age, 6);
    assert.equal(updated.score, null);
    assert.equal(await s.run(updatePlan("User"), 999, { age: 1 }), null);
    await assert.rejects(s.run(savePlan("User"), { id, name: "Annie" }), rejectsWith(400, "email", /missing required field "email"/));
    const saved = await s.run(savePlan("User"), { id, name: "Annie", email: "ann@x.io" });
    assert.deepEqual([saved.id, saved.name, saved.age, saved.active], [id, "Annie", null, true], "a save replaces: omitted fields are null or their default");
    assert.deepEqual(await s.run(select("User", { where: byId(), single: true }), id), saved);
    assert.deepEqual((await s.run(history("User", { where: byId() }), id)).map((v: any) => v.operation), ["insert", "update", "update"]);
    await assert.rejects(s.run(savePlan("User"), { id: 500, name: "New", email: "new@x.io" }), rejectsWith(404, "id", /no User with id 500/));
    assert.deepEqual(await s.run(history("User", { where: byId() }), 500), [], "nothing written at that id");
    const fresh = await s.run(savePlan("User"), { name: "New", email: "new@x.io" });
    assert.equal(fresh.id, id + 1, "a save without an id inserts with the next id (the refused one used none up)");
    const deleted = await s.run(deletePlan("User"), id);
    assert.equal(deleted.name, "Annie");
    assert.equal(await s.run(select("User", { where: byId(), single: true }), id), null);
    assert.equal(await s.run(deletePlan("User"), id), null);
    assert.deepEqual((await s.run(select("User"))).map((r: any) => r.id), [fresh.id]);
  } finally {
    await s.cleanup();
  }
});

test("values round-trip: unicode, big and negative ints, decimals, time zones, injection strings verbatim", async (t) => {
  const s = await openStore(t);
  if (!s) return;
  try {
    const nasty = [`"; FLUSHALL; --`, `{"$gt": ""}`, `'..redis.call('FLUSHALL')..'`, `a\\b"c\n\r\t\u0000`, "null", "", "ünïcødé 😀 中文"];
    for (const text of nasty) {
      const row = await s.run(insertPlan("Note"), { text, big: -9007199254740991 });
      assert.deepEqual(await s.run(select("Note", { where: byId(), single: true }), row.id), { id: row.id, text, big: -9007199254740991 });
    }
    const max = await s.run(insertPlan("Note"), { text: "max", big: 9007199254740991 });
    assert.equal(max.big, 9007199254740991);
    await assert.rejects(s.run(insertPlan("Note"), { text: "x", big: 9007199254740992 }), { status: 400, field: "big" });
    const u = await s.run(insertPlan("User"), { name: "T", email: "t@x.io", price: "12.345", score: 0.1, joined: 1700000000123 });
    assert.equal(u.price, 12.345);
    assert.equal(u.score, 0.1);
    assert.equal(u.joined, "2023-11-14T22:13:20.123Z");
    const z = await s.run(insertPlan("User"), { name: "Z", email: "z@x.io", joined: "2024-06-30T23:30:00-05:00" });
    assert.equal(z.joined, "2024-07-01T04:30:00.000Z");
    assert.deepEqual((await s.run(select("User", { where: byId(), single: true }), z.id)).joined, "2024-07-01T04:30:00.000Z");
  } finally {
    await s.cleanup();
  }
});

test("UNIQUE → 409 naming the field; the value is free again after update or delete", async (t) => {
  const s = await openStore(t);
  if (!s) return;
  try {
    const a = await s.run(insertPlan("User"), { name: "A", email: "same@x.io" });
    await assert.rejects(s.run(insertPlan("User"), { name: "B", email: "same@x.io" }), { name: "QueryError", status: 409, field: "email", message: /User with this email already exists/ });
    const b = await s.run(insertPlan("User"), { name: "B", email: "b@x.io" });
    await assert.rejects(s.run(updatePlan("User"), b.id, { email: "same@x.io" }), { status: 409, field: "email" });
    assert.equal((await s.run(select("User", { where: byId(), single: true }), b.id)).email, "b@x.io", "a refused update changes nothing");
    await s.run(updatePlan("User"), a.id, { email: "moved@x.io" });
    assert.equal((await s.run(updatePlan("User"), b.id, { email: "same@x.io" })).email, "same@x.io");
    await s.run(deletePlan("User"), b.id);
    assert.equal((await s.run(insertPlan("User"), { name: "C", email: "same@x.io" })).email, "same@x.io");
    assert.equal((await s.run(history("User", { where: byId() }), b.id)).length, 3, "the refused update recorded no version");
  } finally {
    await s.cleanup();
  }
});

test("bad values → 400 naming the field", async (t) => {
  const s = await openStore(t);
  if (!s) return;
  try {
    await assert.rejects(s.run(insertPlan("User"), { name: "A", email: "a@x.io", nope: 1 }), { status: 400, field: "nope", message: /unknown field "nope"/ });
    await assert.rejects(s.run(insertPlan("User"), { name: 1, email: "a@x.io" }), { status: 400, field: "name" });
    await assert.rejects(s.run(insertPlan("User"), { email: "a@x.io" }), { status: 400, field: "name", message: /missing required field "name"/ });
    await assert.rejects(s.run(insertPlan("User"), { name: "A", email: "a@x.io", role: "king" }), { status: 400, field: "role" });
    await assert.rejects(s.run(insertPlan("User"), { name: "A", email: "a@x.io", joined: "yesterday" }), { status: 400, field: "joined" });
    await assert.rejects(s.run(insertPlan("User"), { name: "A", email: null }), { status: 400, field: "email" });
    assert.deepEqual(await s.run(select("User")), [], "nothing was written");
  } finally {
    await s.cleanup();
  }
});

test("HISTORY by id and AS OF: before creation, between updates, after delete", async (t) => {
  const s = await openStore(t);
  if (!s) return;
  try {
    const before = new Date().toISOString();
    await sleep(5);
    const { id } = await s.run(insertPlan("Note"), { text: "v1" });
    await sleep(5);
    const afterInsert = Date.now();
    await sleep(5);
    await s.run(updatePlan("Note"), id, { text: "v2" });
    await sleep(5);
    const afterUpdate = String(Date.now());
    await sleep(5);
    await s.run(deletePlan("Note"), id);
    const entries = await s.run(history("Note", { where: byId() }), id);
    assert.deepEqual(entries.map((e: any) => [e.operation, e.data.text]), [["insert", "v1"], ["update", "v2"], ["delete", "v2"]]);
    assert.ok(entries[0].version < entries[1].version && entries[1].version < entries[2].version);
    assert.match(entries[0].at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(Object.keys(entries[0].data), ["id", "text", "big"]);
    const newestFirst = await s.run(history("Note", { where: byId(), orderBy: [desc("version")], limit: lit(1) }), id);
    assert.equal(newestFirst[0].operation, "delete");
    const asOf = select("Note", { where: byId(), asOf: arg(1), single: true });
    assert.equal(await s.run(asOf, id, before), null, "before creation");
    assert.deepEqual(await s.run(asOf, id, afterInsert), { id, text: "v1", big: null });
    assert.deepEqual(await s.run(asOf, id, afterUpdate), { id, text: "v2", big: null });
    assert.equal(await s.run(asOf, id, new Date().toISOString()), null, "after delete");
    await assert.rejects(s.run(asOf, id, "last tuesday"), { status: 400, message: /AS OF needs an ISO-8601 date-time or epoch milliseconds/ });
  } finally {
    await s.cleanup();
  }
});

test("50 parallel inserts: distinct ids, every one versioned, no lost write", async (t) => {
  const s = await openStore(t);
  if (!s) return;
  try {
    const rows = await Promise.all(Array.from({ length: 50 }, (_, i) => s.run(insertPlan("Note"), { text: `n${i}` })));
    const ids = rows.map((r: any) => r.id).sort((a: number, b: number) => a - b);
    assert.deepEqual(ids, Array.from({ length: 50 }, (_, i) => i + 1));
    assert.equal((await s.run(select("Note"))).length, 50);
    const versions = new Set<number>();
    for (const id of ids) {
      const entries = await s.run(history("Note", { where: byId() }), id);
      assert.equal(entries.length, 1);
      versions.add(entries[0].version);
    }
    assert.equal(versions.size, 50);
    await Promise.all(ids.map((id: number) => s.run(updatePlan("Note"), id, { big: id })));
    assert.ok((await s.run(select("Note"))).every((r: any) => r.big === r.id));
  } finally {
    await s.cleanup();
  }
});
