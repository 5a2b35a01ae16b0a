/**
 * The cockroach dialect and driver (run on the PostgreSQL server, see wire.test.ts) give the same
 * results as the embedded store for one sequence of plans. Write instants are compared for form.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { QueryPlan } from "@kova/query";
import { createEmbeddedDriver, sqliteDialect } from "@kova/driver-embedded";
import { Account, arg, compile, entities, eq, f, lit, openStore, select, serverUp } from "./helpers.js";

const insert: QueryPlan = { kind: "insert", entity: "Account", values: { kind: "object", operand: arg(0) } };
const save: QueryPlan = { kind: "save", entity: "Account", values: { kind: "object", operand: arg(0) } };
const byId = eq(f("id"), arg(0));
const hist = (where: any = null): QueryPlan => ({ kind: "history", entity: "Account", where, orderBy: [], limit: null, offset: null });

const steps: Array<[QueryPlan, unknown[]]> = [
  [insert, [{ owner: "zoë", balance: 5, note: "b", opened: "2024-05-06T07:08:09.010Z", meta: { a: 1 } }]],
  [insert, [{ owner: "Ann", opened: "2024-05-06T07:08:09+02:00" }]],
  [insert, [{ owner: "ben", balance: -9007199254740991, note: "a", opened: 0 }]],
  [select("Account", { orderBy: [{ field: "note", direction: "ASC" }] }), []],
  [select("Account", { orderBy: [{ field: "owner", direction: "DESC" }], fields: ["owner"] }), []],
  [select("Account", { where: { kind: "like", left: f("owner"), right: lit("%e%") } }), []],
  [select("Account", { where: { kind: "in", left: f("note"), right: arg(0) } }), [["a", null, "zzz"]]],
  [select("Account", { where: eq(f("note"), arg(0)) }), [null]],
  [{ kind: "update", entity: "Account", values: { kind: "object", operand: arg(1) }, where: byId, single: true }, [1, { balance: 6, meta: [true] }]],
  [{ kind: "delete", entity: "Account", where: byId, single: true }, [3]],
  // SAVE replaces: balance back to its default, meta to null.
  [save, [{ id: 2, owner: "Ann", note: "saved", opened: "2024-05-06T05:08:09.000Z" }]],
  [hist(), []],
  [hist(eq(f("owner"), lit("ben"))), []],
  [select("Account", { where: byId, asOf: arg(1), single: true }), [3, "2100-01-01T00:00:00Z"]],
  [select("Account", { asOf: arg(0) }), ["2000-01-01T00:00:00Z"]],
  // SAVE: a missing required field is a 400, a deleted or unknown id a 404, no id an insert.
  [save, [{ id: 1, note: "no owner" }]],
  [save, [{ id: 3, owner: "ben again" }]],
  [save, [{ id: 999, owner: "nobody" }]],
  [save, [{ owner: "new", opened: "2024-01-01T00:00:00.000Z" }]],
  [insert, [{ owner: "zoë" }]],
  [insert, [{ owner: "x", balance: "lots" }]],
];

function normalise(value: any): any {
  if (Array.isArray(value)) return value.map(normalise);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === "at" && typeof v === "string" && /Z$/.test(v) ? "<instant>" : normalise(v)]));
  }
  return value;
}

async function runAll(execute: (plan: QueryPlan, args: unknown[]) => Promise<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const [plan, args] of steps) {
    try {
      out.push(normalise(await execute(plan, args)));
    } catch (error: any) {
      out.push({ error: error.name, status: error.status, field: error.field });
    }
  }
  return out;
}

test("the cockroach driver (on PostgreSQL's wire) gives the embedded store's results", async (t) => {
  if (!(await serverUp(t))) return;
  const crdb = await openStore();
  const embedded = createEmbeddedDriver({ name: "bank", appDir: ".", options: { path: ":memory:" } });
  await embedded.connect();
  await embedded.migrate([Account]);
  try {
    const a = await runAll((plan, args) => crdb.driver.execute(compile(plan), args));
    const b = await runAll((plan, args) => embedded.execute(JSON.parse(JSON.stringify(sqliteDialect.compile(plan, entities))), args));
    for (let i = 0; i < steps.length; i++) assert.deepEqual(a[i], b[i], `step ${i} (${steps[i][0].kind})`);
    assert.equal((a[11] as any[]).length, 6, "history saw every write");
    assert.deepEqual(a.slice(15, 19).map((r: any) => r.status ?? r.owner), [400, 404, 404, "new"], "SAVE: a 400, a 404 for a deleted id and an unknown one, an insert");
  } finally {
    await embedded.close();
    await crdb.cleanup();
  }
});
