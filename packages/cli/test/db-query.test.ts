// kova db query: Kova queries against an app's entities from the command line, through the app's
// own build and the runtime's server — on the embedded store (also while the app runs) and on
// PostgreSQL; a table on a terminal, JSON with --json; mistakes named by the compiler; writes refused.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import pg from "pg";
import { build, request, startServer, tempApp } from "./e2e/harness.js";
import { kovaAsync, note, notesApp } from "./db/fixture.js";

const MEMO_APP = `ENTITY Memo {
  key: text UNIQUE
  value: json?
}

GET /memos {
  RESPOND SELECT * FROM Memo ORDER_BY key LIMIT 100
}
`;

test("kova db query: SELECT, AS OF, HISTORY and aggregates on what the store wrote; table or --json; errors", async (t) => {
  const dir = tempApp(t, { "app.kova": MEMO_APP });
  const kova = (...args: string[]) => kovaAsync(["db", ...args], { cwd: dir });
  const first = JSON.parse((await kova("set", "memo/alice", '{"n":1,"city":"Oslo"}', "--json")).stdout) as { at: string };
  await kova("set", "memo/bob", '{"n":2}');
  await new Promise((r) => setTimeout(r, 5));
  await kova("set", "memo/alice", '{"n":3}');

  const rows = await kova("query", "SELECT key, value FROM Memo ORDER_BY key");
  assert.equal(rows.status, 0, rows.stderr);
  assert.equal(rows.stdout, ["id  key    value", "--  -----  -------", '1   alice  {"n":3}', '2   bob    {"n":2}', "(2 rows)", ""].join("\n"));
  const json = await kova("query", "SELECT key, value FROM Memo ORDER_BY key", "--json");
  assert.deepEqual(JSON.parse(json.stdout), [{ id: 1, key: "alice", value: { n: 3 } }, { id: 2, key: "bob", value: { n: 2 } }]);
  const asOf = await kova("query", `SELECT key, value FROM Memo AS OF "${first.at}" ORDER_BY key`, "--json");
  assert.deepEqual(JSON.parse(asOf.stdout), [{ id: 1, key: "alice", value: { n: 1, city: "Oslo" } }]);
  const history = await kova("query", 'HISTORY Memo WHERE key = "alice"', "--json");
  assert.deepEqual((JSON.parse(history.stdout) as Array<{ operation: string }>).map((v) => v.operation), ["insert", "update"]);
  const count = await kova("query", "SELECT COUNT(*) AS n FROM Memo", "--json");
  assert.deepEqual(JSON.parse(count.stdout), { n: 2 });
  const empty = await kova("query", 'SELECT key FROM Memo WHERE key > "zed" ORDER_BY key LIMIT 5');
  assert.equal(empty.stdout, "(no rows)\n");
  // key is UNIQUE, so `key = …` reads one row: none is "not found", as the app's endpoint answers.
  const none = await kova("query", 'SELECT key FROM Memo WHERE key = "zed"');
  assert.equal(none.status, 1);
  assert.match(none.stderr, /kova db query: error: the query failed: /);

  // A mistake: the compiler's diagnostic pointing into the query, exit 2.
  const typo = await kova("query", "SELECT * FROM Memx");
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /error\[KV2001\]: no entity named 'Memx'/);
  assert.match(typo.stderr, /RESPOND SELECT \* FROM Memx\n\s*\|\s+\^\^\^\^/);
  assert.match(typo.stderr, /did you mean 'Memo'\?/);
  const typoJson = await kova("query", "SELECT * FROM Memx", "--json");
  assert.equal((JSON.parse(typoJson.stderr) as { error: { code: string } }).error.code, "query-rejected");
  // Writes are refused before they run; nothing changed.
  const write = await kova("query", 'DELETE FROM Memo WHERE key = "bob"');
  assert.equal(write.status, 2);
  assert.match(write.stderr, /kova db query only reads/);
  assert.deepEqual(JSON.parse((await kova("get", "memo/bob")).stdout), { n: 2 });
  const usage = await kova("query");
  assert.equal(usage.status, 2);
  // Nothing is left behind in the app folder.
  assert.deepEqual(readdirSync(join(dir, ".kova")).filter((f) => f.startsWith("query-")), []);
  assert.ok(!existsSync(join(dir, "kova-db-query.kova")));
});

test("kova db query: while the app runs (it holds the store alone), from a copy it writes", async (t) => {
  const dir = tempApp(t, { "app.kova": notesApp() });
  await build(dir);
  const server = await startServer(t, dir, { env: { KOVA_LOG_LEVEL: "warn" } });
  for (let i = 0; i < 5; i++) assert.equal((await request(`${server.url}/notes`, { method: "POST", json: note(i) })).status, 201);
  const pinned = await kovaAsync(["db", "query", "SELECT id, title FROM Note WHERE pinned = true ORDER_BY id", "--json"], { cwd: dir });
  assert.equal(pinned.status, 0, pinned.stderr);
  assert.deepEqual(JSON.parse(pinned.stdout), [{ id: 1, title: "note 0" }, { id: 3, title: "note 2" }, { id: 5, title: "note 4" }]);
});

const PG_URL = process.env.KOVA_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

async function freshSchema(t: TestContext): Promise<string | undefined> {
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 1500 });
  try {
    await admin.connect();
  } catch {
    if (process.env.CI === "true") assert.fail(`PostgreSQL is not reachable at ${PG_URL}`);
    t.skip(`SKIPPED: no PostgreSQL at ${PG_URL}`);
    return undefined;
  }
  const schema = `store_query_${randomBytes(4).toString("hex")}`;
  await admin.query(`CREATE SCHEMA "${schema}"`);
  t.after(async () => {
    await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
    await admin.end();
  });
  return schema;
}

test("kova db query: the same query on PostgreSQL (the app's data source)", async (t) => {
  const schema = await freshSchema(t);
  if (schema === undefined) return;
  const dir = tempApp(t, { "app.kova": notesApp(`CONNECT db USING postgres({ url: env("DB_URL"), schema: env("DB_SCHEMA") })`) });
  const env = { DB_URL: PG_URL, DB_SCHEMA: schema, KOVA_LOG_LEVEL: "warn" };
  const before = await kovaAsync(["db", "query", "SELECT * FROM Note", "--json"], { cwd: dir, env });
  assert.equal(before.status, 0, before.stderr);
  assert.deepEqual(JSON.parse(before.stdout), [], "a database the app never ran on: connected as the app would (its tables made), no rows");
  await build(dir);
  const server = await startServer(t, dir, { env });
  for (let i = 0; i < 4; i++) assert.equal((await request(`${server.url}/notes`, { method: "POST", json: note(i) })).status, 201);
  await server.stop();
  const rows = await kovaAsync(["db", "query", "SELECT title, count FROM Note WHERE count >= 2 ORDER_BY count DESC", "--json"], { cwd: dir, env });
  assert.equal(rows.status, 0, rows.stderr);
  assert.deepEqual(JSON.parse(rows.stdout), [{ id: 4, title: "note 3", count: 3 }, { id: 3, title: "note 2", count: 2 }]);
});
