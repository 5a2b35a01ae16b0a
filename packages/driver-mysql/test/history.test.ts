import { test } from "node:test";
import assert from "node:assert/strict";
import type { QueryPlan } from "@kova/query";
import { arg, asc, cmp, desc, eq, f, history, lit, openStore, select, sleep, type Store } from "./helpers.js";

const byId = eq(f("id"), arg(0));
const updateById: QueryPlan = { kind: "update", entity: "User", values: { kind: "object", operand: arg(1) }, where: byId, single: true };
const remove: QueryPlan = { kind: "delete", entity: "User", where: byId, single: true };

/** Ada: inserted (age 30), updated (age 31), updated (age 32), deleted; a few ms apart. Cy stays. */
async function timeline(s: Store) {
  const ada = await s.insert("User", { name: "Ada", email: "ada@x.io", age: 30 });
  await sleep(5);
  await s.insert("User", { name: "Cy", email: "cy@x.io", age: 50 });
  await sleep(5);
  await s.run(updateById, ada.id, { age: 31 });
  await sleep(5);
  await s.run(updateById, ada.id, { age: 32 });
  await sleep(5);
  await s.run(remove, ada.id);
  return ada.id as number;
}

test("history lists every version of a row, deleted rows included, oldest first", async (t) => {
  const s = await openStore(t);
  if (s === undefined) return;
  try {
    const id = await timeline(s);
    const entries = await s.run(history("User", { where: byId }), id);
    assert.deepEqual(entries.map((e: any) => e.operation), ["insert", "update", "update", "delete"]);
    assert.deepEqual(entries.map((e: any) => e.data.age), [30, 31, 32, 32], "a delete records the row as it was");
    assert.deepEqual(Object.keys(entries[0]), ["version", "operation", "at", "data"]);
    assert.match(entries[0].at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Math.abs(Date.parse(entries[0].at) - Date.now()) < 10_000, "at is the write's instant, in UTC");
    const versions = entries.map((e: any) => e.version);
    assert.deepEqual(versions, [...versions].sort((a, b) => a - b));
    assert.equal(new Set(versions).size, 4);
    const ats = entries.map((e: any) => Date.parse(e.at));
    for (let i = 1; i < ats.length; i++) assert.ok(ats[i] > ats[i - 1], "at increases between writes a few ms apart (ms precision kept)");
    assert.deepEqual(entries[0].data, { id, name: "Ada", email: "ada@x.io", age: 30, score: null, active: true, meta: null, born: null, joined: entries[0].data.joined, role: null });

    const newestFirst = await s.run(history("User", { where: byId, orderBy: [desc("version")], limit: lit(2) }), id);
    assert.deepEqual(newestFirst.map((e: any) => e.operation), ["delete", "update"]);
    const byData = await s.run(history("User", { where: cmp(">=", f("age"), lit(32)), orderBy: [asc("age"), asc("version")] }));
    assert.deepEqual(byData.map((e: any) => [e.data.name, e.data.age, e.operation]), [["Ada", 32, "update"], ["Ada", 32, "delete"], ["Cy", 50, "insert"]]);
    const since = await s.run(history("User", { where: cmp(">", f("at"), arg(0)) }), entries[2].at);
    assert.deepEqual(since.map((e: any) => e.operation), ["delete"], "history WHERE may name the entry's own `at`");
    const sinceMs = await s.run(history("User", { where: cmp(">", f("at"), arg(0)) }), Date.parse(entries[2].at));
    assert.deepEqual(sinceMs.map((e: any) => e.operation), ["delete"], "… given as epoch ms too");
    const paged = await s.run(history("User", { orderBy: [asc("version")], limit: lit(2), offset: lit(1) }));
    assert.deepEqual(paged.map((e: any) => [e.data.name, e.operation]), [["Cy", "insert"], ["Ada", "update"]]);
  } finally {
    await s.cleanup();
  }
});

