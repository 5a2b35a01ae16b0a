// @kova/store API: versioned put/get/delete, AS OF, history, pages, batches, the change feed,
// filters and aggregates, bad input, and writers in several processes.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import {
  CollectionNotFoundError,
  InvalidCollectionError,
  InvalidFieldError,
  InvalidInstantError,
  InvalidKeyError,
  InvalidValueError,
  KeyNotFoundError,
  openStore,
  ReadOnlyCollectionError,
  ValueTooLargeError,
  type Store,
} from "../src/index.js";

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "kova-store-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function fresh<S extends Record<string, unknown> = Record<string, any>>(t: TestContext): Promise<Store<S>> {
  const store = await openStore<S>(tempDir(t));
  t.after(() => store.close());
  return store;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 3));

interface User {
  name: string;
  age: number;
}

test("put, get, delete, getAt and history: every write a version, any instant readable", async (t) => {
  const store = await fresh<{ users: User }>(t);
  const v1 = store.put("users", "alice", { name: "Alice", age: 30 });
  await tick();
  const afterFirst = new Date();
  await tick();
  const v2 = store.put("users", "alice", { name: "Alice", age: 31 });
  assert.ok(v2.version > v1.version);
  assert.deepEqual(store.get("users", "alice"), { name: "Alice", age: 31 });
  assert.deepEqual(store.getAt("users", "alice", afterFirst), { name: "Alice", age: 30 });
  assert.deepEqual(store.getAt("users", "alice", afterFirst.toISOString()), { name: "Alice", age: 30 });
  assert.equal(store.getAt("users", "alice", Date.parse(v1.at) - 1), undefined, "before the first write: nothing");
  await tick();
  assert.equal(store.delete("users", "alice"), true);
  assert.equal(store.delete("users", "alice"), false, "deleting again changes nothing");
  const deletedAt = new Date();
  assert.equal(store.get("users", "alice"), undefined);
  assert.equal(store.getAt("users", "alice", deletedAt), undefined);
  assert.deepEqual(store.getAt("users", "alice", afterFirst), { name: "Alice", age: 30 }, "history survives the delete");
  await tick();
  store.put("users", "alice", { name: "Alice again", age: 1 });
  const history = store.history("users", "alice");
  assert.deepEqual(history.map((h) => h.operation), ["insert", "update", "delete", "insert"]);
  assert.deepEqual(history.map((h) => h.value?.age), [30, 31, 31, 1]);
  for (let i = 1; i < history.length; i++) {
    assert.ok(history[i].version > history[i - 1].version);
    assert.ok(history[i].at >= history[i - 1].at);
  }
  assert.equal(store.history("users", "nobody").length, 0);
  assert.throws(() => store.require("users", "alic"), (e: unknown) => e instanceof KeyNotFoundError && e.message === "Key 'users/alic' not found. Did you mean users/alice?");
});

test("list: key order, prefix, limit and cursor pages cover every key once", async (t) => {
  const store = await fresh(t);
  const keys = Array.from({ length: 25 }, (_, i) => `sensor/${String(i).padStart(2, "0")}`);
  store.putMany([...keys.map((key, i) => ({ collection: "readings", key, value: i })), { collection: "readings", key: "other", value: -1 }]);
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = store.list("readings", { prefix: "sensor/", limit: 10, cursor });
    assert.ok(page.items.length <= 10);
    seen.push(...page.items.map((i) => i.key));
    cursor = page.cursor;
  } while (cursor !== undefined);
  assert.deepEqual(seen, keys);
  assert.deepEqual(store.list("readings", { limit: 2 }).items.map((i) => i.key), ["other", "sensor/00"]);
  assert.equal(store.list("readings").items.length, 26);
  assert.throws(() => store.list("readings", { cursor: "!!" }), /invalid cursor/);
  assert.throws(() => store.list("readings", { limit: 0 }), /invalid limit 0/);
});

test("putMany is one transaction: a failing item leaves nothing written", async (t) => {
  const store = await fresh(t);
  const result = store.putMany([
    { collection: "a", key: "1", value: { n: 1 } },
    { collection: "b", key: "1", value: { n: 2 } },
    { collection: "a", key: "1", delete: true },
  ]);
  assert.equal(result.written, 3);
  assert.equal(store.get("a", "1"), undefined);
  assert.deepEqual(store.get("b", "1"), { n: 2 });
  assert.throws(() => store.putMany([{ collection: "b", key: "2", value: 2 }, { collection: "b", key: "", value: 3 }]), InvalidKeyError);
  assert.equal(store.get("b", "2"), undefined, "validated before anything is written");
  // An entity collection (a Kova app's) refuses writes mid-batch: the earlier item rolls back.
  registerAppEntity(store.db);
  assert.throws(() => store.putMany([{ collection: "b", key: "3", value: 3 }, { collection: "note", key: "1", value: {} }]), ReadOnlyCollectionError);
  assert.equal(store.get("b", "3"), undefined);
  assert.equal(store.history("b", "3").length, 0);
});

