// kova db set/get/log/list/delete/batch driven as a subprocess, and the store and a Kova app
// reading each other's data in one file.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { openStore } from "@kova/store";
import { build, KOVA_BIN, request, startServer, tempApp } from "./e2e/harness.js";
import { completeLine, splitWords } from "../src/commands/db/shell.js";
import { kovaAsync } from "./db/fixture.js";

test("kova db set/get/log/list/delete: values, versions, --at, --json, errors and exit codes", async (t) => {
  const dir = tempApp(t, {});
  const kova = (...args: string[]) => kovaAsync(["db", ...args], { cwd: dir });
  const first = await kova("set", "users/alice", '{"name":"Alice"}', "--json");
  assert.equal(first.status, 0, first.stderr);
  const written = JSON.parse(first.stdout) as { version: number; at: string };
  assert.equal(written.version, 1);
  await new Promise((r) => setTimeout(r, 5));
  const second = await kova("set", "users/alice", '{"name":"Alice B"}');
  assert.match(second.stdout, /^users\/alice: version 2 at \d{4}-\d\d-\d\dT/);

  assert.deepEqual(JSON.parse((await kova("get", "users/alice")).stdout), { name: "Alice B" });
  const asOf = await kova("get", "users/alice", "--at", written.at, "--json");
  assert.deepEqual(JSON.parse(asOf.stdout).value, { name: "Alice" });
  const log = await kova("log", "users/alice");
  assert.deepEqual(log.stdout.trim().split("\n").map((l) => l.split("\t")[2]), ["insert", "update"]);
  assert.equal((await kova("list")).stdout, "users\n");
  assert.deepEqual(JSON.parse((await kova("list", "users", "--json")).stdout), { items: [{ key: "alice", value: { name: "Alice B" } }] });

  // The error style: the input, the nearest key, the command to run next; exit 1 piped, plain.
  const missing = await kova("get", "users/alic");
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr, "kova db get: error: Key 'users/alic' not found. Did you mean users/alice? To list keys: kova db list users\n");
  const coloured = await kova("get", "users/alic", "--color");
  assert.match(coloured.stderr, /\u001b\[1;31merror\u001b\[0m: Key 'users\/alic' not found/);
  const json = await kova("get", "usrs/alice", "--json");
  assert.equal(json.status, 1);
  assert.deepEqual(JSON.parse(json.stderr), { error: { code: "collection-not-found", message: "Collection 'usrs' not found. Did you mean users?", hint: "to list collections: kova db list" } });

  // Bad input: exit 2, naming the input.
  const cases: Array<[string[], RegExp]> = [
    [["set", "users/a", "{name:"], /invalid value for users\/a: not JSON/],
    [["set", "users/a/../b", "1"], /invalid key 'a\/\.\.\/b': a '\.\.' segment is not allowed/],
    [["get", "users/alice", "--at", "last tuesday"], /invalid instant 'last tuesday': not an instant\. Give an ISO 8601 instant/],
    [["set", "bad-name/a", "1"], /invalid collection 'bad-name'/],
    [["set", "users", "1"], /'users' is not COLLECTION\/KEY/],
    [["list", "users", "--limit", "0"], /--limit must be a whole number from 1/],
  ];
  for (const [args, message] of cases) {
    const run = await kova(...args);
    assert.equal(run.status, 2, `${args.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, message);
  }

  const deleted = await kova("delete", "users/alice");
  assert.equal(deleted.status, 0, deleted.stderr);
  assert.equal((await kova("get", "users/alice")).status, 1);
  assert.deepEqual(JSON.parse((await kova("get", "users/alice", "--at", written.at)).stdout), { name: "Alice" }, "history outlives the delete");
  assert.equal((await kova("delete", "users/alice")).status, 1);
  assert.equal((await kova("nonsense")).status, 2);
});

test("kova db batch streams JSON Lines in transactions; a bad line is named by its number", async (t) => {
  const dir = tempApp(t, {});
  const lines = Array.from({ length: 25_000 }, (_, i) => JSON.stringify(i % 2 === 0 ? { key: `m/${i}`, value: { i } } : { collection: "m", key: String(i), value: i }));
  lines.push(JSON.stringify({ key: "m/0", delete: true }), "");
  writeFileSync(join(dir, "data.jsonl"), lines.join("\n"));
  const run = await kovaAsync(["db", "batch", "--file", "data.jsonl", "--json"], { cwd: dir });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { written: 25_001, lines: 25_001 });
  const store = await openStore(dir);
  assert.equal(store.count("m"), 24_999);
  assert.deepEqual(store.get("m", "2"), { i: 2 });
  store.close();

  writeFileSync(join(dir, "bad.jsonl"), ['{"key":"n/1","value":1}', '{"key":"n/2","value":2}', '{"key":"n/3",', '{"key":"n/4","value":4}'].join("\n"));
  const bad = await kovaAsync(["db", "batch", "--file", "bad.jsonl"], { cwd: dir });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /bad\.jsonl:3: not JSON .*; 0 earlier lines were written/);
  const missing = await kovaAsync(["db", "batch", "--file", "nope.jsonl"], { cwd: dir });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read --file nope\.jsonl/);
});

const APP = `
ENTITY Memo {
  key: text UNIQUE
  value: json?
}

ENTITY Note {
  title: text
  pinned: bool DEFAULT false
}

GET /memos {
  RESPOND SELECT * FROM Memo ORDER_BY key LIMIT 1000
}

POST /memos {
  RESPOND 201 INSERT INTO Memo $body
}

POST /notes {
  RESPOND 201 INSERT INTO Note $body
}

PATCH /notes/:id {
  RESPOND UPDATE Note SET $body WHERE id = $id
}
`;

test("one file, two faces: a store collection is a Kova app's entity, and an app's entity a collection", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  await build(dir);
  // The store writes first: collection `memo` is entity Memo's table.
  const store = await openStore(dir);
  store.put("memo", "greeting", { text: "hello" });
  store.put("memo", "greeting", { text: "hello again" });
  store.close();

  const server = await startServer(t, dir, { env: { KOVA_LOG_LEVEL: "warn" } });
  const memos = await request(`${server.url}/memos`);
  assert.equal(memos.status, 200, memos.text);
  assert.deepEqual(memos.body.map((m: { key: string; value: unknown }) => [m.key, m.value]), [["greeting", { text: "hello again" }]]);
  assert.equal((await request(`${server.url}/memos`, { method: "POST", json: { key: "from-app", value: [1, 2] } })).status, 201);
  assert.equal((await request(`${server.url}/notes`, { method: "POST", json: { title: "first" } })).status, 201);
  assert.equal((await request(`${server.url}/notes/1`, { method: "PATCH", json: { pinned: true } })).status, 200);
  await server.stop();

  // The app wrote: the store reads its key/value entity and its typed one, with their history.
  const again = await openStore(dir);
  t.after(() => again.close());
  assert.deepEqual(again.get("memo", "from-app"), [1, 2]);
  assert.deepEqual(again.history("memo", "greeting").map((v) => v.value), [{ text: "hello" }, { text: "hello again" }]);
  assert.deepEqual(again.get("note", "1"), { title: "first", pinned: true });
  assert.deepEqual(again.history("note", "1").map((v) => [v.operation, v.value]), [["insert", { title: "first", pinned: false }], ["update", { title: "first", pinned: true }]]);
  const cli = await kovaAsync(["db", "get", "note/1", "--json"], { cwd: dir });
  assert.deepEqual(JSON.parse(cli.stdout).value, { title: "first", pinned: true });
});

test("kova db shell: piped lines run as the subcommands; completion offers commands, collections and keys", async (t) => {
  const dir = tempApp(t, {});
  const script = ["set users/alice '{\"name\": \"Alice\"}'", "set users/albert 2", "get users/alice --json", "get users/alic", "list users", "frobnicate", "exit", "set users/never 1"].join("\n");
  const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [KOVA_BIN, "db", "shell"], { cwd: dir, env: { ...process.env, NO_COLOR: "1", KOVA_DB_HISTORY: join(dir, "history") } });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.once("close", (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(script + "\n");
  });
  assert.equal(run.status, 1, "a piped script with failing lines exits 1");
  const out = run.stdout.split("\n");
  assert.match(out[0], /^users\/alice: version 1 at /);
  assert.deepEqual(JSON.parse(out[2]).value, { name: "Alice" });
  assert.deepEqual(out.slice(3, 5), ["albert\t2", 'alice\t{"name":"Alice"}']);
  assert.match(run.stderr, /Key 'users\/alic' not found\. Did you mean users\/alice\?/);
  assert.match(run.stderr, /unknown command 'frobnicate'/);

  const store = await openStore<Record<string, unknown>>(dir);
  t.after(() => store.close());
  assert.equal(store.get("users", "never"), undefined, "nothing after exit runs");
  assert.deepEqual(completeLine("ge", () => store), [["get"], "ge"]);
  assert.deepEqual(completeLine("get us", () => store), [["users/"], "us"]);
  assert.deepEqual(completeLine("get users/al", () => store)[0], ["users/albert", "users/alice"]);
  assert.deepEqual(completeLine("list u", () => store)[0], ["users"]);
  assert.deepEqual(splitWords(`set a/b '{"x": 1}' "two words"`), ["set", "a/b", '{"x": 1}', "two words"]);
});
