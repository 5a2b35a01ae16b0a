import { test } from "node:test";
import assert from "node:assert/strict";
import type { QueryPlan } from "@kova/query";
import { arg, asc, cmp, desc, eq, f, history, lit, openStore, select } from "./helpers.js";
import { asOfRejectsNonInstants, asOfTimelineChecks, clockStepBackKeepsAt, historyTimeline } from "@kova/query/testing";

const byId = eq(f("id"), arg(0));

test("history lists every version of a row, deleted rows included, oldest first", async (t) => {
  const s = await openStore(t);
  if (s === undefined) return;
  try {
    const id = await historyTimeline(s);
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
    const id = await historyTimeline(s);
    const { at, asOf } = await asOfTimelineChecks(s, id);
    assert.equal(await asOf("0001-01-01T00:00:00Z"), null, "an instant before DATETIME's range is before everything");
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
    await asOfRejectsNonInstants(s);
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
  try {
    await clockStepBackKeepsAt(s);
  } finally {
    await s.cleanup();
  }
});
