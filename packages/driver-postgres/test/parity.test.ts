/**
 * Kova's promise: the same plans give the same results on every store. This runs one sequence of
 * plans on PostgreSQL and on the embedded store and compares every result; only write instants
 * (`at`, and the `now` default) differ between two runs, and are compared for form alone.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { QueryPlan } from "@kova/query";
import { createEmbeddedDriver, sqliteDialect } from "@kova/driver-embedded";
import { arg, asc, cmp, compileWith, desc, entities, eq, f, history, lit, Note, openStore, select, serverUp, sleep, User } from "./helpers.js";
import { postgresDialect } from "../src/index.js";

type Step = { label: string; plan: QueryPlan; args: unknown[] } | { label: string; instantOf: number; plan: QueryPlan; args: unknown[] };

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const byId = eq(f("id"), arg(0));
const insertUser: QueryPlan = { kind: "insert", entity: "User", values: { kind: "object", operand: arg(0) } };
const saveUser: QueryPlan = { kind: "save", entity: "User", values: { kind: "object", operand: arg(0) } };
const insertNote: QueryPlan = { kind: "insert", entity: "Note", values: { kind: "object", operand: arg(0) } };

const steps: Step[] = [
  { label: "insert Ada", plan: insertUser, args: [{ name: "Ada", email: "ada@x.io", age: 36, score: 9.5, meta: { tags: ["a"], n: 1.5 }, born: "1815-12-10", joined: "2024-01-02T03:04:05.678+02:00", role: "admin" }] },
  { label: "insert Bob (defaults)", plan: insertUser, args: [{ name: "Bob", email: "bob@x.io", age: null, active: false }] },
  { label: "insert Cy", plan: insertUser, args: [{ name: "Cy", email: "cy@x.io", age: 20, joined: 1_700_000_000_000 }] },
  { label: "insert Dee", plan: insertUser, args: [{ name: "Dee", email: "dee@x.io", age: 36, role: "member", meta: [1, "two", null] }] },
  { label: "insert Émile", plan: insertUser, args: [{ name: "Émile 🚀", email: "e@x.io", age: -5, score: -0.25, meta: "just a string" }] },
  { label: "notes", plan: insertNote, args: [{ text: "'; DROP TABLE note; --", big: Number.MAX_SAFE_INTEGER, price: 19.99, uid: "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11" }] },
  { label: "note 2", plan: insertNote, args: [{ text: "50% off_", big: Number.MIN_SAFE_INTEGER, price: 0.1 }] },
  { label: "all users", plan: select("User"), args: [] },
  { label: "by id (path param string)", plan: select("User", { where: byId, single: true }), args: ["3"] },
  { label: "missing id", plan: select("User", { where: byId, single: true }), args: [999] },
  { label: "age == null", plan: select("User", { where: eq(f("age"), arg(0)) }), args: [null] },
  { label: "age != 36", plan: select("User", { where: cmp("!=", f("age"), arg(0)) }), args: [36] },
  { label: "role is not null", plan: select("User", { where: { kind: "isNull", operand: f("role"), negated: true } }), args: [] },
  { label: "IN names", plan: select("User", { where: { kind: "in", left: f("name"), right: arg(0) } }), args: [["Cy", "Ada", "Nobody"]] },
  { label: "IN empty", plan: select("User", { where: { kind: "in", left: f("age"), right: arg(0) } }), args: [[]] },
  { label: "LIKE", plan: select("User", { where: { kind: "like", left: f("email"), right: arg(0) } }), args: ["%e@x.io"] },
  { label: "LIKE case", plan: select("User", { where: { kind: "like", left: f("name"), right: lit("ada") } }), args: [] },
  { label: "LIKE literal %", plan: select("Note", { where: { kind: "like", left: f("text"), right: lit("50%") } }), args: [] },
  { label: "NOT/AND/OR", plan: select("User", { where: { kind: "or", items: [eq(f("name"), arg(0)), { kind: "and", items: [cmp(">=", f("age"), arg(1)), { kind: "not", item: { kind: "truthy", operand: f("active") } }] }] } }), args: ["Cy", 0] },
  { label: "truthy", plan: select("User", { where: { kind: "truthy", operand: f("active") } }), args: [] },
  { label: "datetime compare", plan: select("User", { where: cmp("<", f("joined"), arg(0)), fields: ["name", "joined"] }), args: ["2024-06-01T00:00:00Z"] },
  { label: "order age asc (nulls)", plan: select("User", { orderBy: [asc("age")], fields: ["name", "age"] }), args: [] },
  { label: "order age desc, name", plan: select("User", { orderBy: [desc("age"), asc("name")], fields: ["name"] }), args: [] },
  { label: "order by name (byte order)", plan: select("User", { orderBy: [desc("name")], fields: ["name"] }), args: [] },
  { label: "limit/offset", plan: select("User", { orderBy: [asc("id")], limit: arg(0), offset: arg(1) }), args: [2, "1"] },
  { label: "partial update", plan: { kind: "update", entity: "User", values: { kind: "object", operand: arg(1) }, where: byId, single: true }, args: [1, { age: 37, meta: null }] },
  { label: "update missing", plan: { kind: "update", entity: "User", values: { kind: "object", operand: arg(1) }, where: byId, single: true }, args: [99, { age: 1 }] },
  { label: "update many", plan: { kind: "update", entity: "User", values: { kind: "fields", fields: [{ field: "score", value: lit(1.25) }] }, where: cmp(">", f("age"), lit(0)), single: false }, args: [] },
  { label: "delete Bob", plan: { kind: "delete", entity: "User", where: byId, single: true }, args: [2] },
  { label: "delete again", plan: { kind: "delete", entity: "User", where: byId, single: true }, args: [2] },
  { label: "save without a required field", plan: saveUser, args: [{ id: 3, name: "Cyrus" }] },
  { label: "save existing (replaces)", plan: saveUser, args: [{ id: 3, name: "Cyrus", email: "cy@x.io" }] },
  { label: "save deleted id", plan: saveUser, args: [{ id: 2, name: "Bob II", email: "bob2@x.io", joined: "2025-01-01T00:00:00Z" }] },
  { label: "save unknown id", plan: saveUser, args: [{ id: 999, name: "Nobody", email: "nobody@x.io" }] },
  { label: "save without an id", plan: saveUser, args: [{ name: "Eve", email: "eve@x.io", joined: "2025-01-01T00:00:00Z" }] },
  { label: "history of Ada", plan: history("User", { where: byId }), args: [1] },
  { label: "history by data", plan: history("User", { where: cmp(">=", f("age"), lit(36)), orderBy: [desc("version")] }), args: [] },
  { label: "history paged", plan: history("User", { orderBy: [asc("version")], limit: lit(3), offset: lit(2) }), args: [] },
  { label: "as of after version 2", instantOf: 2, plan: select("User", { asOf: arg(0), orderBy: [asc("name")] }), args: [] },
  { label: "Bob as of before his delete", instantOf: 8, plan: select("User", { where: byId, asOf: arg(1), single: true }), args: [2] },
  { label: "Ada as of before update", instantOf: 5, plan: select("User", { where: byId, asOf: arg(1), single: true, fields: ["age"] }), args: [1] },
  { label: "as of now, filtered", instantOf: 0, plan: select("User", { asOf: arg(0), where: cmp(">", f("age"), lit(0)), orderBy: [desc("age")] }), args: [] },
  { label: "unknown field", plan: insertUser, args: [{ name: "X", email: "x@x", nickname: "y" }] },
  { label: "bad int", plan: insertUser, args: [{ name: "X", email: "x@x", age: 1.5 }] },
  { label: "duplicate email", plan: insertUser, args: [{ name: "X", email: "ada@x.io" }] },
  { label: "bad AS OF", plan: select("User", { asOf: arg(0) }), args: ["soon"] },
];

/** The history's instants come from each store's own clock: keep their form, drop their value. */
function normalise(value: any): any {
  if (Array.isArray(value)) return value.map(normalise);
  if (value !== null && typeof value === "object") {
    const out: any = {};
    for (const [key, v] of Object.entries(value)) {
      if ((key === "at" || key === "joined") && typeof v === "string" && ISO.test(v) && !/^202[45]-0[16]-0[12]T0[0-3]/.test(v) && !v.startsWith("2023-11-14")) out[key] = "<instant>";
      else out[key] = normalise(v);
    }
    return out;
  }
  return value;
}

