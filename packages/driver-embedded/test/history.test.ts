import { test } from "node:test";
import assert from "node:assert/strict";
import type { QueryPlan } from "@kova/query";
import { arg, asc, cmp, desc, eq, f, history, lit, openStore, select } from "./helpers.js";
import { asOfRejectsNonInstants, asOfTimelineChecks, clockStepBackKeepsAt, historyTimeline } from "@kova/query/testing";

const byId = eq(f("id"), arg(0));

test("history lists every version of a row, deleted rows included, oldest first", async () => {
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
    for (let i = 1; i < ats.length; i++) assert.ok(ats[i] >= ats[i - 1], "at never goes back");
    assert.deepEqual(entries[0].data, { id, name: "Ada", email: "ada@x.io", age: 30, score: null, active: true, meta: null, born: null, joined: entries[0].data.joined, role: null });

    const newestFirst = await s.run(history("User", { where: byId, orderBy: [desc("version")], limit: lit(2) }), id);
    assert.deepEqual(newestFirst.map((e: any) => e.operation), ["delete", "update"]);
    const byData = await s.run(history("User", { where: cmp(">=", f("age"), lit(32)), orderBy: [asc("age"), asc("version")] }));
    assert.deepEqual(byData.map((e: any) => [e.data.name, e.data.age, e.operation]), [["Ada", 32, "update"], ["Ada", 32, "delete"], ["Cy", 50, "insert"]]);
    const since = await s.run(history("User", { where: cmp(">", f("at"), arg(0)) }), entries[2].at);
    assert.deepEqual(since.map((e: any) => e.operation), ["delete"], "history WHERE may name the entry's own `at`");
  } finally {
    await s.cleanup();
  }
});

test("AS OF: nothing before creation, the old value between updates, a deleted row before its deletion", async () => {
  const s = await openStore();
  try {
    const id = await historyTimeline(s);
    await asOfTimelineChecks(s, id);
  } finally {
    await s.cleanup();
  }
});

test("AS OF rejects an argument that is no instant with a 400", async () => {
  const s = await openStore();
  try {
    await asOfRejectsNonInstants(s);
  } finally {
    await s.cleanup();
  }
});

test("every write of a batch is versioned in the same transaction", async () => {
  const s = await openStore();
  try {
    const ids = s.driver.writeBatch("Note", Array.from({ length: 1000 }, (_, i) => ({ text: `n${i}`, big: i })));
    assert.equal(ids.length, 1000);
    assert.deepEqual(ids.slice(0, 3), [1, 2, 3]);
    assert.equal((await s.run(select("Note"))).length, 1000);
    const versions = await s.run(history("Note", { where: eq(f("id"), arg(0)) }), 500);
    assert.deepEqual(versions.map((v: any) => [v.operation, v.data.text]), [["insert", "n499"]]);
    assert.throws(() => s.driver.writeBatch("Note", [{ text: "ok" }, { text: 5 }]), (e: any) => e.status === 400 && e.field === "text");
    assert.equal((await s.run(select("Note"))).length, 1000, "a failing batch writes nothing");
    assert.equal((await s.run(history("Note"))).length, 1000);
  } finally {
    await s.cleanup();
  }
});

test("a clock that steps back does not move `at` back: versions keep the last instant", async () => {
  const s = await openStore();
  try {
    await clockStepBackKeepsAt(s);
  } finally {
    await s.cleanup();
  }
});

test("a batch records one change event per row, with its version, like single inserts; a failing batch records none", async () => {
  const s = await openStore();
  try {
    const seen: any[] = [];
    s.driver.changes.onCommit((events) => void seen.push(...events));
    await s.insert("Note", { text: "single", big: 0 });
    const ids = s.driver.writeBatch("Note", Array.from({ length: 450 }, (_, i) => ({ text: `n${i}`, big: i })));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(seen.length, 451);
    assert.deepEqual(seen.slice(1).map((e) => e.id), ids);
    const versions = await s.run(history("Note"));
    assert.deepEqual(seen.map((e) => e.version), versions.map((v: any) => v.version), "each event carries its row's version");
    assert.deepEqual([seen[1].op, seen[1].before, seen[1].after], ["insert", null, { id: ids[0], text: "n0", big: 0 }]);
    assert.throws(() => s.driver.writeBatch("Note", [{ text: "ok" }, { text: 5 }]));
    await s.insert("Note", { text: "after", big: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(seen.slice(451).map((e) => e.after.text), ["after"], "the failed batch left no event behind");
    assert.equal((await s.driver.changes.undelivered(0, 1000)).length, 452, "all in the outbox, none of the failed batch");
  } finally {
    await s.cleanup();
  }
});