test("AS OF: nothing before creation, the old value between updates, a deleted row before its deletion", async (t) => {
  const s = await openStore(t);
  if (s === undefined) return;
  try {
    const id = await timeline(s);
    const entries = await s.run(history("User", { where: byId }), id);
    const at = entries.map((e: any) => Date.parse(e.at));
    const asOf = (when: unknown) => s.run(select("User", { where: byId, asOf: arg(1), single: true }), id, when);

    assert.equal(await asOf(at[0] - 1), null, "before creation: nothing");
    assert.equal((await asOf(at[0])).age, 30, "at the insert instant: the inserted row");
    assert.equal((await asOf(at[1] - 1)).age, 30, "between insert and first update: the old value");
    assert.equal((await asOf(new Date(at[2] - 1).toISOString())).age, 31, "ISO string instant");
    assert.equal((await asOf(String(at[3] - 1))).age, 32, "a deleted row is returned for an instant before the delete");
    assert.equal(await asOf(at[3]), null, "not at or after the delete");
    assert.equal(await s.run(select("User", { where: byId, single: true }), id), null, "the present has no row");
    assert.equal(await asOf("0001-01-01T00:00:00Z"), null, "an instant before DATETIME's range is before everything");

    const all = (when: number) => s.run(select("User", { asOf: arg(0), orderBy: [asc("name")] }), when);
    assert.deepEqual((await all(at[0])).map((r: any) => r.name), ["Ada"], "Cy was created after t");
    assert.deepEqual((await all(at[3] - 1)).map((r: any) => [r.name, r.age]), [["Ada", 32], ["Cy", 50]]);
    assert.deepEqual((await all(Date.now() + 1000)).map((r: any) => r.name), ["Cy"]);
    const filtered = await s.run(select("User", { asOf: arg(0), where: cmp(">", f("age"), arg(1)), fields: ["name"] }), at[2], 30);
    assert.deepEqual(filtered, [{ id, name: "Ada" }, { id: id + 1, name: "Cy" }], "WHERE and projection apply to the as-of rows");
    const paged = await s.run(select("User", { asOf: arg(0), orderBy: [desc("age")], limit: lit(1), offset: lit(1) }), at[3] - 1);
    assert.deepEqual(paged.map((r: any) => r.name), ["Ada"]);
    const asOfRow = await asOf(at[2]);
    assert.equal(asOfRow.active, true, "as-of rows are decoded like live ones");
    assert.deepEqual(Object.keys(asOfRow), ["id", "name", "email", "age", "score", "active", "meta", "born", "joined", "role"]);
  } finally {
    await s.cleanup();
  }
});

test("AS OF rejects an argument that is no instant with a 400", async (t) => {
  const s = await openStore(t);
  if (s === undefined) return;
  try {
    for (const bad of ["yesterday", "", {}, true, null, "2024-13-45T99:00:00Z"]) {
      await assert.rejects(s.run(select("User", { asOf: arg(0) }), bad), (e: any) => e.name === "QueryError" && e.status === 400 && /AS OF/.test(e.message), `rejects ${JSON.stringify(bad)}`);
    }
  } finally {
    await s.cleanup();
  }
});

test("50 parallel inserts and 20 parallel updates of one row: no lost write, every write versioned", async (t) => {
  const s = await openStore(t);
  if (s === undefined) return;
  try {
    const rows = await Promise.all(Array.from({ length: 50 }, (_, i) => s.insert("Note", { text: `n${i}`, big: i })));
    assert.equal(new Set(rows.map((r) => r.id)).size, 50, "50 distinct ids");
    assert.equal((await s.run(select("Note"))).length, 50);
    const versions = await s.run(history("Note"));
    assert.equal(versions.length, 50);
    assert.equal(new Set(versions.map((v: any) => v.version)).size, 50, "50 distinct versions");
    assert.deepEqual(new Set(versions.map((v: any) => v.data.id)), new Set(rows.map((r) => r.id)));

    const target = rows[0].id;
    const bump: QueryPlan = { kind: "update", entity: "Note", values: { kind: "fields", fields: [{ field: "text", value: arg(1) }] }, where: eq(f("id"), arg(0)), single: true };
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.run(bump, target, `u${i}`)));
    const own = await s.run(history("Note", { where: eq(f("id"), arg(0)) }), target);
    assert.equal(own.length, 21, "the insert and 20 updates");
    const latest = await s.run(select("Note", { where: eq(f("id"), arg(0)), single: true }), target);
    assert.equal(latest.text, own[own.length - 1].data.text, "the newest version is the live row");
    const all = await s.run({ kind: "update", entity: "Note", values: { kind: "fields", fields: [{ field: "big", value: lit(1000) }] }, where: null, single: false });
    assert.equal(all.length, 50);
    assert.equal((await s.run(history("Note", { where: eq(f("big"), lit(1000)) }))).length, 50, "a multi-row update records one version per row");
  } finally {
    await s.cleanup();
  }
});

test("a clock that steps back does not move `at` back: versions keep the last instant", async (t) => {
  const s = await openStore(t);
  if (s === undefined) return;
  const realNow = Date.now;
  try {
    const first = await s.insert("Note", { text: "a" });
    Date.now = () => realNow() - 3_600_000;
    await s.run({ kind: "update", entity: "Note", values: { kind: "object", operand: arg(1) }, where: byId, single: true }, first.id, { text: "b" });
    Date.now = realNow;
    const [v1, v2] = await s.run(history("Note", { where: byId }), first.id);
    assert.ok(Date.parse(v2.at) >= Date.parse(v1.at), `${v2.at} is not before ${v1.at}`);
    assert.ok(v2.version > v1.version);
    assert.equal((await s.run(select("Note", { where: byId, asOf: arg(1), single: true }), first.id, v2.at)).text, "b");
  } finally {
    Date.now = realNow;
    await s.cleanup();
  }
});