async function runAll(execute: (plan: QueryPlan, args: unknown[]) => Promise<unknown>, historyOf: () => Promise<any[]>): Promise<unknown[]> {
  const results: unknown[] = [];
  for (const step of steps) {
    let args = step.args;
    if ("instantOf" in step) {
      const versions = await historyOf();
      // The instant right after version N committed (0: now), on this store's own clock.
      const instant = step.instantOf === 0 ? Date.now() + 1000 : Date.parse(versions.find((v) => v.version === step.instantOf).at);
      args = step.plan.kind === "select" && step.plan.where !== null ? [...step.args, instant] : [instant];
    }
    try {
      results.push(normalise(await execute(step.plan, args)));
    } catch (error: any) {
      results.push({ error: error.name, status: error.status, field: error.field });
    }
    // Consecutive writes a few ms apart, so "as of version N" separates N from N + 1 on both stores.
    if (step.plan.kind !== "select" && step.plan.kind !== "history") await sleep(3);
  }
  return results;
}

test("the same plans give the same results on PostgreSQL and on the embedded store", async (t) => {
  if (!(await serverUp(t))) return;
  const pg = await openStore();
  const embedded = createEmbeddedDriver({ name: "db", appDir: ".", options: { path: ":memory:" } });
  await embedded.connect();
  await embedded.migrate([User, Note]);
  try {
    const allVersions = history("User");
    const onPg = await runAll(
      (plan, args) => pg.driver.execute(compileWith(postgresDialect, plan), args),
      () => pg.driver.execute(compileWith(postgresDialect, allVersions), []) as Promise<any[]>,
    );
    const onEmbedded = await runAll(
      (plan, args) => embedded.execute(compileWith(sqliteDialect, plan, entities), args),
      () => embedded.execute(compileWith(sqliteDialect, allVersions, entities), []) as Promise<any[]>,
    );
    for (let i = 0; i < steps.length; i++) assert.deepEqual(onPg[i], onEmbedded[i], `step "${steps[i].label}"`);
    assert.ok((onPg[steps.findIndex((s) => s.label === "history of Ada")] as any[]).length === 3, "the sequence really exercised history");
  } finally {
    await embedded.close();
    await pg.cleanup();
  }
});
