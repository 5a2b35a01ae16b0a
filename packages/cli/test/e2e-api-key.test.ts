// AUTH api_key over real HTTP on the embedded store: keys issued with random_token() and stored as
// hash_token(key), read from a header (or a query parameter), `$auth` typed from the claims shape
// and filled from the key's row, roles, ownership, revocation by deleting the row, and one 401 (with
// WWW-Authenticate) for a missing, unknown, malformed or revoked key.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import { pino } from "pino";
import { startApp } from "@kova/runtime";
import "@kova/driver-embedded";
import { build, tempApp } from "./e2e/harness.js";

const PROGRAM = `
VALIDATE Caller {
  sub: string
  role: enum("admin", "reader")
}

VALIDATE NewKey {
  owner: string
  role: enum("admin", "reader")
}

VALIDATE NewNote {
  text: string
}

ENTITY ApiKey {
  key_hash: text UNIQUE
  owner: text
  role: text
}

ENTITY Note {
  text: text
  owner: text
}

AUTH api_key {
  entity: ApiKey
  subject: owner
  claims: Caller
  roles: ["admin", "reader"]
}

// Issuing keys is an admin's job in a real app; open here so the test can make its callers.
POST /keys VALIDATE NewKey {
  key = random_token()
  INSERT INTO ApiKey { key_hash: hash_token(key), owner: $body.owner, role: $body.role }
  RESPOND 201 { key: key }
}

DELETE /keys/mine AUTH {
  DELETE FROM ApiKey WHERE owner = $auth.sub
  RESPOND 204
}

GET /me AUTH {
  RESPOND { sub: $auth.sub, role: $auth.role }
}

GET /admin AUTH admin {
  RESPOND { ok: true }
}

GET /hello AUTH optional {
  RESPOND { signed_in: $auth.sub IS NOT NULL }
}

POST /notes VALIDATE NewNote AUTH {
  RESPOND 201 INSERT INTO Note { text: $body.text, owner: $auth.sub }
}

GET /notes/:id AUTH owner(owner) {
  RESPOND SELECT * FROM Note WHERE id = $id
}
`;

async function serve(t: TestContext, program: string): Promise<{ url: string; logs: string[] }> {
  const dir = tempApp(t, { "app.kova": program });
  await build(dir);
  const { app } = (await import(pathToFileURL(join(dir, "dist", "app.js")).href)) as { app: Parameters<typeof startApp>[0] };
  const logs: string[] = [];
  const sink = new Writable({ write(chunk, _encoding, done) { logs.push(String(chunk)); done(); } });
  const running = await startApp(app, { port: 0, host: "127.0.0.1", appDir: dir, manageProcess: false, logger: pino({ level: "debug" }, sink), accessLog: true, env: {} });
  t.after(() => running.close());
  return { url: running.url, logs };
}

