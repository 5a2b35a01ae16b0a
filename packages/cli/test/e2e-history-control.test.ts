// History control (issue 13 item 6): a SECRET field is left out of SELECT *, of a write's reply and
// of every version; an entity marked NO HISTORY keeps no versions. Over real HTTP on the embedded
// store, with the stored history read back from the database file.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { startApp } from "@kova/runtime";
import "@kova/driver-embedded";
import { build, tempApp } from "./e2e/harness.js";

async function serve(t: TestContext, appDir: string): Promise<{ url: string; close(): Promise<void> }> {
  const { app } = (await import(pathToFileURL(join(appDir, "dist", "app.js")).href)) as { app: Parameters<typeof startApp>[0] };
  const running = await startApp(app, { port: 0, host: "127.0.0.1", appDir, manageProcess: false, logLevel: "silent" });
  let closed = false;
  const close = async () => {
    if (!closed) await running.close();
    closed = true;
  };
  t.after(close);
  return { url: running.url, close };
}

async function send(url: string, method: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method, headers: { "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: response.status === 204 ? null : await response.json() };
}

const APP = `
VALIDATE AccountIn {
  email: email?
  password: string?
  name: string?
}

VALIDATE SessionIn {
  token: string
  account: int
}

ENTITY Account {
  email: text UNIQUE
  password_hash: text SECRET
  name: text
}

ENTITY Session NO HISTORY {
  token: text SECRET
  account: int
  hits: int DEFAULT 0
}

POST /accounts VALIDATE AccountIn {
  RESPOND 201 INSERT INTO Account { email: $body.email, password_hash: hash_token($body.password), name: $body.name }
}

GET /accounts/:id(int) {
  RESPOND SELECT * FROM Account WHERE id = $id
}

PATCH /accounts/:id(int) VALIDATE AccountIn {
  RESPOND UPDATE Account SET { name: $body.name } WHERE id = $id
}

POST /accounts/:id(int)/check VALIDATE AccountIn {
  row = SELECT id, password_hash FROM Account WHERE id = $id
  RESPOND { ok: row?.password_hash == hash_token($body.password) }
}

GET /accounts/:id(int)/public {
  row = SELECT id, email, password_hash, name FROM Account WHERE id = $id
  RESPOND { ...row, -password_hash, -email, masked: true }
}

GET /accounts/:id(int)/history {
  RESPOND HISTORY Account WHERE id = $id
}

POST /sessions VALIDATE SessionIn {
  RESPOND 201 INSERT INTO Session { token: $body.token, account: $body.account }
}

POST /sessions/:id(int)/hit {
  RESPOND UPDATE Session SET hits = hits + 1 WHERE id = $id
}

DELETE /sessions/:id(int) {
  RESPOND DELETE FROM Session WHERE id = $id
}
`;

test("SECRET: never in SELECT * or a write's reply, readable by name, kept out of history (NULL in every version)", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  await build(dir);
  const { url, close } = await serve(t, dir);
  const created = await send(`${url}/accounts`, "POST", { email: "ada@example.com", password: "s3cret", name: "Ada" });
  assert.equal(created.status, 201);
  assert.deepEqual(created.body, { id: created.body.id, email: "ada@example.com", name: "Ada" });
  const id = created.body.id;
  assert.deepEqual((await send(`${url}/accounts/${id}`, "GET")).body, { id, email: "ada@example.com", name: "Ada" });
  assert.deepEqual((await send(`${url}/accounts/${id}`, "PATCH", { name: "Ada L." })).body, { id, email: "ada@example.com", name: "Ada L." });
  assert.deepEqual((await send(`${url}/accounts/${id}/check`, "POST", { password: "s3cret" })).body, { ok: true });
  assert.deepEqual((await send(`${url}/accounts/${id}/check`, "POST", { password: "wrong" })).body, { ok: false });
  // Field removal: { ...row, -field } takes fields off a row read with them.
  assert.deepEqual((await send(`${url}/accounts/${id}/public`, "GET")).body, { id, name: "Ada L.", masked: true });
  const history = await send(`${url}/accounts/${id}/history`, "GET");
  assert.equal(history.status, 200);
  assert.deepEqual(history.body.map((v: any) => [v.operation, v.data]), [
    ["insert", { id, email: "ada@example.com", name: "Ada" }],
    ["update", { id, email: "ada@example.com", name: "Ada L." }],
  ]);
  await close(); // the store holds its file exclusively while the app runs
  const db = new Database(join(dir, ".kova", "data.db"), { readonly: true });
  t.after(() => db.close());
  const stored = db.prepare(`SELECT "password_hash" FROM "account__history" ORDER BY "version"`).all() as Array<{ password_hash: unknown }>;
  assert.deepEqual(stored, [{ password_hash: null }, { password_hash: null }]);
  assert.match(String((db.prepare(`SELECT "password_hash" FROM "account"`).get() as { password_hash: string }).password_hash), /^[A-Za-z0-9_-]{43}$/);
});

test("NO HISTORY: inserts, updates and deletes record no version", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  await build(dir);
  const { url, close } = await serve(t, dir);
  const session = await send(`${url}/sessions`, "POST", { token: "t-1", account: 1 });
  assert.deepEqual(session, { status: 201, body: { id: 1, account: 1, hits: 0 } });
  assert.deepEqual((await send(`${url}/sessions/1/hit`, "POST")).body, { id: 1, account: 1, hits: 1 });
  assert.deepEqual((await send(`${url}/sessions/1`, "DELETE")).body, { id: 1, account: 1, hits: 1 });
  await close(); // the store holds its file exclusively while the app runs
  const db = new Database(join(dir, ".kova", "data.db"), { readonly: true });
  t.after(() => db.close());
  assert.deepEqual(db.prepare(`SELECT COUNT(*) AS n FROM "session__history"`).get(), { n: 0 });
  assert.deepEqual(db.prepare(`SELECT COUNT(*) AS n FROM "session"`).get(), { n: 0 });
});
