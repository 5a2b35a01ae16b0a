/**
 * The same plans on Redis and on the embedded store must give the same results (`at` compared
 * loosely): Kova's promise that a data source can be swapped without changing answers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { QueryPlan } from "@kova/query";
import { createEmbeddedDriver, sqliteDialect } from "@kova/driver-embedded";
import { arg, byId, deletePlan, desc, entities, history, insertPlan, lit, Note, openStore, savePlan, select, sleep, updatePlan, User } from "./helpers.js";

function stripAt(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripAt);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = k === "at" || k === "joined" ? typeof v : stripAt(v);
    return out;
  }
  return value;
}

test("parity with the embedded store over a sequence of plans", async (t) => {
  const s = await openStore(t);
  if (!s) return;
  const embedded = createEmbeddedDriver({ name: "db", appDir: ".", options: { path: ":memory:" } });
  await embedded.connect();
  await embedded.migrate([User, Note]);
  const both = async (plan: QueryPlan, ...args: unknown[]) => {
    const a = await s.run(plan, ...args).catch((e: any) => ({ error: e.status ?? e.message }));
    const b = await embedded.execute(JSON.parse(JSON.stringify(sqliteDialect.compile(plan, entities))), args).catch((e: any) => ({ error: e.status ?? e.message }));
    return [stripAt(a), stripAt(b)];
  };
  const steps: Array<[string, QueryPlan, ...unknown[]]> = [
    ["insert alice", insertPlan("User"), { name: "Alice", email: "a@x.io", age: 30, score: 1.25, meta: { a: [1, "2"] }, born: "2000-01-31" }],
    ["insert bob", insertPlan("User"), { name: "Bob", email: "b@x.io", active: false, role: "admin", price: "9.99" }],
    ["duplicate email", insertPlan("User"), { name: "Eve", email: "a@x.io" }],
    ["bad type", insertPlan("User"), { name: "Eve", email: "e@x.io", age: "old" }],
    ["unicode + injection", insertPlan("Note"), { text: `😀 "'; DROP TABLE note; --`, big: -42 }],
    ["save without a required field", savePlan("User"), { id: 1, age: 31 }],
    ["save existing (replaces)", savePlan("User"), { id: 1, name: "Alice", email: "a@x.io", age: 31 }],
    ["save unknown id", savePlan("User"), { id: 77, name: "Cy", email: "c@x.io" }],
    ["save new", savePlan("User"), { name: "Cy", email: "c@x.io" }],
    ["update by id", updatePlan("User"), 2, { score: 2.5, meta: null }],
    ["update missing", updatePlan("User"), 999, { score: 1 }],
    ["select by id", select("User", { where: byId(), single: true }), 1],
    ["select by digit string", select("User", { where: byId(), single: true }), "2"],
    ["select all", select("User")],
    ["select some fields desc paged", select("User", { fields: ["email", "name"], orderBy: [desc("id")], limit: arg(0), offset: arg(1) }), 2, 1],
    ["limit 0", select("User", { limit: lit(0) })],
    ["delete by id", deletePlan("User"), 2],
    ["delete missing", deletePlan("User"), 2],
    ["history of deleted", history("User", { where: byId() }), 2],
    ["history desc", history("User", { where: byId(), orderBy: [desc("version")], limit: lit(1) }), 1],
    ["notes", select("Note")],
  ];
  try {
    for (const [name, plan, ...args] of steps) {
      const [redis, sqlite] = await both(plan, ...args);
      assert.deepEqual(redis, sqlite, `step "${name}"`);
      await sleep(2);
    }
    // AS OF: the embedded store and Redis stamp their own instants, so compare at a shared point in time.
    const now = new Date().toISOString();
    for (const id of [1, 2, 3, 4]) {
      const [redis, sqlite] = await both(select("User", { where: byId(), asOf: arg(1), single: true }), id, now);
      assert.deepEqual(redis, sqlite, `AS OF now for id ${id}`);
    }
  } finally {
    await embedded.close();
    await s.cleanup();
  }
});
