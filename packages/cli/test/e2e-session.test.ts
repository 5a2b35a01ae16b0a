// AUTH session over real HTTP on the embedded store: sign-up and login set a signed, HttpOnly,
// SameSite cookie (start_session), `$auth` comes from the session's row, a new session token at
// every login (rotation), logout deletes the row so the same cookie fails at once (revocation),
// forged and edited cookies are 401s with WWW-Authenticate, and cross-origin writes are refused
// (CSRF) while same-origin ones pass.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import { pino } from "pino";
import { startApp } from "@kova/runtime";
import "@kova/driver-embedded";
import { build, tempApp } from "./e2e/harness.js";

const SESSION_KEY = "session-secret-that-is-long-enough-0123456789";

const PROGRAM = `
VALIDATE Caller {
  sub: string
  role: enum("admin", "member")
}

VALIDATE Credentials {
  email: email
  password: string(min: 8)
}

VALIDATE NewNote {
  text: string
}

ENTITY Account {
  email: text UNIQUE
  password_hash: text
  role: text DEFAULT "member"
}

ENTITY Session {
  token_hash: text UNIQUE
  account_id: int INDEX
  role: text
}

ENTITY Note {
  text: text
  owner: text
}

AUTH session USING secret(env("SESSION_KEY")) {
  entity: Session
  subject: account_id
  claims: Caller
  roles: ["admin", "member"]
  expire: 2h
}

POST /signup VALIDATE Credentials {
  account = INSERT INTO Account { email: $body.email, password_hash: hash_password($body.password) }
  RESPOND 201 { id: account.id }
}

POST /login VALIDATE Credentials {
  account = SELECT * FROM Account WHERE email = $body.email
  IF NOT verify_password($body.password, account.password_hash) {
    ERROR 401 "wrong e-mail or password"
  }
  // Rotation: whatever session this browser had ends; a new token is signed in.
  DELETE FROM Session WHERE token_hash = end_session()
  INSERT INTO Session { token_hash: start_session(), account_id: account.id, role: account.role }
  RESPOND { ok: true }
}

POST /logout AUTH {
  DELETE FROM Session WHERE token_hash = end_session()
  RESPOND 204
}

GET /me AUTH {
  RESPOND { sub: $auth.sub, role: $auth.role }
}

GET /admin AUTH admin {
  RESPOND { ok: true }
}

POST /notes VALIDATE NewNote AUTH {
  RESPOND 201 INSERT INTO Note { text: $body.text, owner: $auth.sub }
}
`;

async function serve(t: TestContext, env: Record<string, string> = { SESSION_KEY }): Promise<{ url: string; logs: string[] }> {
  const dir = tempApp(t, { "app.kova": PROGRAM });
  await build(dir);
  const { app } = (await import(pathToFileURL(join(dir, "dist", "app.js")).href)) as { app: Parameters<typeof startApp>[0] };
  const logs: string[] = [];
  const sink = new Writable({ write(chunk, _encoding, done) { logs.push(String(chunk)); done(); } });
  const running = await startApp(app, { port: 0, host: "127.0.0.1", appDir: dir, manageProcess: false, logger: pino({ level: "debug" }, sink), accessLog: true, env });
  t.after(() => running.close());
  return { url: running.url, logs };
}

