import { test } from "node:test";
import assert from "node:assert/strict";
import type { QueryPlan } from "@kova/query";
import { admin, arg, eq, f, history, openStore, select, serverUp } from "./helpers.js";
import { rejectsWith, userWriteValueChecks } from "@kova/query/testing";

const insertUser: QueryPlan = { kind: "insert", entity: "User", values: { kind: "object", operand: arg(0) } };

test("write values are checked against the schema: 400 naming the field", async (t) => {
  if (!(await serverUp(t))) return;
  const s = await openStore();
  try {
    const ok = { name: "Ada", email: "a@x.io" };
    await userWriteValueChecks(s);
    await assert.rejects(s.run(insertUser, { ...ok, name: "nul\u0000byte" }), rejectsWith(400, "name", /NUL/));
    await assert.rejects(s.run(select("User", { where: eq(f("age"), arg(0)) }), "forty"), rejectsWith(400, undefined, /does not fit/), "a filter value PostgreSQL cannot read as the column's type");
    assert.deepEqual(await s.run(select("User")), [], "nothing was written");
    assert.deepEqual(await s.run(history("User")), [], "and no version recorded");
    const update: QueryPlan = { kind: "update", entity: "User", values: { kind: "object", operand: arg(1) }, where: eq(f("id"), arg(0)), single: true };
    await s.run(insertUser, ok);
    await assert.rejects(s.run(update, 1, { age: "old" }), rejectsWith(400, "age", /integer/));
    await assert.rejects(s.run(update, 1, { email: null }), rejectsWith(400, "email", /required/));
    const save: QueryPlan = { kind: "save", entity: "User", values: { kind: "object", operand: arg(0) } };
    await assert.rejects(s.run(save, { id: "x1", name: "A" }), rejectsWith(400, "id", /integer/));
  } finally {
    await s.cleanup();
  }
});

test("a UNIQUE violation is a 409 naming the field, and leaves no version behind", async (t) => {
  if (!(await serverUp(t))) return;
  const s = await openStore();
  try {
    await s.run(insertUser, { name: "Ada", email: "a@x.io" });
    const bob = await s.run(insertUser, { name: "Bob", email: "b@x.io" });
    await assert.rejects(s.run(insertUser, { name: "Eve", email: "a@x.io" }), rejectsWith(409, "email", /email already exists/));
    const update: QueryPlan = { kind: "update", entity: "User", values: { kind: "object", operand: arg(1) }, where: eq(f("id"), arg(0)), single: true };
    await assert.rejects(s.run(update, bob.id, { email: "a@x.io" }), rejectsWith(409, "email", /already exists/));
    const save: QueryPlan = { kind: "save", entity: "User", values: { kind: "object", operand: arg(0) } };
    await assert.rejects(s.run(save, { id: bob.id, name: "Bob", email: "a@x.io" }), rejectsWith(409, "email", /already exists/));
    const versions = await s.run(history("User"));
    assert.equal(versions.length, 2);
    assert.equal((await s.run(select("User", { where: eq(f("id"), arg(0)), single: true }), bob.id)).email, "b@x.io");
  } finally {
    await s.cleanup();
  }
});

test("a stored integer beyond ±(2^53−1) fails the read with a clear message instead of rounding", async (t) => {
  if (!(await serverUp(t))) return;
  const s = await openStore();
  try {
    const note = await s.insert("Note", { text: "x", big: 1 });
    await admin((c) => c.query(`UPDATE ${s.schema}.note SET big = 9007199254740993 WHERE id = $1`, [note.id]));
    await assert.rejects(s.run(select("Note")), /9007199254740993\) is beyond ±9007199254740991/);
    assert.equal((await s.run(select("Note", { fields: ["text"] }))).length, 1, "the pool still serves other reads");
  } finally {
    await s.cleanup();
  }
});

test("the driver refuses another dialect's statements and unknown entities at compile time", async (t) => {
  if (!(await serverUp(t))) return;
  const s = await openStore();
  try {
    await assert.rejects(s.driver.execute({ dialect: "sqlite", plan: select("User") }, []), /runs postgres statements, not sqlite ones/);
    const { postgresDialect } = await import("../src/index.js");
    assert.throws(() => postgresDialect.compile(select("Ghost"), new Map()), /entity Ghost, which is not declared/);
  } finally {
    await s.cleanup();
  }
});
