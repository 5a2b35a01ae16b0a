import { test } from "node:test";
import assert from "node:assert/strict";
import type { QueryPlan } from "@kova/query";
import { arg, asc, cmp, desc, eq, f, history, lit, openStore, select, serverUp } from "./helpers.js";
import { asOfRejectsNonInstants, asOfTimelineChecks, historyTimeline } from "@kova/query/testing";

const byId = eq(f("id"), arg(0));

test("history lists every version of a row, deleted rows included, oldest first", async (t) => {
  if (!(await serverUp(t))) return;
  const s = await openStore();
  try {
    const id = await historyTimeline(s);
    const entries = await s.run(history("User", { where: byId }), id);
    assert.deepEqual(entries.map((e: any) => e.operation), ["insert", "update", "update", "delete"]);
    assert.deepEqual(entries.map((e: any) => e.data.age), [30, 31, 32, 32], "a delete records the row as it was");
    assert.deepEqual(Object.keys(entries[0]), ["version", "operation", "at", "data"]);
    assert.match(entries[0].at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const versions = entries.map((e: any) => e.version);
    assert.deepEqual(versions, [...versions].sort((a, b) => a - b));
    assert.equal(new Set(versions).size, 4);
    const ats = entries.map((e: any) => Date.parse(e.at));
    for (let i = 1; i < ats.length; i++) assert.ok(ats[i] > ats[i - 1], "at increases (writes were 5 ms apart)");
    assert.ok(Math.abs(ats[0] - Date.now()) < 10_000, "at is the server clock, near now");
    assert.deepEqual(entries[0].data, { id, name: "Ada", email: "ada@x.io", age: 30, score: null, active: true, meta: null, born: null, joined: entries[0].data.joined, role: null });
    assert.deepEqual(Object.keys(entries[0].data), ["id", "name", "email", "age", "score", "active", "meta", "born", "joined", "role"]);

    const newestFirst = await s.run(history("User", { where: byId, orderBy: [desc("version")], limit: lit(2) }), id);
    assert.deepEqual(newestFirst.map((e: any) => e.operation), ["delete", "update"]);
    const byData = await s.run(history("User", { where: cmp(">=", f("age"), lit(32)), orderBy: [asc("age"), asc("version")] }));
    assert.deepEqual(byData.map((e: any) => [e.data.name, e.data.age, e.operation]), [["Ada", 32, "update"], ["Ada", 32, "delete"], ["Cy", 50, "insert"]]);
    const byName = await s.run(history("User", { where: { kind: "like", left: f("name"), right: lit("C%") } }));
    assert.deepEqual(byName.map((e: any) => e.data.name), ["Cy"]);
    const since = await s.run(history("User", { where: cmp(">", f("at"), arg(0)) }), entries[2].at);
    assert.deepEqual(since.map((e: any) => e.operation), ["delete"], "history WHERE may name the entry's own `at`");
    const paged = await s.run(history("User", { offset: lit(4) }));
    assert.deepEqual(paged.map((e: any) => e.operation), ["delete"]);
  } finally {
    await s.cleanup();
  }
});

test("AS OF: nothing before creation, the old value between updates, a deleted row before its deletion", async (t) => {
  if (!(await serverUp(t))) return;
  const s = await openStore();
  try {
    const id = await historyTimeline(s);
    const { at } = await asOfTimelineChecks(s, id);
    const old = await s.run(select("User", { asOf: arg(0), where: eq(f("age"), lit(30)) }), at[3] - 1);
    assert.deepEqual(old, [], "WHERE applies to the row as of t, not to any of its versions");
  } finally {
    await s.cleanup();
  }
});

test("AS OF rejects an argument that is no instant with a 400", async (t) => {
  if (!(await serverUp(t))) return;
  const s = await openStore();
  try {
    await asOfRejectsNonInstants(s);
  } finally {
    await s.cleanup();
  }
});

test("50 parallel inserts: every row stored, every write versioned once, versions distinct", async (t) => {
  if (!(await serverUp(t))) return;
  const s = await openStore();
  try {
    const rows = await Promise.all(Array.from({ length: 50 }, (_, i) => s.insert("Note", { text: `n${i}`, big: i })));
    const ids = rows.map((r: any) => r.id).sort((a: number, b: number) => a - b);
    assert.deepEqual(ids, Array.from({ length: 50 }, (_, i) => i + 1), "ids 1..50, none lost or repeated");
    const versions = await s.run(history("Note"));
    assert.equal(versions.length, 50);
    assert.equal(new Set(versions.map((v: any) => v.version)).size, 50);
    assert.deepEqual(versions.map((v: any) => v.data.text).sort(), rows.map((r: any) => r.text).sort());
    // Parallel updates of one row: each is recorded, the last version is the stored row.
    const update: QueryPlan = { kind: "update", entity: "Note", values: { kind: "object", operand: arg(1) }, where: byId, single: true };
    await Promise.all(Array.from({ length: 50 }, (_, i) => s.run(update, 1, { big: 1000 + i })));
    const one = await s.run(history("Note", { where: byId }), 1);
    assert.equal(one.length, 51);
    const stored = await s.run(select("Note", { where: byId, single: true }), 1);
    assert.equal(one[one.length - 1].data.big, stored.big, "the newest version is the row as stored");
    const ats = one.map((e: any) => Date.parse(e.at));
    for (let i = 1; i < ats.length; i++) assert.ok(ats[i] >= ats[i - 1], "one row's versions never go back in time");
  } finally {
    await s.cleanup();
  }
});