interface Answer { status: number; body: any; text: string; headers: Headers }

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, text, body: text === "" ? undefined : JSON.parse(text), headers: response.headers };
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({ method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json", ...headers } });

/** The `name=value` of the session cookie the answer sets, and the Set-Cookie line itself. */
function sessionCookie(answer: Answer): { pair: string; line: string } {
  const line = answer.headers.getSetCookie().find((l) => l.startsWith("kova_session="));
  assert.ok(line, `a session cookie is set: ${answer.headers.getSetCookie().join(" | ")}`);
  return { pair: line.split(";")[0], line };
}

async function logIn(url: string, email: string, password: string, cookie?: string): Promise<string> {
  const answer = await call(`${url}/login`, json({ email, password }, cookie ? { cookie } : {}));
  assert.equal(answer.status, 200, answer.text);
  return sessionCookie(answer).pair;
}

test("session: login sets a signed HttpOnly SameSite cookie; $auth comes from the session row; roles are a 403", async (t) => {
  const { url, logs } = await serve(t);
  assert.equal((await call(`${url}/signup`, json({ email: "ada@example.com", password: "correct horse" }))).status, 201);
  const login = await call(`${url}/login`, json({ email: "ada@example.com", password: "correct horse" }));
  const { pair, line } = sessionCookie(login);
  assert.match(line, /; Max-Age=7200/);
  assert.match(line, /; HttpOnly/);
  assert.match(line, /; SameSite=Lax/);
  assert.match(line, /; Path=\//);
  assert.doesNotMatch(line, /; Secure/, "plain HTTP on loopback: not Secure, or the browser would drop it");
  assert.match(pair, /^kova_session=[A-Za-z0-9_-]{43}\.\d{10}\.[A-Za-z0-9_-]{43}$/);
  const expires = Number(pair.split(".")[1]);
  assert.ok(Math.abs(expires - (Date.now() / 1000 + 7200)) < 60, "the signed expiry is issue time + the scheme's expire (2h)");
  const me = await call(`${url}/me`, { headers: { cookie: `theme=dark; ${pair}` } });
  assert.equal(me.status, 200, me.text);
  assert.equal(me.body.role, "member");
  assert.match(me.body.sub, /^\d+$/);
  assert.equal((await call(`${url}/admin`, { headers: { cookie: pair } })).status, 403);
  const logged = logs.join("");
  assert.ok(!logged.includes(pair.split("=")[1].split(".")[0]), "no session token reaches the log");
  assert.ok(!logged.includes("correct horse"), "no password reaches the log");
});

test("session: a new token at every login (rotation); logout deletes the row, so the same cookie fails at once (revocation)", async (t) => {
  const { url } = await serve(t);
  await call(`${url}/signup`, json({ email: "bo@example.com", password: "correct horse" }));
  const first = await logIn(url, "bo@example.com", "correct horse");
  const second = await logIn(url, "bo@example.com", "correct horse", first);
  assert.notEqual(second, first, "login rotates the session token");
  assert.equal((await call(`${url}/me`, { headers: { cookie: first } })).status, 401, "the session the browser had before login is over");
  assert.equal((await call(`${url}/me`, { headers: { cookie: second } })).status, 200);
  // Another browser's session is its own: logging out here does not end it.
  const elsewhere = await logIn(url, "bo@example.com", "correct horse");
  const logout = await call(`${url}/logout`, { method: "POST", headers: { cookie: second } });
  assert.equal(logout.status, 204);
  assert.match(sessionCookie(logout).line, /^kova_session=;.*Max-Age=0/, "logout clears the cookie");
  assert.equal((await call(`${url}/me`, { headers: { cookie: second } })).status, 401, "a revoked session fails at once, cookie or not");
  assert.equal((await call(`${url}/me`, { headers: { cookie: elsewhere } })).status, 200);
});

test("session: missing, forged, edited and foreign-signed cookies all get the same 401 with WWW-Authenticate", async (t) => {
  const { url } = await serve(t);
  await call(`${url}/signup`, json({ email: "cy@example.com", password: "correct horse" }));
  const good = await logIn(url, "cy@example.com", "correct horse");
  const value = good.split("=")[1];
  const [token, expires, signature] = value.split(".");
  const { createHmac } = await import("node:crypto");
  const otherKey = createHmac("sha256", "another-secret-that-is-long-enough-00000").update(`${token}.${expires}`).digest("base64url");
  // Validly signed with the app's key, but its lifetime ended a second ago: the server refuses it
  // itself instead of trusting the browser to drop the cookie at Max-Age.
  const past = Math.floor(Date.now() / 1000) - 1;
  const expiredSignature = createHmac("sha256", SESSION_KEY).update(`${token}.${past}`).digest("base64url");
  const bad: Record<string, string> = {
    unsigned: token,
    noExpiry: `${token}.${signature}`,
    emptySignature: `${token}.${expires}.`,
    editedToken: `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}.${expires}.${signature}`,
    extendedExpiry: `${token}.${Number(expires) + 3600}.${signature}`,
    editedSignature: `${token}.${expires}.${signature.slice(0, -1)}${signature.endsWith("A") ? "B" : "A"}`,
    signedWithAnotherKey: `${token}.${expires}.${otherKey}`,
    expired: `${token}.${past}.${expiredSignature}`,
    garbage: "%%%",
    oversized: `${"a".repeat(600)}.${expires}.${signature}`,
  };
  const expected = 'Cookie realm="kova", name="kova_session"';
  const answers = new Set<string>();
  const strip = (text: string) => text.replace(/"instance":"[^"]*",?|"requestId":"[^"]*",?/g, "");
  const anonymous = await call(`${url}/me`);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers.get("www-authenticate"), expected);
  answers.add(strip(anonymous.text));
  for (const [name, cookie] of Object.entries(bad)) {
    const answer = await call(`${url}/me`, { headers: { cookie: `kova_session=${cookie}` } });
    assert.equal(answer.status, 401, name);
    assert.equal(answer.headers.get("www-authenticate"), expected, name);
    answers.add(strip(answer.text));
  }
  assert.equal(answers.size, 1, [...answers].join("\n"));
  // A validly signed token whose session row does not exist (never stored) is refused too.
  const { createHmac: hmac } = await import("node:crypto");
  const stray = `${"B".repeat(43)}.${expires}`;
  assert.equal((await call(`${url}/me`, { headers: { cookie: `kova_session=${stray}.${hmac("sha256", SESSION_KEY).update(stray).digest("base64url")}` } })).status, 401);
  // Only the cookie is read: the value in a header or the query string is no credential.
  assert.equal((await call(`${url}/me?kova_session=${value}`, { headers: { authorization: `Bearer ${value}` } })).status, 401);
  assert.equal((await call(`${url}/me`, { headers: { cookie: good } })).status, 200);
});

test("session: cookie credentials mean CSRF protection — cross-origin writes are refused, same-origin ones pass", async (t) => {
  const { url } = await serve(t);
  await call(`${url}/signup`, json({ email: "di@example.com", password: "correct horse" }));
  const cookie = await logIn(url, "di@example.com", "correct horse");
  const note = { text: "hi" };
  const crossSite = await call(`${url}/notes`, json(note, { cookie, origin: "https://evil.example", "sec-fetch-site": "cross-site" }));
  assert.equal(crossSite.status, 403);
  assert.equal(crossSite.body.type, "urn:kova:problem:cross-origin-refused");
  assert.equal((await call(`${url}/notes`, json(note, { cookie, origin: "null" }))).status, 403, "an opaque origin");
  assert.equal((await call(`${url}/logout`, { method: "POST", headers: { cookie, "sec-fetch-site": "same-site" } })).status, 403, "a sibling subdomain is another origin");
  const sameOrigin = await call(`${url}/notes`, json(note, { cookie, origin: url, "sec-fetch-site": "same-origin" }));
  assert.equal(sameOrigin.status, 201, sameOrigin.text);
  assert.equal((await call(`${url}/notes`, json(note, { cookie }))).status, 201, "a client that is not a browser sends neither header");
});

test("session: a short or missing session secret stops the start with the reason (and does not print it)", async (t) => {
  await assert.rejects(serve(t, { SESSION_KEY: "short-one" }), (error: Error) => /AUTH session secret is 9 bytes; it needs at least 32/.test(error.message) && !error.message.includes("short-one"));
});

test("session: behind TLS (a trusted proxy's X-Forwarded-Proto: https) the cookie is Secure", async (t) => {
  const { url } = await serve(t, { SESSION_KEY, KOVA_TRUST_PROXY: "1" });
  await call(`${url}/signup`, json({ email: "ed@example.com", password: "correct horse" }));
  const login = await call(`${url}/login`, json({ email: "ed@example.com", password: "correct horse" }, { "x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.9" }));
  assert.equal(login.status, 200, login.text);
  assert.match(sessionCookie(login).line, /; Secure/);
});
