import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type { QueryPlan } from "@kova/query";
import { arg, asc, cmp, compile, desc, eq, f, lit, openStore, select, type Store } from "./helpers.js";
import { deleteAndSaveChecks, insertNoteText, serverTransactionScenario } from "@kova/query/testing";

async function seeded(t: TestContext): Promise<Store | undefined> {
  const s = await openStore(t);
  if (s === undefined) return undefined;
  await s.insert("User", { name: "Ada", email: "ada@x.io", age: 36, score: 9.5, meta: { tags: ["a"] }, born: "1815-12-10", role: "admin" });
  await s.insert("User", { name: "Bob", email: "bob@x.io", age: null, active: false });
  await s.insert("User", { name: "Cy", email: "cy@x.io", age: 20 });
  await s.insert("User", { name: "Dee", email: "dee@x.io", age: 36, role: "member" });
  return s;
}

test("insert returns the stored row: id first, fields in declaration order, JS types", async (t) => {
  const s = await openStore(t);
  if (s === undefined) return;
  try {
    const row = await s.insert("User", { id: 999, name: "Ada", email: "a@x.io", age: 36, score: 1.5, meta: { k: [1, true] }, born: "2000-02-29", joined: "2024-01-02T03:04:05+01:00" });
    assert.deepEqual(Object.keys(row), ["id", "name", "email", "age", "score", "active", "meta", "born", "joined", "role"]);
    assert.equal(row.id, 1, "the store assigns the id; the body's id is ignored");
    assert.equal(row.active, true, "default applied and returned as a boolean");
    assert.deepEqual(row.meta, { k: [1, true] });
    assert.equal(row.joined, "2024-01-02T02:04:05.000Z", "datetimes are stored as UTC with ms");
    assert.equal(row.born, "2000-02-29");
    const read = await s.run(select("User", { where: eq(f("id"), arg(0)), single: true }), row.id);
    assert.deepEqual(read, row, "the row read back equals the row the insert returned");
    assert.deepEqual(Object.keys(read), Object.keys(row));
    const defaulted = await s.insert("User", { name: "B", email: "b@x.io" });
    assert.ok(Math.abs(Date.parse(defaulted.joined) - Date.now()) < 5000, "{now:true} default is the current time");
    assert.match(defaulted.joined, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(defaulted.age, null);
  } finally {
    await s.cleanup();
  }
});

test("single select returns null when no row matches; a list select returns []", async (t) => {
  const s = await seeded(t);
  if (s === undefined) return;
  try {
    assert.equal(await s.run(select("User", { where: eq(f("id"), arg(0)), single: true }), 12345), null);
    assert.deepEqual(await s.run(select("User", { where: eq(f("name"), arg(0)) }), "nobody"), []);
    const byPathParam = await s.run(select("User", { where: eq(f("id"), arg(0)), single: true }), "2");
    assert.equal(byPathParam.name, "Bob", "a numeric string id (a path parameter) finds the row");
    const byUnique = await s.run(select("User", { where: eq(f("email"), arg(0)), single: true }), "cy@x.io");
    assert.equal(byUnique.name, "Cy");
  } finally {
    await s.cleanup();
  }
});

test("null-safe equality: == null finds nulls, != value keeps nulls, argument null matches null", async (t) => {
  const s = await seeded(t);
  if (s === undefined) return;
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

test("IN, LIKE (case-sensitive, backslash escapes the next character), NOT, AND/OR, truthy, comparisons; == on strings is case-sensitive", async (t) => {
  const s = await seeded(t);
  if (s === undefined) return;
  try {
    const names = async (where: any, ...args: unknown[]) => (await s.run(select("User", { where }), ...args)).map((r: any) => r.name);
    assert.deepEqual(await names({ kind: "in", left: f("name"), right: arg(0) }, ["Cy", "Ada", "Zed"]), ["Ada", "Cy"]);
    assert.deepEqual(await names({ kind: "in", left: f("name"), right: arg(0) }, ["cy", "ADA"]), [], "IN compares strings case-sensitively");
    assert.deepEqual(await names({ kind: "in", left: f("age"), right: arg(0) }, []), []);
    assert.deepEqual(await names({ kind: "in", left: f("age"), right: arg(0) }, [36, "20"]), ["Ada", "Cy", "Dee"]);
    assert.deepEqual(await names({ kind: "in", left: f("active"), right: arg(0) }, [false]), ["Bob"]);
    assert.deepEqual(await names({ kind: "like", left: f("email"), right: arg(0) }, "%e@x.io"), ["Dee"]);
    assert.deepEqual(await names({ kind: "like", left: f("name"), right: arg(0) }, "_y"), ["Cy"]);
    assert.deepEqual(await names({ kind: "like", left: f("name"), right: arg(0) }, "ada"), [], "LIKE is case-sensitive");
    assert.deepEqual(await names({ kind: "like", left: f("name"), right: lit("A*") }), [], "no other wildcards");
    assert.deepEqual(await names(eq(f("name"), arg(0)), "ada"), [], "== on strings is case-sensitive (binary collation)");
    assert.deepEqual(await names(eq(f("name"), arg(0)), "Ada "), [], "trailing spaces are not ignored (NO PAD collation)");
    assert.deepEqual(await names({ kind: "not", item: { kind: "like", left: f("name"), right: lit("%e%") } }), ["Ada", "Bob", "Cy"]);
    assert.deepEqual(
      await names({ kind: "or", items: [eq(f("name"), arg(0)), { kind: "and", items: [cmp(">=", f("age"), arg(1)), cmp("<", f("age"), lit(36))] }] }, "Bob", 18),
      ["Bob", "Cy"],
    );
    assert.deepEqual(await names({ kind: "truthy", operand: f("active") }), ["Ada", "Cy", "Dee"]);
    assert.deepEqual(await names({ kind: "not", item: { kind: "truthy", operand: f("active") } }), ["Bob"]);
    assert.deepEqual(await names(eq(f("active"), arg(0)), false), ["Bob"]);
    assert.deepEqual(await names(eq(f("active"), arg(0)), "true"), ["Ada", "Cy", "Dee"], "a query-string boolean compares as a boolean");
    assert.deepEqual(await names(cmp(">", f("born"), arg(0)), "1800-01-01"), ["Ada"]);
    assert.deepEqual(await names(cmp(">", f("score"), lit(9))), ["Ada"]);
    assert.deepEqual(await names({ kind: "and", items: [] }), ["Ada", "Bob", "Cy", "Dee"]);
    assert.deepEqual(await names({ kind: "or", items: [] }), []);

    const notes = ["a\\b%c", "a\\bxc", "50% off", "5 off", "wow!", "wow!!"];
    for (const text of notes) await s.insert("Note", { text });
    const like = async (pattern: string) => (await s.run(select("Note", { where: { kind: "like", left: f("text"), right: arg(0) } }), pattern)).map((r: any) => r.text);
    assert.deepEqual(await like("a\\\\b%"), ["a\\b%c", "a\\bxc"], "an escaped backslash is a backslash");
    assert.deepEqual(await like("a\\b%"), [], "a backslash makes the next character literal (here b)");
    assert.deepEqual(await like("50%"), ["50% off"]);
    assert.deepEqual(await like("50\\%%"), ["50% off"], "an escaped % is a percent sign");
    assert.deepEqual(await like("5\\_off"), [], "an escaped _ is an underscore");
    assert.deepEqual(await like("wow!"), ["wow!"], "the escape character used internally is literal in the pattern");
    assert.deepEqual(await like("wow!_"), ["wow!!"]);
  } finally {
    await s.cleanup();
  }
});

test("ORDER BY (NULLs first ascending, last descending), LIMIT and OFFSET; projection", async (t) => {
  const s = await seeded(t);
  if (s === undefined) return;
  try {
    const rows = await s.run(select("User", { orderBy: [desc("age"), asc("name")], limit: arg(0), offset: lit(1) }), 2);
    assert.deepEqual(rows.map((r: any) => r.name), ["Dee", "Cy"]);
    assert.deepEqual((await s.run(select("User", { orderBy: [asc("age")] }))).map((r: any) => r.name), ["Bob", "Cy", "Ada", "Dee"]);
    assert.deepEqual((await s.run(select("User", { orderBy: [desc("age")] }))).map((r: any) => r.name), ["Ada", "Dee", "Cy", "Bob"]);
    const projected = await s.run(select("User", { fields: ["email", "name"], orderBy: [asc("name")], limit: lit(1) }));
    assert.deepEqual(projected, [{ id: 1, email: "ada@x.io", name: "Ada" }]);
    const offsetOnly = await s.run(select("User", { orderBy: [asc("id")], offset: arg(0) }), "3");
    assert.deepEqual(offsetOnly.map((r: any) => r.name), ["Dee"]);
    await s.insert("Note", { text: "b" });
    await s.insert("Note", { text: "B" });
    await s.insert("Note", { text: "a" });
    await s.insert("Note", { text: "é" });
    const texts = (await s.run(select("Note", { orderBy: [asc("text")] }))).map((r: any) => r.text);
    assert.deepEqual(texts, ["B", "a", "b", "é"], "strings order by code point, as in the embedded store");
  } finally {
    await s.cleanup();
  }
});

test("unicode (emoji), large and negative ints, decimals, uuids and injection strings round-trip verbatim", async (t) => {
  const s = await openStore(t);
  if (s === undefined) return;
  try {
    const evil = "'; DROP TABLE `user`; --";
    const texts = ["héllo wörld", "日本語テキスト", "emoji 🚀👩‍💻", evil, 'quote " and \\ backslash', "", "x".repeat(70_000)];
    for (const text of texts) await s.insert("Note", { text, big: null });
    for (const text of texts) {
      const rows = await s.run(select("Note", { where: eq(f("text"), arg(0)) }), text);
      assert.equal(rows.length, 1, `found ${JSON.stringify(text.slice(0, 20))}`);
      assert.equal(rows[0].text, text);
    }
    const evilUser = await s.insert("User", { name: evil, email: `${evil}🚀@x.io` });
    assert.equal(evilUser.name, evil);
    assert.equal((await s.run(select("User", { where: eq(f("email"), arg(0)), single: true }), `${evil}🚀@x.io`)).id, evilUser.id);
    assert.equal((await s.run(select("User"))).length, 1, "the user table is still there");
    for (const big of [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, -1, 0, 2 ** 40]) {
      const row = await s.insert("Note", { text: "n", big });
      const read = await s.run(select("Note", { where: eq(f("id"), arg(0)), single: true }), row.id);
      assert.equal(read.big, big);
      assert.equal(typeof read.big, "number");
      assert.equal((await s.run(select("Note", { where: eq(f("big"), arg(0)) }), big)).length, 1);
    }
    for (const price of [0.1, 1234567.891, -0.000001, 1e-12, 12345678901234.5]) {
      const row = await s.insert("Item", { price });
      assert.equal((await s.run(select("Item", { where: eq(f("id"), arg(0)), single: true }), row.id)).price, price);
    }
    assert.equal((await s.insert("Item", { price: "19.99" })).price, 19.99, "a decimal given as text");
    const code = "A0B1C2D3-0000-4000-8000-00000000000F";
    await s.insert("Item", { code });
    const found = await s.run(select("Item", { where: eq(f("code"), arg(0)) }), code);
    assert.equal(found[0].code, code.toLowerCase(), "uuids are stored lower-case and matched in any case");
  } finally {
    await s.cleanup();
  }
});

test("datetimes are UTC with ms whatever the offset given; comparisons take ISO strings and epoch ms", async (t) => {
  const s = await openStore(t);
  if (s === undefined) return;
  try {
    await s.insert("Item", { due: "2024-03-10T23:30:00.123-05:00" });
    await s.insert("Item", { due: Date.UTC(2024, 2, 11, 3, 0, 0, 456) });
    await s.insert("Item", { due: "2024-03-11T06:00:00Z" });
    const all = await s.run(select("Item", { orderBy: [asc("due")] }));
    assert.deepEqual(all.map((r: any) => r.due), ["2024-03-11T03:00:00.456Z", "2024-03-11T04:30:00.123Z", "2024-03-11T06:00:00.000Z"]);
    const after = await s.run(select("Item", { where: cmp(">", f("due"), arg(0)) }), "2024-03-11T05:00:00+01:00");
    assert.deepEqual(after.map((r: any) => r.due), ["2024-03-11T04:30:00.123Z", "2024-03-11T06:00:00.000Z"]);
    const exact = await s.run(select("Item", { where: eq(f("due"), arg(0)) }), Date.UTC(2024, 2, 11, 4, 30, 0, 123));
    assert.equal(exact.length, 1, "epoch ms equals the stored instant");
  } finally {
    await s.cleanup();
  }
});

test("update, delete and save return the stored rows; single update of a missing row is null", async (t) => {
  const s = await seeded(t);
  if (s === undefined) return;
  try {
    const byId = eq(f("id"), arg(0));
    const updated = await s.run({ kind: "update", entity: "User", values: { kind: "object", operand: arg(1) }, where: byId, single: true }, 1, { age: 37 });
    assert.equal(updated.age, 37);
    assert.equal(updated.name, "Ada", "a partial update keeps the other fields");
    assert.equal(updated.role, "admin");
    assert.deepEqual(updated.meta, { tags: ["a"] });
    const none = await s.run({ kind: "update", entity: "User", values: { kind: "object", operand: arg(1) }, where: byId, single: true }, 99, { age: 1 });
    assert.equal(none, null);
    const many = await s.run({ kind: "update", entity: "User", values: { kind: "fields", fields: [{ field: "score", value: lit(1.25) }] }, where: null, single: false });
    assert.equal(many.length, 4);
    assert.ok(many.every((r: any) => r.score === 1.25));
    const noneMany = await s.run({ kind: "update", entity: "User", values: { kind: "object", operand: arg(1) }, where: byId, single: false }, 99, { age: 1 });
    assert.deepEqual(noneMany, []);
    await deleteAndSaveChecks(s);
    const removedMany = await s.run({ kind: "delete", entity: "User", where: cmp(">", f("id"), lit(3)), single: false });
    assert.deepEqual(removedMany.map((r: any) => r.name), ["Dee", "Eve", "Fay"]);
  } finally {
    await s.cleanup();
  }
});

test("transaction: writes commit together, or roll back together on error; work calling the driver joins it", async (t) => {
  const s = await openStore(t);
  if (s === undefined) return;
  try {
    await serverTransactionScenario(s, compile);
    await s.driver.transaction(async (tx) => {
      await tx.execute(compile(insertNoteText("kept")), []);
      await assert.rejects(tx.execute(compile({ kind: "insert", entity: "User", values: { kind: "object", operand: arg(0) } }), [{ name: "x".repeat(3), email: "e".repeat(300) }]), (e: any) => e.status === 400);
    });
    assert.equal((await s.run(select("Note"))).length, 5, "a failed statement inside a transaction does not undo the others");
  } finally {
    await s.cleanup();
  }
});

test("health reports the server; close is idempotent; execute after close is a 503", async (t) => {
  const s = await openStore(t);
  if (s === undefined) return;
  const report = await s.driver.health();
  assert.equal(report.ok, true);
  assert.match(report.detail, /MariaDB|MySQL/);
  assert.ok(report.detail.includes(s.database));
  await s.cleanup();
  await s.driver.close();
  await assert.rejects(s.run(select("User")), (e: any) => e.status === 503 && /'db' is unavailable/.test(e.message));
  assert.equal((await s.driver.health()).ok, false);
});
