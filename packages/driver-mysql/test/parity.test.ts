/**
 * The heart of Kova's promise: the same plans give the same results on MySQL/MariaDB as on the
 * embedded store. One sequence of writes, reads, history and AS OF reads (and failing writes) runs
 * on both; the results must be identical, except `at` instants, which only need to be ISO strings.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Driver, QueryPlan } from "@kova/query";
import { createEmbeddedDriver, sqliteDialect } from "@kova/driver-embedded";
import { mysqlDialect } from "../src/index.js";
import { allEntities, arg, asc, cmp, desc, entities, eq, f, history, lit, openStore, select, sleep } from "./helpers.js";

type Step = { name: string; plan: QueryPlan; args: unknown[] | ((earlier: Map<string, unknown>) => unknown[]) };

const insert = (entity: string): QueryPlan => ({ kind: "insert", entity, values: { kind: "object", operand: arg(0) } });
const byId = eq(f("id"), arg(0));
const names = { kind: "in", left: f("name"), right: arg(0) } as const;

const steps: Step[] = [
  ...[
    { name: "Ada", email: "ada@x.io", age: 36, score: 9.5, meta: { tags: ["a"], n: 1.5 }, born: "1815-12-10", joined: "2024-01-02T03:04:05.123+02:00", role: "admin" },
    { name: "bob", email: "bob@x.io", age: null, active: false, joined: 1700000000000 },
    { name: "Cy 🚀", email: "cy@x.io", age: 20, score: -0.5, meta: "just text", joined: "2024-06-01T00:00:00Z" },
    { name: "Dee", email: "dee@x.io", age: 36, role: "member", meta: [1, null, { deep: true }], joined: "2023-12-31T23:59:59.999Z" },
    { name: "'; DROP TABLE user; --", email: "evil@x.io", age: Number.MAX_SAFE_INTEGER, joined: "2024-01-01T00:00:00Z" },
    { name: "ada", email: "ADA@x.io", age: Number.MIN_SAFE_INTEGER, score: 0, joined: "2024-01-01T00:00:00Z" },
  ].map((body, i): Step => ({ name: `insert user ${i}`, plan: insert("User"), args: [body] })),
  { name: "items", plan: insert("Item"), args: [{ code: "A0B1C2D3-0000-4000-8000-00000000000F", price: 19.99, due: "2030-05-05T05:05:05.505Z" }] },
  { name: "item 2", plan: insert("Item"), args: [{ price: "0.1", due: null }] },
  { name: "notes", plan: insert("Note"), args: [{ text: "a\\b%c", big: 1 }] },
  { name: "note 2", plan: insert("Note"), args: [{ text: "50% off", big: 2 }] },
  { name: "all users", plan: select("User"), args: [] },
  { name: "by id (path param string)", plan: select("User", { where: byId, single: true }), args: ["3"] },
  { name: "missing single", plan: select("User", { where: byId, single: true }), args: [999] },
  { name: "== is case-sensitive", plan: select("User", { where: eq(f("name"), arg(0)) }), args: ["ada"] },
  { name: "null-safe ==", plan: select("User", { where: eq(f("age"), arg(0)) }), args: [null] },
  { name: "null-safe !=", plan: select("User", { where: cmp("!=", f("age"), arg(0)), fields: ["name"] }), args: [36] },
  { name: "IN", plan: select("User", { where: names, fields: ["name"] }), args: [["Ada", "bob", "nobody"]] },
  { name: "IN ints", plan: select("User", { where: { kind: "in", left: f("age"), right: arg(0) }, fields: ["age"] }), args: [[36, "20", null]] },
  { name: "LIKE", plan: select("User", { where: { kind: "like", left: f("name"), right: arg(0) }, fields: ["name"] }), args: ["%a"] },
  { name: "LIKE _", plan: select("User", { where: { kind: "like", left: f("email"), right: lit("___@x.io") }, fields: ["email"] }), args: [] },
  { name: "LIKE backslash", plan: select("Note", { where: { kind: "like", left: f("text"), right: arg(0) } }), args: ["a\\b%"] },
  { name: "NOT/AND/OR", plan: select("User", { where: { kind: "or", items: [{ kind: "not", item: { kind: "truthy", operand: f("active") } }, { kind: "and", items: [cmp(">", f("age"), lit(30)), { kind: "isNull", operand: f("role"), negated: false }] }] } }), args: [] },
  { name: "datetime compare", plan: select("User", { where: cmp(">=", f("joined"), arg(0)), fields: ["joined"] }), args: ["2024-01-01T00:00:00Z"] },
  { name: "date compare", plan: select("User", { where: cmp("<", f("born"), arg(0)), fields: ["born"] }), args: ["1900-01-01"] },
  { name: "order nulls asc", plan: select("User", { orderBy: [asc("age")], fields: ["age"] }), args: [] },
  { name: "order nulls desc", plan: select("User", { orderBy: [desc("score"), asc("name")], fields: ["score"] }), args: [] },
  { name: "order strings", plan: select("User", { orderBy: [asc("name")], fields: ["name"] }), args: [] },
  { name: "order json", plan: select("User", { orderBy: [asc("meta")], fields: ["meta"] }), args: [] },
  { name: "page", plan: select("User", { orderBy: [desc("age")], limit: arg(0), offset: arg(1) }), args: [2, "1"] },
  { name: "items by uuid", plan: select("Item", { where: eq(f("code"), arg(0)) }), args: ["a0b1c2d3-0000-4000-8000-00000000000f"] },
  { name: "items by price", plan: select("Item", { where: cmp("<", f("price"), arg(0)) }), args: ["1"] },
  { name: "partial update", plan: { kind: "update", entity: "User", values: { kind: "object", operand: arg(1) }, where: byId, single: true }, args: [1, { age: 37, meta: null }] },
  { name: "update many", plan: { kind: "update", entity: "User", values: { kind: "fields", fields: [{ field: "score", value: lit(2.5) }] }, where: cmp("<", f("age"), lit(40)), single: false }, args: [] },
  { name: "update none", plan: { kind: "update", entity: "User", values: { kind: "object", operand: arg(1) }, where: byId, single: true }, args: [999, { age: 1 }] },
  { name: "save without a required field", plan: { kind: "save", entity: "User", values: { kind: "object", operand: arg(0) } }, args: [{ id: 2, name: "Bob", active: true }] },
  { name: "save existing (replaces)", plan: { kind: "save", entity: "User", values: { kind: "object", operand: arg(0) } }, args: [{ id: 2, name: "Bob", email: "bob@x.io", active: true, joined: "2024-01-01T00:00:00Z" }] },
  { name: "save unknown id", plan: { kind: "save", entity: "User", values: { kind: "object", operand: arg(0) } }, args: [{ id: 999, name: "Nobody", email: "nobody@x.io" }] },
  { name: "save new", plan: { kind: "save", entity: "User", values: { kind: "object", operand: arg(0) } }, args: [{ name: "Eve", email: "eve@x.io", joined: "2025-01-01T00:00:00Z" }] },
  { name: "delete one", plan: { kind: "delete", entity: "User", where: byId, single: true }, args: [4] },
  { name: "delete missing", plan: { kind: "delete", entity: "User", where: byId, single: true }, args: [4] },
  { name: "duplicate email", plan: insert("User"), args: [{ name: "X", email: "ada@x.io", joined: "2024-01-01T00:00:00Z" }] },
  { name: "bad int", plan: insert("User"), args: [{ name: "X", email: "x@x.io", age: 2 ** 53 }] },
  { name: "bad enum", plan: insert("User"), args: [{ name: "X", email: "x@x.io", role: "owner" }] },
  { name: "missing required", plan: insert("User"), args: [{ email: "x@x.io" }] },
  { name: "bad AS OF", plan: select("User", { asOf: arg(0) }), args: ["yesterday"] },
  { name: "history of Ada", plan: history("User", { where: byId }), args: [1] },
  { name: "history by data", plan: history("User", { where: cmp("<", f("age"), lit(40)), orderBy: [desc("version")], limit: lit(5) }), args: [] },
  { name: "as of before everything", plan: select("User", { asOf: arg(0) }), args: [0] },
  { name: "as of the future", plan: select("User", { asOf: arg(0), orderBy: [asc("name")] }), args: [() => Date.now() + 60_000] },
  { name: "as of before the partial update", plan: select("User", { asOf: arg(0), where: byId, single: true }), args: (earlier) => [earlier.get("before update"), 1] },
  { name: "deleted Dee as of before her delete", plan: select("User", { asOf: arg(1), where: byId, single: true }), args: (earlier) => [4, earlier.get("before delete")] },
  { name: "all as of before the delete", plan: select("User", { asOf: arg(0), fields: ["name", "score"], orderBy: [asc("id")] }), args: (earlier) => [earlier.get("before delete")] },
];

/** History `at` values differ between runs; only their shape is compared. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === "object" && "operation" in value && "at" in value) {
    const entry = value as { at: string };
    assert.match(entry.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    return { ...entry, at: "<at>" };
  }
  return value;
}

async function runAll(driver: Driver, compile: (plan: QueryPlan) => any): Promise<Array<[string, unknown]>> {
  const earlier = new Map<string, unknown>();
  const results: Array<[string, unknown]> = [];
  for (const step of steps) {
    // Instants between writes, taken the same way on both stores.
    if (step.name === "partial update" || step.name === "delete one") {
      await sleep(3);
      earlier.set(step.name === "partial update" ? "before update" : "before delete", Date.now());
      await sleep(3);
    }
    const args = typeof step.args === "function" ? step.args(earlier) : step.args.map((a) => (typeof a === "function" ? a() : a));
    try {
      results.push([step.name, normalize(await driver.execute(compile(step.plan), args))]);
    } catch (error: any) {
      results.push([step.name, { error: error.name, status: error.status, field: error.field }]);
    }
  }
  return results;
}

test("the same plans give the same results on MySQL/MariaDB and on the embedded store", async (t) => {
  const s = await openStore(t);
  if (s === undefined) return;
  const embedded = createEmbeddedDriver({ name: "db", appDir: "/nonexistent", options: { path: ":memory:" } });
  try {
    await embedded.connect();
    await embedded.migrate(allEntities);
    const onEmbedded = await runAll(embedded, (plan) => sqliteDialect.compile(plan, entities));
    const onMysql = await runAll(s.driver, (plan) => JSON.parse(JSON.stringify(mysqlDialect.compile(plan, entities))));
    for (let i = 0; i < steps.length; i++) {
      assert.deepEqual(onMysql[i], onEmbedded[i], `step "${steps[i].name}" differs`);
    }
    const errors = onMysql.filter(([, r]) => (r as any)?.error !== undefined).map(([name]) => name);
    assert.deepEqual(errors, ["save without a required field", "save unknown id", "duplicate email", "bad int", "bad enum", "missing required", "bad AS OF"], "only the failing steps failed");
  } finally {
    await embedded.close();
    await s.cleanup();
  }
});
