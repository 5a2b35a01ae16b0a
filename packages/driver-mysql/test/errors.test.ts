import { test } from "node:test";
import assert from "node:assert/strict";
import type { QueryPlan } from "@kova/query";
import { createMysqlDriver } from "../src/index.js";
import { adminConnection, arg, compile, eq, f, openStore, select, serverOrSkip, sleep, MYSQL_URL } from "./helpers.js";
import { rejectsWith, userWriteValueChecks } from "@kova/query/testing";

const insertUser: QueryPlan = { kind: "insert", entity: "User", values: { kind: "object", operand: arg(0) } };
const updateUser: QueryPlan = { kind: "update", entity: "User", values: { kind: "object", operand: arg(1) }, where: eq(f("id"), arg(0)), single: true };

test("write values are checked against the schema: 400 naming the field", async (t) => {
  const s = await openStore(t);
  if (s === undefined) return;
  try {
    const ok = { name: "Ada", email: "a@x.io" };
    await userWriteValueChecks(s);
    await assert.rejects(s.run(insertUser, { ...ok, age: -(2 ** 53) }), rejectsWith(400, "age", /between/));
    await assert.rejects(s.run(insertUser, { ...ok, born: "0999-12-31" }), rejectsWith(400, "born", /years 1000/));
    await assert.rejects(s.run(insertUser, { ...ok, email: "é".repeat(256) }), rejectsWith(400, "email", /at most 255 characters/));
    assert.deepEqual(await s.run(select("User")), [], "nothing was written");
    assert.deepEqual(await s.run({ kind: "history", entity: "User", where: null, orderBy: [], limit: null, offset: null }), [], "no version either");
    const stored = await s.run(insertUser, { ...ok, email: "🚀".repeat(255) });
    assert.equal(stored.email, "🚀".repeat(255), "255 characters fit, even 4-byte ones");
    await assert.rejects(s.run(updateUser, stored.id, { age: "old" }), rejectsWith(400, "age", /integer/));
    await assert.rejects(s.run(updateUser, stored.id, { email: null }), rejectsWith(400, "email", /required/));
  } finally {
    await s.cleanup();
  }
});

test("a UNIQUE violation is a 409 naming the field, and leaves no version behind", async (t) => {
  const s = await openStore(t);
  if (s === undefined) return;
  try {
    await s.run(insertUser, { name: "Ada", email: "a@x.io" });
    const bob = await s.run(insertUser, { name: "Bob", email: "b@x.io" });
    await assert.rejects(s.run(insertUser, { name: "Eve", email: "a@x.io" }), rejectsWith(409, "email", /email already exists/));
    await assert.rejects(s.run(updateUser, bob.id, { email: "a@x.io" }), rejectsWith(409, "email", /already exists/));
    const save: QueryPlan = { kind: "save", entity: "User", values: { kind: "object", operand: arg(0) } };
    await assert.rejects(s.run(save, { id: bob.id, name: "Bob", email: "a@x.io" }), rejectsWith(409, "email", /already exists/));
    assert.ok(await s.run(insertUser, { name: "Al", email: "A@x.io" }), "UNIQUE is case-sensitive like ==");
    const versions = await s.run({ kind: "history", entity: "User", where: null, orderBy: [], limit: null, offset: null });
    assert.equal(versions.length, 3);
    assert.equal((await s.run(select("User", { where: eq(f("id"), arg(0)), single: true }), bob.id)).email, "b@x.io");
  } finally {
    await s.cleanup();
  }
});

test("the driver refuses another dialect's statements and unknown entities at compile time", async (t) => {
  const s = await openStore(t);
  if (s === undefined) return;
  try {
    await assert.rejects(s.driver.execute({ dialect: "sqlite", plan: select("User") }, []), /MySQL statements, not sqlite/);
    const { mysqlDialect } = await import("../src/index.js");
    assert.throws(() => mysqlDialect.compile(select("Ghost"), new Map()), /entity Ghost, which is not declared/);
  } finally {
    await s.cleanup();
  }
});

/** The ids of the server connections the driver's pool holds (they are the only ones on its database). */
async function poolConnectionIds(admin: Awaited<ReturnType<typeof adminConnection>>, database: string): Promise<number[]> {
  const [rows] = await admin.query("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()", [database]);
  return (rows as Array<{ ID: number }>).map((r) => Number(r.ID));
}

