import { test } from "node:test";
import assert from "node:assert/strict";
import type { QueryPlan } from "@kova/query";
import { arg, asc, cmp, desc, eq, f, lit, openStore, select, type Store } from "./helpers.js";
import { deleteAndSaveChecks, insertNoteText } from "@kova/query/testing";

async function seeded(): Promise<Store> {
  const s = await openStore();
  await s.insert("User", { name: "Ada", email: "ada@x.io", age: 36, score: 9.5, meta: { tags: ["a"] }, born: "1815-12-10", role: "admin" });
  await s.insert("User", { name: "Bob", email: "bob@x.io", age: null, active: false });
  await s.insert("User", { name: "Cy", email: "cy@x.io", age: 20 });
  await s.insert("User", { name: "Dee", email: "dee@x.io", age: 36, role: "member" });
  return s;
}

test("insert returns the stored row: id first, fields in declaration order, JS types", async () => {
  const s = await openStore();
  try {
    const row = await s.insert("User", { id: 999, name: "Ada", email: "a@x.io", age: 36, score: 1.5, meta: { k: [1, true] }, born: "2000-02-29", joined: "2024-01-02T03:04:05+01:00" });
    assert.deepEqual(Object.keys(row), ["id", "name", "email", "age", "score", "active", "meta", "born", "joined", "role"]);
    assert.equal(row.id, 1, "the store assigns the id; the body's id is ignored");
    assert.equal(row.active, true, "default applied and returned as a boolean");
    assert.deepEqual(row.meta, { k: [1, true] });
    assert.equal(row.joined, "2024-01-02T02:04:05.000Z", "datetimes are stored as ISO-8601 UTC with ms");
    const read = await s.run(select("User", { where: eq(f("id"), arg(0)), single: true }), row.id);
    assert.deepEqual(read, row);
    assert.deepEqual(Object.keys(read), Object.keys(row));
    const defaulted = await s.insert("User", { name: "B", email: "b@x.io" });
    assert.ok(Math.abs(Date.parse(defaulted.joined) - Date.now()) < 5000, "{now:true} default is the current time");
    assert.equal(defaulted.age, null);
  } finally {
    await s.cleanup();
  }
});

test("single select returns null when no row matches; a list select returns []", async () => {
  const s = await seeded();
  try {
    assert.equal(await s.run(select("User", { where: eq(f("id"), arg(0)), single: true }), 12345), null);
    assert.deepEqual(await s.run(select("User", { where: eq(f("name"), arg(0)) }), "nobody"), []);
    const byPathParam = await s.run(select("User", { where: eq(f("id"), arg(0)), single: true }), "2");
    assert.equal(byPathParam.name, "Bob", "a numeric string id (a path parameter) finds the row");
  } finally {
    await s.cleanup();
  }
});

test("null-safe equality: == null finds nulls, != value keeps nulls, argument null matches null", async () => {
  const s = await seeded();
  try {
    const names = (rows: any[]) => rows.map((r) => r.name);
    assert.deepEqual(names(await s.run(select("User", { where: eq(f("age"), lit(null)) }))), ["Bob"]);
    assert.deepEqual(names(await s.run(select("User", { where: eq(f("age"), arg(0)) }), null)), ["Bob"]);
    assert.deepEqual(names(await s.run(select("User", { where: cmp("!=", f("age"), arg(0)) }), 36)), ["Bob", "Cy"]);
    assert.deepEqual(names(await s.run(select("User", { where: cmp("!=", f("age"), lit(null)) }))), ["Ada", "Cy", "Dee"]);
    assert.deepEqual(names(await s.run(select("User", { where: { kind: "isNull", operand: f("role"), negated: false } }))), ["Bob", "Cy"]);
    assert.deepEqual(names(await s.run(select("User", { where: { kind: "isNull", operand: f("role"), negated: true } }))), ["Ada", "Dee"]);
  } finally {
    await s.cleanup();
  }
});

test("IN, LIKE (case-sensitive), NOT, AND/OR, truthy, comparisons", async () => {
  const s = await seeded();
  try {
    const names = async (where: any, ...args: unknown[]) => (await s.run(select("User", { where }), ...args)).map((r: any) => r.name);
    assert.deepEqual(await names({ kind: "in", left: f("name"), right: arg(0) }, ["Cy", "Ada", "Zed"]), ["Ada", "Cy"]);
    assert.deepEqual(await names({ kind: "in", left: f("age"), right: arg(0) }, []), []);
    assert.deepEqual(await names({ kind: "in", left: f("active"), right: arg(0) }, [false]), ["Bob"]);
    assert.deepEqual(await names({ kind: "like", left: f("email"), right: arg(0) }, "%e@x.io"), ["Dee"]);
    assert.deepEqual(await names({ kind: "like", left: f("name"), right: arg(0) }, "_y"), ["Cy"]);
    assert.deepEqual(await names({ kind: "like", left: f("name"), right: arg(0) }, "ada"), [], "LIKE is case-sensitive");
    assert.deepEqual(await names({ kind: "like", left: f("name"), right: lit("A*") }), [], "GLOB wildcards in a LIKE pattern are literal");
    assert.deepEqual(await names({ kind: "not", item: { kind: "like", left: f("name"), right: lit("%e%") } }), ["Ada", "Bob", "Cy"]);
    assert.deepEqual(
      await names({ kind: "or", items: [eq(f("name"), arg(0)), { kind: "and", items: [cmp(">=", f("age"), arg(1)), cmp("<", f("age"), lit(36))] }] }, "Bob", 18),
      ["Bob", "Cy"],
    );
    assert.deepEqual(await names({ kind: "truthy", operand: f("active") }), ["Ada", "Cy", "Dee"]);
    assert.deepEqual(await names(eq(f("active"), arg(0)), false), ["Bob"]);
    assert.deepEqual(await names(cmp(">", f("born"), arg(0)), "1800-01-01"), ["Ada"]);
    assert.deepEqual(await names(cmp(">", f("score"), lit(9))), ["Ada"]);
  } finally {
    await s.cleanup();
  }
});

