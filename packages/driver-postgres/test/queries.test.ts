import { test } from "node:test";
import assert from "node:assert/strict";
import type { QueryPlan } from "@kova/query";
import postgres from "postgres";
import { arg, asc, cmp, compile, desc, eq, f, lit, openStore, PG_URL, select, serverUp, type Store } from "./helpers.js";
import { deleteAndSaveChecks, insertNoteText, serverTransactionScenario } from "@kova/query/testing";
import { kovaTypes } from "../src/index.js";

async function seeded(): Promise<Store> {
  const s = await openStore();
  await s.insert("User", { name: "Ada", email: "ada@x.io", age: 36, score: 9.5, meta: { tags: ["a"] }, born: "1815-12-10", role: "admin" });
  await s.insert("User", { name: "Bob", email: "bob@x.io", age: null, active: false });
  await s.insert("User", { name: "Cy", email: "cy@x.io", age: 20 });
  await s.insert("User", { name: "Dee", email: "dee@x.io", age: 36, role: "member" });
  return s;
}

test("insert returns the stored row: id first, fields in declaration order, JS types", async (t) => {
  if (!(await serverUp(t))) return;
  const s = await openStore();
  try {
    const row = await s.insert("User", { id: 999, name: "Ada", email: "a@x.io", age: 36, score: 1.5, meta: { k: [1, true] }, born: "2000-02-29", joined: "2024-01-02T03:04:05+01:00" });
    assert.deepEqual(Object.keys(row), ["id", "name", "email", "age", "score", "active", "meta", "born", "joined", "role"]);
    assert.equal(row.id, 1, "the store assigns the id; the body's id is ignored");
    assert.equal(row.active, true, "default applied and returned as a boolean");
    assert.deepEqual(row.meta, { k: [1, true] });
    assert.equal(row.born, "2000-02-29");
    assert.equal(row.joined, "2024-01-02T02:04:05.000Z", "datetimes come back as ISO-8601 UTC with ms");
    const read = await s.run(select("User", { where: eq(f("id"), arg(0)), single: true }), row.id);
    assert.deepEqual(read, row);
    assert.deepEqual(Object.keys(read), Object.keys(row));
    const defaulted = await s.insert("User", { name: "B", email: "b@x.io" });
    assert.equal(defaulted.id, 2);
    assert.ok(Math.abs(Date.parse(defaulted.joined) - Date.now()) < 5000, "{now:true} default is the current time");
    assert.equal(defaulted.age, null);
  } finally {
    await s.cleanup();
  }
});