test("connection loss: KILLed pool connections give 503, then the pool recovers by itself", async (t) => {
  const s = await openStore(t);
  if (s === undefined) return;
  const admin = await adminConnection();
  try {
    const ada = await s.run(insertUser, { name: "Ada", email: "a@x.io" });
    await Promise.all(Array.from({ length: 5 }, () => s.run(select("User"))));

    // A statement in flight when its connection is killed: the admin session holds Ada's row lock,
    // the driver's update waits for it, and the driver's connection is killed meanwhile.
    await admin.query(`USE \`${s.database}\``);
    await admin.query("START TRANSACTION");
    await admin.query("SELECT id FROM `user` WHERE id = ? FOR UPDATE", [ada.id]);
    const blocked = s.run(updateUser, ada.id, { age: 1 });
    await sleep(300);
    await admin.query("USE test");
    const ids = await poolConnectionIds(admin, s.database);
    assert.ok(ids.length >= 1, "the pool has connections to kill");
    for (const id of ids) await admin.query(`KILL ${id}`);
    await assert.rejects(blocked, (e: any) => e.name === "QueryError" && e.status === 503 && /data source 'db' is unavailable/.test(e.message));
    await admin.query("ROLLBACK");

    // A transaction whose connection is killed between statements fails with 503 and leaves nothing.
    await assert.rejects(
      s.driver.transaction(async (tx) => {
        await tx.execute(compile(insertUser), [{ name: "Tx", email: "tx@x.io" }]);
        for (const id of await poolConnectionIds(admin, s.database)) await admin.query(`KILL ${id}`);
        await sleep(50);
        await tx.execute(compile(insertUser), [{ name: "Tx2", email: "tx2@x.io" }]);
      }),
      (e: any) => e.status === 503,
    );

    // Recovery: within a few tries (idle connections killed meanwhile may fail once each) reads work.
    let rows: any[] | undefined;
    const failures: number[] = [];
    for (let attempt = 0; attempt < 15 && rows === undefined; attempt++) {
      try {
        rows = await s.run(select("User"));
      } catch (error: any) {
        assert.equal(error.status, 503, String(error));
        failures.push(attempt);
        await sleep(100);
      }
    }
    assert.ok(rows !== undefined, "the pool recovered");
    assert.deepEqual(rows.map((r: any) => [r.name, r.age]), [["Ada", null]], "the killed update and transaction left nothing behind");
    const written = await s.run(insertUser, { name: "After", email: "after@x.io" });
    assert.equal(written.name, "After", "writes work again");
    assert.equal((await s.driver.health()).ok, true);
  } finally {
    await admin.end();
    await s.cleanup();
  }
});

test("a statement over statementTimeoutMs is stopped with a 503", async (t) => {
  const s = await openStore(t, { statementTimeoutMs: 300 });
  if (s === undefined) return;
  const admin = await adminConnection();
  try {
    const ada = await s.run(insertUser, { name: "Ada", email: "a@x.io" });
    await admin.query(`USE \`${s.database}\``);
    await admin.query("START TRANSACTION");
    await admin.query("SELECT id FROM `user` WHERE id = ? FOR UPDATE", [ada.id]);
    const started = Date.now();
    await assert.rejects(s.run(updateUser, ada.id, { age: 1 }), (e: any) => e.status === 503 && /time limit/.test(e.message));
    assert.ok(Date.now() - started < 3000, "stopped near the limit, not at the 50 s lock timeout");
    await admin.query("ROLLBACK");
    assert.equal((await s.run(updateUser, ada.id, { age: 2 })).age, 2, "the next statement runs");
  } finally {
    await admin.end();
    await s.cleanup();
  }
});

test("an unreachable server fails connect() after retries with a message naming the data source and address, not the password", async (t) => {
  const driver = createMysqlDriver({
    name: "orders",
    appDir: "/nonexistent",
    options: { host: "127.0.0.1", port: 1, user: "app", password: "s3cret-pw", database: "shop", connectRetries: 3 },
  });
  const started = Date.now();
  await assert.rejects(driver.connect(), (e: any) => {
    assert.match(e.message, /data source "orders"/);
    assert.match(e.message, /app@127\.0\.0\.1:1\/shop/);
    assert.match(e.message, /ECONNREFUSED/);
    assert.doesNotMatch(e.message, /s3cret/);
    return true;
  });
  assert.ok(Date.now() - started >= 700, "it retried with backoff (250 + 500 ms)");
  await driver.close();
  if (!(await serverOrSkip(t))) return;
  const url = new URL(MYSQL_URL);
  url.username = "kova_no_such_user";
  url.password = "s3cret-pw";
  const denied = createMysqlDriver({ name: "db", appDir: "/nonexistent", options: url.toString() });
  await assert.rejects(denied.connect(), (e: any) => /data source "db"/.test(e.message) && /Access denied/.test(e.message) && !/s3cret-pw/.test(e.message));
  await assert.rejects(createMysqlDriver({ name: "db", appDir: "/", options: 42 }).connect(), /data source "db": the mysql driver needs a URL/);
  await assert.rejects(createMysqlDriver({ name: "db", appDir: "/", options: "mysql://root@localhost" }).connect(), /data source "db": no database named/);
});