test("ORDER BY, LIMIT and OFFSET; projection returns id and the chosen fields", async () => {
  const s = await seeded();
  try {
    const rows = await s.run(select("User", { orderBy: [desc("age"), asc("name")], limit: arg(0), offset: lit(1) }), 2);
    assert.deepEqual(rows.map((r: any) => r.name), ["Dee", "Cy"]);
    const projected = await s.run(select("User", { fields: ["email", "name"], orderBy: [asc("name")], limit: lit(1) }));
    assert.deepEqual(projected, [{ id: 1, email: "ada@x.io", name: "Ada" }]);
    const offsetOnly = await s.run(select("User", { orderBy: [asc("id")], offset: arg(0) }), "3");
    assert.deepEqual(offsetOnly.map((r: any) => r.name), ["Dee"]);
  } finally {
    await s.cleanup();
  }
});

test("unicode, large and negative ints, and injection strings are stored and matched verbatim", async () => {
  const s = await openStore();
  try {
    const evil = "'; DROP TABLE user; --";
    const texts = ["héllo wörld", "日本語テキスト", "emoji 🚀👩‍💻", evil, 'quote " and \\ backslash', ""];
    for (const text of texts) await s.insert("Note", { text, big: null });
    for (const text of texts) {
      const rows = await s.run(select("Note", { where: eq(f("text"), arg(0)) }), text);
      assert.equal(rows.length, 1, `found ${JSON.stringify(text)}`);
      assert.equal(rows[0].text, text);
    }
    const [evilUser] = [await s.insert("User", { name: evil, email: `${evil}@x.io` })];
    assert.equal(evilUser.name, evil);
    assert.equal((await s.run(select("User"))).length, 1, "the user table is still there");
    for (const big of [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, -1, 0, 2 ** 40]) {
      const row = await s.insert("Note", { text: "n", big });
      const read = await s.run(select("Note", { where: eq(f("id"), arg(0)), single: true }), row.id);
      assert.equal(read.big, big);
      assert.equal((await s.run(select("Note", { where: eq(f("big"), arg(0)) }), big)).length, 1);
    }
  } finally {
    await s.cleanup();
  }
});

test("update, delete and save return the stored rows; single update of a missing row is null", async () => {
  const s = await seeded();
  try {
    const byId = eq(f("id"), arg(0));
    const updated = await s.run({ kind: "update", entity: "User", values: { kind: "object", operand: arg(1) }, where: byId, single: true }, 1, { age: 37 });
    assert.equal(updated.age, 37);
    assert.equal(updated.name, "Ada", "a partial update keeps the other fields");
    assert.equal(updated.role, "admin");
    const none = await s.run({ kind: "update", entity: "User", values: { kind: "object", operand: arg(1) }, where: byId, single: true }, 99, { age: 1 });
    assert.equal(none, null);
    const many = await s.run({ kind: "update", entity: "User", values: { kind: "fields", fields: [{ field: "score", value: lit(1.25) }] }, where: null, single: false });
    assert.equal(many.length, 4);
    assert.ok(many.every((r: any) => r.score === 1.25));
    await deleteAndSaveChecks(s);
  } finally {
    await s.cleanup();
  }
});

test("transaction: writes commit together, or roll back together on error; outside reads wait", async () => {
  const s = await openStore();
  try {
    const insert = insertNoteText;
    const { compile } = await import("./helpers.js");
    await s.driver.transaction(async (tx) => {
      await tx.execute(compile(insert("a")), []);
      await tx.execute(compile(insert("b")), []);
    });
    await assert.rejects(
      s.driver.transaction(async (tx) => {
        await tx.execute(compile(insert("c")), []);
        throw new Error("changed my mind");
      }),
      /changed my mind/,
    );
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const begun = new Promise<void>((resolve) => (started = resolve));
    const slow = s.driver.transaction(async (tx) => {
      await tx.execute(compile(insert("d")), []);
      started();
      await gate;
      await tx.execute(compile(insert("e")), []);
    });
    await begun;
    const second = s.driver.transaction(async (tx) => tx.execute(compile(select("Note")), []));
    const outside = s.run(select("Note"));
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await slow;
    assert.deepEqual((await second as any[]).map((r) => r.text), ["a", "b", "d", "e"], "queued transaction ran after the first");
    assert.deepEqual((await outside).map((r: any) => r.text), ["a", "b", "d", "e"], "outside read saw only committed work");
    const hist = await s.run({ kind: "history", entity: "Note", where: null, orderBy: [], limit: null, offset: null });
    assert.equal(hist.length, 4, "the rolled-back insert left no version");
    await assert.rejects(
      s.driver.transaction(async () => {
        await s.run(insert("via the driver, not tx"));
        throw new Error("undo");
      }),
      /undo/,
    );
    assert.equal((await s.run(select("Note"))).length, 4, "work calling the driver directly joins its transaction (and rolls back with it)");
  } finally {
    await s.cleanup();
  }
});

test("health runs SELECT 1; close is idempotent; execute after close is a 503", async () => {
  const s = await openStore();
  const report = await s.driver.health();
  assert.equal(report.ok, true);
  assert.match(report.detail, /sqlite .*data\.db \(WAL\)/);
  await s.cleanup();
  await s.driver.close();
  await assert.rejects(s.run(select("User")), (e: any) => e.status === 503);
  assert.equal((await s.driver.health()).ok, false);
});