/** A Kova app's entity `Note { title: text, pinned: bool }`, as its migration records it. */
function registerAppEntity(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS "note" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "title" TEXT, "pinned" INTEGER)`);
  db.exec(`CREATE TABLE IF NOT EXISTS "note__history" ("version" INTEGER PRIMARY KEY, "id" INTEGER NOT NULL, "op" TEXT NOT NULL, "at" INTEGER NOT NULL, "title" TEXT, "pinned" INTEGER)`);
  const fields = [
    { name: "title", type: "string", optional: false, unique: false, index: false },
    { name: "pinned", type: "boolean", optional: false, unique: false, index: false },
  ];
  db.prepare(`INSERT INTO _kova_schema (entity, "table", fields, migrated_at) VALUES ('Note', 'note', ?, ?)`).run(JSON.stringify(fields), new Date().toISOString());
  db.prepare(`INSERT INTO "note" ("title", "pinned") VALUES ('first', 1)`).run();
  db.prepare(`INSERT INTO "note__history" ("id", "op", "at", "title", "pinned") VALUES (1, 'insert', ?, 'first', 1)`).run(Date.now());
}

test("a Kova app's entity reads as a collection: key = id, value = its fields", async (t) => {
  const store = await fresh(t);
  store.put("kv", "x", 1);
  registerAppEntity(store.db);
  assert.deepEqual(store.get("note", "1"), { title: "first", pinned: true });
  assert.deepEqual(store.get("Note", "1"), { title: "first", pinned: true }, "by entity name too");
  assert.deepEqual(store.list("note").items, [{ key: "1", value: { title: "first", pinned: true } }]);
  assert.deepEqual(store.history("note", "1").map((h) => h.value), [{ title: "first", pinned: true }]);
  assert.equal(store.count("note", { pinned: true }), 1);
  assert.throws(() => store.put("note", "2", {}), ReadOnlyCollectionError);
  assert.throws(() => store.find("note", { titel: "x" }), (e: unknown) => e instanceof InvalidFieldError && /did you mean 'title'/.test(e.message));
  assert.deepEqual(store.listCollections(), ["kv", "note"]);
});

test("filters, count, min/max/sum and an equality join", async (t) => {
  const store = await fresh(t);
  store.putMany([
    { collection: "users", key: "u1", value: { name: "Ann", city: "Oslo", address: { zip: "0150" } } },
    { collection: "users", key: "u2", value: { name: "Bo", city: "Rome", address: { zip: "00100" } } },
    { collection: "orders", key: "o1", value: { user: "u1", total: 10, paid: true } },
    { collection: "orders", key: "o2", value: { user: "u1", total: 32.5, paid: false } },
    { collection: "orders", key: "o3", value: { user: "u2", total: 7, paid: true } },
  ]);
  assert.deepEqual(store.find("users", { city: "Rome" }).map((e) => e.key), ["u2"]);
  assert.deepEqual(store.find("users", { "address.zip": "0150" }).map((e) => e.key), ["u1"]);
  assert.deepEqual(store.find("orders", { paid: true }).map((e) => e.key), ["o1", "o3"]);
  assert.equal(store.count("orders"), 3);
  assert.equal(store.count("orders", { user: "u1" }), 2);
  assert.equal(store.aggregate("orders", "sum", "total"), 49.5);
  assert.equal(store.aggregate("orders", "min", "total"), 7);
  assert.equal(store.aggregate("orders", "max", "total", { user: "u1" }), 32.5);
  assert.equal(store.aggregate("orders", "sum", "total", { user: "nobody" }), null);
  const joined = store.join("orders", "users", ["user", "key"], { where: { paid: true } });
  assert.deepEqual(joined.map((j) => [j.left.key, j.right.value.name]), [["o1", "Ann"], ["o3", "Bo"]]);
  assert.throws(() => store.find("users", { "bad path": 1 }), InvalidFieldError);
  assert.throws(() => store.aggregate("orders", "avg" as "sum", "total"), /unknown aggregate 'avg'/);
});

test("bad input: each refusal names the input and the fix", async (t) => {
  const store = await fresh(t);
  store.put("users", "alice", 1);
  const cases: Array<[() => unknown, new (...a: any[]) => Error, RegExp]> = [
    [() => store.put("users", "", 1), InvalidKeyError, /invalid key '': a key cannot be empty/],
    [() => store.put("users", "x".repeat(1025), 1), InvalidKeyError, /1025 bytes is over the limit of 1024/],
    [() => store.put("users", "a\nb", 1), InvalidKeyError, /control character U\+000A at position 2/],
    [() => store.put("users", "../etc", 1), InvalidKeyError, /'\.\.' segment/],
    [() => store.put("users", 5 as unknown as string, 1), InvalidKeyError, /a key is a string, not number/],
    [() => store.put("users", "k", undefined), InvalidValueError, /undefined is not JSON/],
    [() => store.put("users", "k", { n: Number.NaN }), InvalidValueError, /NaN at 'n' is not a JSON number/],
    [() => store.put("users", "k", { f: () => 1 }), InvalidValueError, /a function at 'f' is not JSON/],
    [() => store.put("users", "k", "x".repeat(1024 * 1024)), ValueTooLargeError, /over the limit of 1048576 bytes/],
    [() => store.put("no such", "k", 1), InvalidCollectionError, /invalid collection 'no such'/],
    [() => store.put("users__history", "k", 1), InvalidCollectionError, /bookkeeping/],
    [() => store.put("_kova_schema", "k", 1), InvalidCollectionError, /starting with a letter/],
    [() => store.getAt("users", "alice", "yesterday"), InvalidInstantError, /invalid instant 'yesterday': not an instant/],
    [() => store.getAt("users", "alice", new Date("nope")), InvalidInstantError, /not an instant/],
    [() => store.get("usres", "alice"), CollectionNotFoundError, /Collection 'usres' not found\. Did you mean users\?/],
  ];
  for (const [run, type, message] of cases) assert.throws(run, (e: unknown) => e instanceof type && message.test((e as Error).message), String(message));
  assert.equal(store.count("users"), 1, "nothing was written by the refused calls");
});

test("watch: changes arrive in version order, from this process and from another", async (t) => {
  const dir = tempDir(t);
  const store = await openStore(dir);
  t.after(() => store.close());
  store.put("events", "before", 0);
  const feed = store.watch("events", { pollMs: 20 });
  store.put("events", "a", 1);
  store.delete("events", "a");
  const first = await feed.next();
  assert.deepEqual({ ...first.value, at: undefined }, { collection: "events", key: "a", version: 2, operation: "insert", at: undefined, value: 1 });
  assert.equal((await feed.next()).value?.operation, "delete");
  await runChild(dir, `store.put("events", "from-child", { pid: process.pid });`);
  const remote = await feed.next();
  assert.equal(remote.value?.key, "from-child");
  feed.close();
  assert.equal((await feed.next()).done, true);
});

const STORE_MODULE = fileURLToPath(new URL("../src/index.js", import.meta.url));

function runChild(dir: string, body: string): Promise<void> {
  const code = `import { openStore } from ${JSON.stringify(STORE_MODULE)}; const store = await openStore(${JSON.stringify(dir)}); ${body} store.close();`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: ["ignore", "inherit", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (status) => (status === 0 ? resolve() : reject(new Error(`child exited ${status}: ${stderr}`))));
  });
}

test("four processes writing one key: no lost update, versions strictly ordered, instants in order", async (t) => {
  const dir = tempDir(t);
  const store = await openStore(dir);
  t.after(() => store.close());
  store.put("counters", "shared", { writer: "init", n: 0 });
  const per = 150;
  await Promise.all(
    [0, 1, 2, 3].map((w) => runChild(dir, `for (let i = 0; i < ${per}; i++) store.put("counters", "shared", { writer: ${w}, n: i });`)),
  );
  const history = store.history("counters", "shared");
  assert.equal(history.length, 1 + 4 * per, "every write recorded a version");
  for (let w = 0; w < 4; w++) {
    const mine = history.filter((h) => (h.value as { writer: unknown }).writer === w).map((h) => (h.value as { n: number }).n);
    assert.deepEqual(mine, Array.from({ length: per }, (_, i) => i), `writer ${w}'s writes are all there, in its order`);
  }
  for (let i = 1; i < history.length; i++) {
    assert.ok(history[i].version > history[i - 1].version);
    assert.ok(Date.parse(history[i].at) >= Date.parse(history[i - 1].at), "instants follow version order");
  }
  assert.deepEqual(store.get("counters", "shared"), history[history.length - 1].value);
});
