import { test } from "node:test";
import assert from "node:assert/strict";
import type { QueryPlan } from "@kova/query";
import { arg, eq, f, openStore, select } from "./helpers.js";
import { rejectsWith, userWriteValueChecks } from "@kova/query/testing";

const insertUser: QueryPlan = { kind: "insert", entity: "User", values: { kind: "object", operand: arg(0) } };

test("write values are checked against the schema: 400 naming the field", async () => {
  const s = await openStore();
  try {
    const ok = { name: "Ada", email: "a@x.io" };
    await userWriteValueChecks(s);
    assert.deepEqual(await s.run(select("User")), [], "nothing was written");
    const update: QueryPlan = { kind: "update", entity: "User", values: { kind: "object", operand: arg(1) }, where: eq(f("id"), arg(0)), single: true };
    await s.run(insertUser, ok);
    await assert.rejects(s.run(update, 1, { age: "old" }), rejectsWith(400, "age", /integer/));
    await assert.rejects(s.run(update, 1, { email: null }), rejectsWith(400, "email", /required/));
  } finally {
    await s.cleanup();
  }
});

test("a UNIQUE violation is a 409 naming the field, and leaves no version behind", async () => {
  const s = await openStore();
  try {
    await s.run(insertUser, { name: "Ada", email: "a@x.io" });
    const bob = await s.run(insertUser, { name: "Bob", email: "b@x.io" });
    await assert.rejects(s.run(insertUser, { name: "Eve", email: "a@x.io" }), rejectsWith(409, "email", /email already exists/));
    const update: QueryPlan = { kind: "update", entity: "User", values: { kind: "object", operand: arg(1) }, where: eq(f("id"), arg(0)), single: true };
    await assert.rejects(s.run(update, bob.id, { email: "a@x.io" }), rejectsWith(409, "email", /already exists/));
    assert.throws(() => s.driver.writeBatch("User", [{ name: "C", email: "c@x.io" }, { name: "D", email: "c@x.io" }]), rejectsWith(409, "email", /already exists/));
    const versions = await s.run({ kind: "history", entity: "User", where: null, orderBy: [], limit: null, offset: null });
    assert.equal(versions.length, 2);
    assert.equal((await s.run(select("User", { where: eq(f("id"), arg(0)), single: true }), bob.id)).email, "b@x.io");
  } finally {
    await s.cleanup();
  }
});

test("the driver refuses another dialect's statements and unknown entities at compile time", async () => {
  const s = await openStore();
  try {
    await assert.rejects(s.driver.execute({ dialect: "postgres", plan: select("User") }, []), /SQLite statements, not postgres/);
    const { sqliteDialect } = await import("../src/index.js");
    assert.throws(() => sqliteDialect.compile(select("Ghost"), new Map()), /entity Ghost, which is not declared/);
  } finally {
    await s.cleanup();
  }
});
