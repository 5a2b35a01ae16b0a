import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { QueryPlan } from "@kova/query";
import { createPostgresDriver } from "../src/index.js";
import { admin, arg, compile, eq, f, openStore, PG_URL, select, serverUp, sleep } from "./helpers.js";

/** Terminates every backend of the pool named `app` from another session (as a DBA or a failover would). */
async function terminate(app: string): Promise<number> {
  return admin(async (c) => {
    const result = await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()`, [app]);
    return result.rowCount ?? 0;
  });
}

test("unreachable at connect: retries with backoff, then a clear error naming the data source and address", async () => {
  const started = Date.now();
  const driver = createPostgresDriver({ name: "orders", appDir: ".", options: { url: "postgres://kova:s3cret@127.0.0.1:1/shop", connectRetries: 3 } });
  await assert.rejects(driver.connect(), (e: any) => {
    assert.match(e.message, /^cannot connect data source "orders" to postgres:\/\/kova@127\.0\.0\.1:1\/shop: /);
    assert.match(e.message, /ECONNREFUSED|refused/);
    assert.doesNotMatch(e.message, /s3cret/, "the password is never shown");
    assert.doesNotMatch(e.message, /\n\s+at /, "no stack trace in the message");
    return true;
  });
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 700, `waited between tries (250 + 500 ms), took ${elapsed} ms`);
  assert.ok(elapsed < 5000, `gave up in time, took ${elapsed} ms`);
  await assert.rejects(driver.execute(compile(select("User")), []), (e: any) => e.status === 503);
  await driver.close();
});

test("a wrong database is reported at once, without retrying", async (t) => {
  if (!(await serverUp(t))) return;
  const url = new URL(PG_URL);
  url.pathname = "/no_such_database_kova";
  const started = Date.now();
  const driver = createPostgresDriver({ name: "db", appDir: ".", options: url.toString() });
  await assert.rejects(driver.connect(), /cannot connect data source "db" to postgres:\/\/.*\/no_such_database_kova: .*does not exist/);
  assert.ok(Date.now() - started < 1000);
});

test("connection loss: in-flight work fails with 503, then the pool reconnects by itself", async (t) => {
  if (!(await serverUp(t))) return;
  const app = `kova_test_${randomBytes(4).toString("hex")}`;
  const s = await openStore({ options: { applicationName: app } });
  try {
    const note = await s.insert("Note", { text: "before" });
    const read = compile(select("Note", { where: eq(f("id"), arg(0)), single: true }));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const begun = new Promise<void>((resolve) => (started = resolve));
    const inFlight = s.driver.transaction(async (tx) => {
      await tx.execute(read, [note.id]);
      started();
      await gate;
      return tx.execute(read, [note.id]);
    });
    await begun;
    assert.ok((await terminate(app)) >= 1, "the pool's backends were terminated");
    release();
    await assert.rejects(inFlight, (e: any) => {
      assert.equal(e.name, "QueryError");
      assert.equal(e.status, 503);
      assert.match(e.message, /^data source 'db' is unavailable: /);
      return true;
    });
    // Idle connections died too; the pool drops them and opens new ones.
    const after = await s.run(select("Note", { where: eq(f("id"), arg(0)), single: true }), note.id);
    assert.equal(after.text, "before");
    const written = await s.insert("Note", { text: "after" });
    assert.equal(written.text, "after");
    assert.equal((await s.driver.health()).ok, true);

    // Kill again while idle, wait for the pool to notice, and write (a write is never retried).
    await terminate(app);
    await sleep(100);
    assert.equal((await s.insert("Note", { text: "after again" })).text, "after again");
  } finally {
    await s.cleanup();
  }
});

test("statementTimeoutMs: a statement blocked past the limit is cancelled with a 503", async (t) => {
  if (!(await serverUp(t))) return;
  const s = await openStore({ options: { statementTimeoutMs: 300 } });
  try {
    const note = await s.insert("Note", { text: "locked" });
    const update: QueryPlan = { kind: "update", entity: "Note", values: { kind: "object", operand: arg(1) }, where: eq(f("id"), arg(0)), single: true };
    await admin(async (c) => {
      await c.query("BEGIN");
      await c.query(`SELECT * FROM ${s.schema}.note WHERE id = $1 FOR UPDATE`, [note.id]);
      const started = Date.now();
      await assert.rejects(s.run(update, note.id, { text: "blocked" }), (e: any) => e.status === 503 && /time limit/.test(e.message));
      const waited = Date.now() - started;
      assert.ok(waited >= 250 && waited < 3000, `cancelled after about 300 ms (took ${waited} ms)`);
      await c.query("ROLLBACK");
    });
    assert.equal((await s.run(update, note.id, { text: "free" })).text, "free", "the next statement runs normally");
  } finally {
    await s.cleanup();
  }
});

test("pool.max bounds the connections: 30 parallel queries on a pool of 2", async (t) => {
  if (!(await serverUp(t))) return;
  const app = `kova_test_${randomBytes(4).toString("hex")}`;
  const s = await openStore({ options: { applicationName: app, pool: { max: 2 } } });
  try {
    await Promise.all(Array.from({ length: 30 }, (_, i) => s.insert("Note", { text: `n${i}` })));
    const open = await admin(async (c) => (await c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`, [app])).rows[0].n);
    assert.ok(open >= 1 && open <= 2, `${open} connections open`);
    assert.equal((await s.run(select("Note"))).length, 30);
  } finally {
    await s.cleanup();
  }
});