async function call(url: string, init: RequestInit = {}): Promise<{ status: number; body: any; text: string; headers: Headers }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, text, body: text === "" ? undefined : JSON.parse(text), headers: response.headers };
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({ method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json", ...headers } });

async function issue(url: string, owner: string, role: string): Promise<string> {
  const made = await call(`${url}/keys`, json({ owner, role }));
  assert.equal(made.status, 201, made.text);
  assert.match(made.body.key, /^[A-Za-z0-9_-]{43}$/);
  return made.body.key as string;
}

test("api_key: a key in its header signs the caller in; $auth comes from the key's row; roles are a 403", async (t) => {
  const { url, logs } = await serve(t, PROGRAM);
  const ada = await issue(url, "ada", "reader");
  const root = await issue(url, "root", "admin");
  assert.deepEqual((await call(`${url}/me`, { headers: { "x-api-key": ada } })).body, { sub: "ada", role: "reader" });
  assert.deepEqual((await call(`${url}/me`, { headers: { "x-api-key": root } })).body, { sub: "root", role: "admin" });
  assert.equal((await call(`${url}/admin`, { headers: { "x-api-key": ada } })).status, 403);
  assert.equal((await call(`${url}/admin`, { headers: { "x-api-key": root } })).status, 200);
  assert.deepEqual((await call(`${url}/hello`)).body, { signed_in: false });
  assert.deepEqual((await call(`${url}/hello`, { headers: { "x-api-key": ada } })).body, { signed_in: true });
  assert.equal((await call(`${url}/hello`, { headers: { "x-api-key": "made-up" } })).status, 401, "optional still refuses a bad key");

  // Ownership holds with API keys too: another caller's note answers 404, like a missing one.
  const note = await call(`${url}/notes`, json({ text: "mine" }, { "x-api-key": ada }));
  assert.equal(note.status, 201, note.text);
  assert.equal(note.body.owner, "ada");
  assert.equal((await call(`${url}/notes/${note.body.id}`, { headers: { "x-api-key": ada } })).status, 200);
  assert.equal((await call(`${url}/notes/${note.body.id}`, { headers: { "x-api-key": root } })).status, 404);

  // The table holds hashes only, and nothing logged holds a key.
  const logged = logs.join("");
  for (const key of [ada, root]) assert.ok(!logged.includes(key), "no key reaches the log");
});

test("api_key: missing, unknown, malformed, oversized, misplaced and revoked keys all get the same 401 with WWW-Authenticate", async (t) => {
  const { url } = await serve(t, PROGRAM);
  const ada = await issue(url, "ada", "reader");
  const expected = 'ApiKey realm="kova", in="header", name="x-api-key"';
  const anonymous = await call(`${url}/me`);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers.get("www-authenticate"), expected);
  assert.equal(anonymous.body.type, "urn:kova:problem:unauthorized");
  const answers = new Set<string>();
  const bad: Record<string, Record<string, string>> = {
    unknown: { "x-api-key": "A".repeat(43) },
    empty: { "x-api-key": "" },
    oneCharacterOff: { "x-api-key": ada.slice(0, -1) + (ada.endsWith("A") ? "B" : "A") },
    caseChanged: { "x-api-key": ada.toUpperCase() === ada ? ada.toLowerCase() : ada.toUpperCase() },
    theHashItself: { "x-api-key": (await import("@kova/runtime")).hashToken(ada) },
    oversized: { "x-api-key": "k".repeat(5000) },
  };
  for (const [name, headers] of Object.entries(bad)) {
    const answer = await call(`${url}/me`, { headers });
    assert.equal(answer.status, 401, name);
    assert.equal(answer.headers.get("www-authenticate"), expected, name);
    answers.add(answer.text.replace(/"instance":"[^"]*",?|"requestId":"[^"]*",?/g, ""));
  }
  answers.add(anonymous.text.replace(/"instance":"[^"]*",?|"requestId":"[^"]*",?/g, ""));
  assert.equal(answers.size, 1, `one body for every failure:\n${[...answers].join("\n")}`);
  // Only the declared header is looked at: not the query string, not Authorization, not a cookie.
  const elsewhere: RequestInit[] = [{}, { headers: { authorization: `Bearer ${ada}` } }, { headers: { cookie: `x-api-key=${ada}` } }];
  for (const init of elsewhere) {
    assert.equal((await call(`${url}/me?x-api-key=${ada}&api_key=${ada}`, init)).status, 401);
  }
  // Revocation: the row is deleted, and the very next request fails.
  assert.equal((await call(`${url}/me`, { headers: { "x-api-key": ada } })).status, 200);
  assert.equal((await call(`${url}/keys/mine`, { method: "DELETE", headers: { "x-api-key": ada } })).status, 204);
  assert.equal((await call(`${url}/me`, { headers: { "x-api-key": ada } })).status, 401);
});

test("api_key: query: reads the key from the query string only, and a row whose role is not declared fails closed", async (t) => {
  const program = PROGRAM.replace("roles: [\"admin\", \"reader\"]\n}", "roles: [\"admin\", \"reader\"]\n  query: \"api_key\"\n}")
    .replace("VALIDATE NewKey {\n  owner: string\n  role: enum(\"admin\", \"reader\")", "VALIDATE NewKey {\n  owner: string\n  role: string");
  const { url, logs } = await serve(t, program);
  const ada = await issue(url, "ada", "reader");
  assert.deepEqual((await call(`${url}/me?api_key=${ada}`)).body, { sub: "ada", role: "reader" });
  const refused = await call(`${url}/me`, { headers: { "x-api-key": ada } });
  assert.equal(refused.status, 401);
  assert.equal(refused.headers.get("www-authenticate"), 'ApiKey realm="kova", in="query", name="api_key"');
  assert.equal((await call(`${url}/me?api_key=${ada}&api_key=${ada}`)).status, 401, "sent twice: a bad credential");
  const odd = await issue(url, "eve", "superuser");
  assert.equal((await call(`${url}/me?api_key=${odd}`)).status, 401, "a role outside the claims shape is refused");
  assert.ok(!logs.join("").includes(ada), "the access log has no query string");
});
