/**
 * The CockroachDB driver's wire-compatible code paths run against the real PostgreSQL server:
 * its DDL (explicit sequences, statement-by-statement migration), its compiled statements, its
 * SERIALIZABLE transactions and its retry of serialization failures (SQLSTATE 40001, which
 * PostgreSQL raises under SERIALIZABLE exactly as CockroachDB does). What this cannot show is
 * CockroachDB's own acceptance of the SQL; see the README.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { QueryPlan } from "@kova/query";
import { admin, arg, compile, eq, f, openStore, select, serverUp } from "./helpers.js";

const insert: QueryPlan = { kind: "insert", entity: "Account", values: { kind: "object", operand: arg(0) } };
const byId = eq(f("id"), arg(0));
const setBalance: QueryPlan = { kind: "update", entity: "Account", values: { kind: "fields", fields: [{ field: "balance", value: arg(1) }] }, where: byId, single: true };
const readOne = select("Account", { where: byId, single: true });

test("migrate with sequences: ids and versions are small and sequential; history and AS OF work", async (t) => {
  if (!(await serverUp(t))) return;
  const s = await openStore();
  try {
    await s.driver.migrate([(await import("./helpers.js")).Account]);
    const rows = [];
    for (const owner of ["ann", "ben", "cat"]) rows.push(await s.run(insert, { owner, meta: { k: owner } }));
    assert.deepEqual(rows.map((r) => r.id), [1, 2, 3]);
    assert.deepEqual(Object.keys(rows[0]), ["id", "owner", "balance", "note", "opened", "meta"]);
    assert.equal(rows[0].balance, 0);
    const before = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await s.run(setBalance, 1, 50);
    const versions = await s.run({ kind: "history", entity: "Account", where: null, orderBy: [], limit: null, offset: null });
    assert.deepEqual(versions.map((v: any) => v.version), [1, 2, 3, 4]);
    assert.equal((await s.run({ ...readOne, asOf: arg(1) }, 1, before)).balance, 0);
    assert.equal((await s.run(readOne, 1)).balance, 50);
    await assert.rejects(s.run(insert, { owner: "ann" }), (e: any) => e.status === 409 && e.field === "owner");
    const defaults = await admin(async (c) =>
      (await c.query(`SELECT column_default FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'account' AND column_name = 'id'`, [s.schema])).rows[0].column_default,
    );
    assert.match(defaults, /nextval\('.*account__id_seq'::regclass\)/i);
  } finally {
    await s.cleanup();
  }
});

/** A read-then-write transaction: the pattern that conflicts under SERIALIZABLE. */
async function deposit(s: Awaited<ReturnType<typeof openStore>>, id: number, amount: number, pause?: Promise<void>) {
  return s.driver.transaction(async (tx) => {
    const row = (await tx.execute(compile(readOne), [id])) as any;
    await pause;
    return tx.execute(compile(setBalance), [id, row.balance + amount]);
  });
}

test("serialization failures (40001) are retried: 20 concurrent read-then-write deposits, none lost", async (t) => {
  if (!(await serverUp(t))) return;
  const s = await openStore({ retries: 50 });
  try {
    const account = await s.run(insert, { owner: "ann" });
    await Promise.all(Array.from({ length: 20 }, () => deposit(s, account.id, 10)));
    assert.equal((await s.run(readOne, account.id)).balance, 200, "every deposit counted once");
    const versions = await s.run({ kind: "history", entity: "Account", where: byId, orderBy: [], limit: null, offset: null }, account.id);
    assert.equal(versions.length, 21, "one version per committed write; retried attempts left none");
  } finally {
    await s.cleanup();
  }
});

test("a conflict that outlasts the retries is a 503 naming the data source", async (t) => {
  if (!(await serverUp(t))) return;
  const s = await openStore({ retries: 1 });
  try {
    const account = await s.run(insert, { owner: "ann" });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // Both transactions read balance 0; the first writes and commits; the second's write then
    // conflicts, and with one try allowed it is not retried.
    const second = deposit(s, account.id, 1, gate);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await deposit(s, account.id, 100);
    release();
    await assert.rejects(second, (e: any) => e.status === 503 && /^data source 'bank' is unavailable: .*conflict/.test(e.message));
    assert.equal((await s.run(readOne, account.id)).balance, 100);
  } finally {
    await s.cleanup();
  }
});

test("with retries, the same conflict is retried and both deposits count", async (t) => {
  if (!(await serverUp(t))) return;
  const s = await openStore();
  try {
    const account = await s.run(insert, { owner: "ann" });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let attempts = 0;
    const second = s.driver.transaction(async (tx) => {
      attempts++;
      const row = (await tx.execute(compile(readOne), [account.id])) as any;
      await gate;
      return tx.execute(compile(setBalance), [account.id, row.balance + 1]);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await deposit(s, account.id, 100);
    release();
    assert.equal(((await second) as any).balance, 101);
    assert.equal(attempts, 2, "the work ran again after the conflict");
  } finally {
    await s.cleanup();
  }
});