test("single select returns null when no row matches; a list select returns []", async (t) => {
  if (!(await serverUp(t))) return;
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

test("null-safe equality: == null finds nulls, != value keeps nulls, argument null matches null", async (t) => {
  if (!(await serverUp(t))) return;
  const s = await seeded();
  try {
    const names = (rows: any[]) => rows.map((r) => r.name);
    assert.deepEqual(names(await s.run(select("User", { where: eq(f("age"), lit(null)) }))), ["Bob"]);
    assert.deepEqual(names(await s.run(select("User", { where: eq(f("age"), arg(0)) }), null)), ["Bob"]);
    assert.deepEqual(names(await s.run(select("User", { where: eq(f("age"), arg(0)) }), 36)), ["Ada", "Dee"]);
    assert.deepEqual(names(await s.run(select("User", { where: eq(arg(0), f("age")) }), null)), ["Bob"], "argument on the left");
    assert.deepEqual(names(await s.run(select("User", { where: cmp("!=", f("age"), arg(0)) }), 36)), ["Bob", "Cy"]);
    assert.deepEqual(names(await s.run(select("User", { where: cmp("!=", f("age"), lit(null)) }))), ["Ada", "Cy", "Dee"]);
    assert.deepEqual(names(await s.run(select("User", { where: cmp("!=", f("role"), arg(0)) }), null)), ["Ada", "Dee"]);
    assert.deepEqual(names(await s.run(select("User", { where: eq(f("role"), f("role")) }))), ["Ada", "Bob", "Cy", "Dee"], "field == field holds for nulls");
    assert.deepEqual(names(await s.run(select("User", { where: { kind: "isNull", operand: f("role"), negated: false } }))), ["Bob", "Cy"]);
    assert.deepEqual(names(await s.run(select("User", { where: { kind: "isNull", operand: f("role"), negated: true } }))), ["Ada", "Dee"]);
  } finally {
    await s.cleanup();
  }
});

test("IN, LIKE (case-sensitive), NOT, AND/OR, truthy, comparisons", async (t) => {
  if (!(await serverUp(t))) return;
  const s = await seeded();
  try {
    const names = async (where: any, ...args: unknown[]) => (await s.run(select("User", { where }), ...args)).map((r: any) => r.name);
    assert.deepEqual(await names({ kind: "in", left: f("name"), right: arg(0) }, ["Cy", "Ada", "Zed"]), ["Ada", "Cy"]);
    assert.deepEqual(await names({ kind: "in", left: f("age"), right: arg(0) }, []), []);
    assert.deepEqual(await names({ kind: "in", left: f("age"), right: arg(0) }, [20, "36", null]), ["Ada", "Cy", "Dee"], "IN never matches null");
    assert.deepEqual(await names({ kind: "in", left: f("active"), right: arg(0) }, [false]), ["Bob"]);
    assert.deepEqual(await names({ kind: "like", left: f("email"), right: arg(0) }, "%e@x.io"), ["Dee"]);
    assert.deepEqual(await names({ kind: "like", left: f("name"), right: arg(0) }, "_y"), ["Cy"]);
    assert.deepEqual(await names({ kind: "like", left: f("name"), right: arg(0) }, "ada"), [], "LIKE is case-sensitive");
    assert.deepEqual(await names({ kind: "like", left: f("name"), right: lit("A*") }), [], "other wildcards are literal");
    assert.deepEqual(await names({ kind: "not", item: { kind: "like", left: f("name"), right: lit("%e%") } }), ["Ada", "Bob", "Cy"]);
    assert.deepEqual(
      await names({ kind: "or", items: [eq(f("name"), arg(0)), { kind: "and", items: [cmp(">=", f("age"), arg(1)), cmp("<", f("age"), lit(36))] }] }, "Bob", 18),
      ["Bob", "Cy"],
    );
    assert.deepEqual(await names({ kind: "and", items: [] }), ["Ada", "Bob", "Cy", "Dee"]);
    assert.deepEqual(await names({ kind: "or", items: [] }), []);
    assert.deepEqual(await names({ kind: "truthy", operand: f("active") }), ["Ada", "Cy", "Dee"]);
    assert.deepEqual(await names(eq(f("active"), arg(0)), false), ["Bob"]);
    assert.deepEqual(await names(cmp(">", f("born"), arg(0)), "1800-01-01"), ["Ada"]);
    assert.deepEqual(await names(cmp(">", f("score"), lit(9))), ["Ada"]);
    assert.deepEqual(await names(eq(f("meta"), arg(0)), { tags: ["a"] }), ["Ada"], "json compares by value");
  } finally {
    await s.cleanup();
  }
});

test("ORDER BY (nulls first ascending, last descending), LIMIT and OFFSET; projection", async (t) => {
  if (!(await serverUp(t))) return;
  const s = await seeded();
  try {
    const rows = await s.run(select("User", { orderBy: [desc("age"), asc("name")], limit: arg(0), offset: lit(1) }), 2);
    assert.deepEqual(rows.map((r: any) => r.name), ["Dee", "Cy"]);
    assert.deepEqual((await s.run(select("User", { orderBy: [asc("age")] }))).map((r: any) => r.name), ["Bob", "Cy", "Ada", "Dee"], "null first, ties by id");
    assert.deepEqual((await s.run(select("User", { orderBy: [desc("age")] }))).map((r: any) => r.name), ["Ada", "Dee", "Cy", "Bob"], "null last descending");
    const projected = await s.run(select("User", { fields: ["email", "name"], orderBy: [asc("name")], limit: lit(1) }));
    assert.deepEqual(projected, [{ id: 1, email: "ada@x.io", name: "Ada" }]);
    const offsetOnly = await s.run(select("User", { orderBy: [asc("id")], offset: arg(0) }), "3");
    assert.deepEqual(offsetOnly.map((r: any) => r.name), ["Dee"]);
  } finally {
    await s.cleanup();
  }
});

test("unicode, big and negative ints, decimals, uuids, injection strings: stored and matched verbatim", async (t) => {
  if (!(await serverUp(t))) return;
  const s = await openStore();
  try {
    const evil = "'; DROP TABLE \"user\"; --";
    const texts = ["héllo wörld", "日本語テキスト", "emoji 🚀👩‍💻", evil, 'quote " and \\ backslash', "50% off_", ""];
    for (const text of texts) await s.insert("Note", { text, big: null });
    for (const text of texts) {
      const rows = await s.run(select("Note", { where: eq(f("text"), arg(0)) }), text);
      assert.equal(rows.length, 1, `found ${JSON.stringify(text)}`);
      assert.equal(rows[0].text, text);
    }
    const like = await s.run(select("Note", { where: { kind: "like", left: f("text"), right: arg(0) } }), "%\\ back%");
    assert.deepEqual(like.map((r: any) => r.text), ['quote " and \\ backslash'], "a backslash in a LIKE pattern is an ordinary character");
    const evilUser = await s.insert("User", { name: evil, email: `${evil}@x.io` });
    assert.equal(evilUser.name, evil);
    assert.equal((await s.run(select("User"))).length, 1, "the user table is still there");
    for (const big of [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, -1, 0, 2 ** 40]) {
      const row = await s.insert("Note", { text: "n", big });
      const read = await s.run(select("Note", { where: eq(f("id"), arg(0)), single: true }), row.id);
      assert.equal(read.big, big);
      assert.equal(typeof read.big, "number");
      assert.equal((await s.run(select("Note", { where: eq(f("big"), arg(0)) }), big)).length, 1);
    }
    for (const price of [0.1, 1234567.89, -0.005, 1e-7, 123456789012.5]) {
      const row = await s.insert("Note", { text: "p", price });
      assert.equal(row.price, price, `decimal ${price} reads back as the same number`);
    }
    assert.equal((await s.insert("Note", { text: "p", price: "19.99" })).price, 19.99, "a decimal may be given as a numeric string");
    const uid = "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11";
    const withUid = await s.insert("Note", { text: "u", uid });
    assert.equal(withUid.uid, uid.toLowerCase());
    assert.equal((await s.run(select("Note", { where: eq(f("uid"), arg(0)) }), uid)).length, 1, "uuid matched case-insensitively");
  } finally {
    await s.cleanup();
  }
});

test("datetimes and dates: time zones normalised to UTC, dates never shifted, compared as instants", async (t) => {
  if (!(await serverUp(t))) return;
  const s = await openStore();
  try {
    const a = await s.insert("User", { name: "A", email: "a@x", joined: "2024-03-10T23:30:00.123-08:00", born: "2024-01-01" });
    const b = await s.insert("User", { name: "B", email: "b@x", joined: Date.UTC(2024, 2, 11, 7, 30, 0, 124), born: "1969-12-31" });
    assert.equal(a.joined, "2024-03-11T07:30:00.123Z");
    assert.equal(b.joined, "2024-03-11T07:30:00.124Z", "epoch milliseconds are accepted");
    assert.equal(a.born, "2024-01-01");
    assert.equal(b.born, "1969-12-31");
    const later = await s.run(select("User", { where: cmp(">", f("joined"), arg(0)) }), "2024-03-11T08:30:00.123+01:00");
    assert.deepEqual(later.map((r: any) => r.name), ["B"], "an instant in another zone compares as the same instant");
    assert.deepEqual((await s.run(select("User", { where: eq(f("born"), arg(0)) }), "1969-12-31")).map((r: any) => r.name), ["B"]);
  } finally {
    await s.cleanup();
  }
});

test("the type parsers read the server's own text in any session time zone", async (t) => {
  if (!(await serverUp(t))) return;
  const sql = postgres(PG_URL, { max: 1, types: kovaTypes as any, onnotice: () => undefined });
  try {
    for (const zone of ["UTC", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Chatham"]) {
      await sql.unsafe(`SET TimeZone = '${zone}'`);
      const rows = await sql.unsafe(
        "SELECT '2024-03-11T07:30:00.123456Z'::timestamptz AS t, '1969-12-31'::date AS d, 9007199254740991::int8 AS i, 12.5::numeric AS n, '0099-05-06T01:02:03Z'::timestamptz AS old, '{1,null,3}'::int8[] AS list",
      );
      assert.deepEqual({ ...rows[0] }, { t: "2024-03-11T07:30:00.123Z", d: "1969-12-31", i: 9007199254740991, n: 12.5, old: "0099-05-06T01:02:03.000Z", list: [1, null, 3] }, zone);
    }
    await assert.rejects(sql.unsafe("SELECT 9007199254740992::int8 AS i"), /beyond ±9007199254740991/);
    await assert.rejects(sql.unsafe("SELECT '{9007199254740992}'::int8[] AS i"), /beyond ±9007199254740991/);
  } finally {
    await sql.end();
  }
});

test("update, delete and save return the stored rows; single update of a missing row is null", async (t) => {
  if (!(await serverUp(t))) return;
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
    assert.deepEqual(many.map((r: any) => r.id), [1, 2, 3, 4], "rows come back by id");
    assert.ok(many.every((r: any) => r.score === 1.25));
    await deleteAndSaveChecks(s);
    const deletedMany = await s.run({ kind: "delete", entity: "User", where: cmp(">", f("id"), lit(3)), single: false });
    assert.deepEqual(deletedMany.map((r: any) => r.name), ["Dee", "Eve", "Fay"]);
  } finally {
    await s.cleanup();
  }
});

test("transaction: writes commit together or roll back together; work calling the driver joins it", async (t) => {
  if (!(await serverUp(t))) return;
  const s = await openStore();
  try {
    await serverTransactionScenario(s, compile);

    // A statement that fails inside a transaction (here a 409) undoes only itself, as in the
    // embedded store: work that catches the error goes on and commits.
    const insertUser = compile({ kind: "insert", entity: "User", values: { kind: "object", operand: arg(0) } });
    await s.driver.transaction(async (tx) => {
      await tx.execute(insertUser, [{ name: "A", email: "same@x" }]);
      await assert.rejects(tx.execute(insertUser, [{ name: "B", email: "same@x" }]), (e: any) => e.status === 409);
      await assert.rejects(s.run(select("User", { where: eq(f("age"), arg(0)) }), "not a number"), (e: any) => e.status === 400);
      await tx.execute(compile(insertNoteText("after the conflict")), []);
    });
    assert.deepEqual((await s.run(select("User"))).map((r: any) => r.name), ["A"]);
    assert.equal((await s.run(select("Note"))).length, 5);
  } finally {
    await s.cleanup();
  }
});

test("health runs SELECT 1 and names the address; close is idempotent; execute after close is a 503", async (t) => {
  if (!(await serverUp(t))) return;
  const s = await openStore({ options: { password: "not-shown-anywhere" } });
  const report = await s.driver.health();
  assert.equal(report.ok, true);
  assert.match(report.detail, /^postgres postgres:\/\/postgres@127\.0\.0\.1:5432\/test \(pool: /);
  assert.doesNotMatch(report.detail, /not-shown/);
  await s.cleanup();
  await s.driver.close();
  await assert.rejects(s.run(select("User")), (e: any) => e.status === 503 && /data source 'db' is unavailable/.test(e.message));
  assert.equal((await s.driver.health()).ok, false);
});
