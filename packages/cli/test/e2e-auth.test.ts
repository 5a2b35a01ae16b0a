// AUTH over real HTTP (issue 14 items 1–3): sign-up and login with hashed passwords, JWT-protected
// endpoints, roles, ownership, optional auth, and a suite of forged and malformed tokens that must
// all get the same 401. Built as `kova build` builds, served in-process with its log captured.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import { SignJWT, base64url } from "jose";
import { pino } from "pino";
import Fastify from "fastify";
import { kovaFastifyPlugin, startApp } from "@kova/runtime";
import "@kova/driver-embedded";
import { build, tempApp } from "./e2e/harness.js";

const SECRET = "e2e-secret-that-is-long-enough-for-hs256-0123456789";
const ISSUER = "https://kova.test";
const AUDIENCE = "kova-test";

const BLOG = `
VALIDATE Claims {
  sub: string
  role: enum("admin", "editor", "reader")
}

VALIDATE Credentials {
  email: email
  password: string(min: 8)
}

VALIDATE NewPost {
  title: string(min: 1)
}

ENTITY User {
  email: text UNIQUE
  password_hash: text
  role: text DEFAULT "reader"
}

ENTITY Post {
  title: text
  author: text
}

AUTH jwt USING secret(env("JWT_KEY")) {
  claims: Claims
  roles: ["admin", "editor", "reader"]
  issuer: "${ISSUER}"
  audience: "${AUDIENCE}"
  expire: 15m
  skew: 5s
}

POST /signup VALIDATE Credentials {
  user = INSERT INTO User { email: $body.email, password_hash: hash_password($body.password) }
  RESPOND 201 { id: user.id }
}

POST /login VALIDATE Credentials {
  user = SELECT * FROM User WHERE email = $body.email
  // Runs for an unknown email too (against a dummy hash), so both answers take as long.
  IF NOT verify_password($body.password, user.password_hash) {
    ERROR 401 "wrong email or password"
  }
  RESPOND { token: sign_token({ sub: string(user.id), role: user.role }) }
}

GET /me AUTH {
  RESPOND { sub: $auth.sub, role: $auth.role }
}

GET /admin AUTH admin, editor {
  RESPOND { ok: true }
}

GET /hello AUTH optional {
  RESPOND { signed_in: $auth.sub IS NOT NULL }
}

POST /posts VALIDATE NewPost AUTH {
  RESPOND 201 INSERT INTO Post { title: $body.title, author: $auth.sub }
}

PUT /posts/:id VALIDATE NewPost AUTH owner(author) {
  RESPOND UPDATE Post SET title = $body.title WHERE id = $id
}

GET /posts/:id AUTH owner(author) {
  RESPOND SELECT * FROM Post WHERE id = $id
}

GET /token-of-length/:n {
  RESPOND { token: random_token($n) }
}
`;

interface Served {
  url: string;
  logs: string[];
}

async function serve(t: TestContext, files: Record<string, string>, env: Record<string, string>): Promise<Served> {
  const dir = tempApp(t, files);
  await build(dir);
  const { app } = (await import(pathToFileURL(join(dir, "dist", "app.js")).href)) as { app: Parameters<typeof startApp>[0] };
  const logs: string[] = [];
  const sink = new Writable({ write(chunk, _encoding, done) { logs.push(String(chunk)); done(); } });
  const logger = pino({ level: "debug" }, sink);
  const running = await startApp(app, { port: 0, host: "127.0.0.1", appDir: dir, manageProcess: false, logger, accessLog: true, env });
  t.after(() => running.close());
  return { url: running.url, logs };
}

async function call(url: string, init: RequestInit & { token?: string } = {}): Promise<{ status: number; body: any; text: string; headers: Headers }> {
  const headers = new Headers(init.headers);
  if (init.token !== undefined) headers.set("authorization", `Bearer ${init.token}`);
  if (init.body !== undefined) headers.set("content-type", "application/json");
  const response = await fetch(url, { ...init, headers });
  const text = await response.text();
  return { status: response.status, text, body: text === "" ? undefined : JSON.parse(text), headers: response.headers };
}

const post = (url: string, body: unknown, token?: string) => call(url, { method: "POST", body: JSON.stringify(body), token });

async function signUpAndLogIn(url: string, email: string, password: string): Promise<string> {
  assert.equal((await post(`${url}/signup`, { email, password })).status, 201);
  const login = await post(`${url}/login`, { email, password });
  assert.equal(login.status, 200, login.text);
  return login.body.token as string;
}

const secretKey = new TextEncoder().encode(SECRET);

function token(claims: Record<string, unknown>, options: { key?: Uint8Array; alg?: string; exp?: number | string; nbf?: number | string; iss?: string; aud?: string } = {}): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? "HS256" }).setIssuedAt().setExpirationTime(options.exp ?? "10m").setIssuer(options.iss ?? ISSUER).setAudience(options.aud ?? AUDIENCE);
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(options.key ?? secretKey);
}

test("auth: sign-up, login, then $auth on AUTH endpoints; no token is a 401 with WWW-Authenticate, checked before the body is read", async (t) => {
  const { url, logs } = await serve(t, { "app.kova": BLOG }, { JWT_KEY: SECRET });
  const password = "correct horse battery";
  const jwt = await signUpAndLogIn(url, "ada@example.com", password);

  const me = await call(`${url}/me`, { token: jwt });
  assert.equal(me.status, 200);
  assert.deepEqual(me.body, { sub: "1", role: "reader" });

  const anonymous = await call(`${url}/me`);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers.get("www-authenticate"), 'Bearer realm="kova"');
  assert.equal(anonymous.body.type, "urn:kova:problem:unauthorized");

  // A body that is not even JSON, and one far over the limit: the 401 comes first, unread.
  const unread = await call(`${url}/posts`, { method: "POST", body: "{not json", headers: { "content-type": "application/json" } });
  assert.equal(unread.status, 401);
  const wrongPassword = await post(`${url}/login`, { email: "ada@example.com", password: "wrong password" });
  assert.equal(wrongPassword.status, 401);
  assert.equal(wrongPassword.body.detail, "wrong email or password");
  const unknownUser = await post(`${url}/login`, { email: "nobody@example.com", password });
  assert.equal(unknownUser.status, 401);
  assert.equal(unknownUser.body.detail, wrongPassword.body.detail);

  // Optional: anonymous callers pass with $auth null; signed-in ones are seen.
  assert.deepEqual((await call(`${url}/hello`)).body, { signed_in: false });
  assert.deepEqual((await call(`${url}/hello`, { token: jwt })).body, { signed_in: true });
  // ...but a bad token on an optional endpoint is still a 401, not an anonymous pass.
  assert.equal((await call(`${url}/hello`, { token: jwt + "x" })).status, 401);

  // Nothing logged holds the token or the password.
  const logged = logs.join("");
  assert.ok(logged.length > 0, "the access log captured the requests");
  for (const secret of [jwt, jwt.split(".")[2], password, SECRET]) assert.ok(!logged.includes(secret), `the log holds a secret: ${secret.slice(0, 12)}…`);
});

test("auth: roles are a 403, ownership keeps other callers' rows out of reads and writes (enforced in the statement)", async (t) => {
  const { url } = await serve(t, { "app.kova": BLOG }, { JWT_KEY: SECRET });
  const ada = await token({ sub: "ada", role: "reader" });
  const bob = await token({ sub: "bob", role: "editor" });
  const admin = await token({ sub: "root", role: "admin" });

  const forbidden = await call(`${url}/admin`, { token: ada });
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.body.type, "urn:kova:problem:forbidden");
  assert.equal((await call(`${url}/admin`, { token: bob })).status, 200);
  assert.equal((await call(`${url}/admin`, { token: admin })).status, 200);

  const created = await post(`${url}/posts`, { title: "Ada's post" }, ada);
  assert.equal(created.status, 201);
  assert.equal(created.body.author, "ada");
  const id = created.body.id;
  // Bob cannot read or change Ada's post: the row is not his, so for him it does not exist.
  assert.equal((await call(`${url}/posts/${id}`, { token: bob })).status, 404);
  const hijack = await call(`${url}/posts/${id}`, { method: "PUT", body: JSON.stringify({ title: "pwned" }), token: bob, headers: { "content-type": "application/json" } });
  assert.equal(hijack.status, 404);
  const mine = await call(`${url}/posts/${id}`, { token: ada });
  assert.equal(mine.status, 200);
  assert.equal(mine.body.title, "Ada's post");
  const edited = await call(`${url}/posts/${id}`, { method: "PUT", body: JSON.stringify({ title: "edited" }), token: ada, headers: { "content-type": "application/json" } });
  assert.equal(edited.status, 200);
  assert.equal(edited.body.title, "edited");
});

test("auth: forged and malformed tokens all get the same 401 body and header", async (t) => {
  const { url, logs } = await serve(t, { "app.kova": BLOG }, { JWT_KEY: SECRET });
  const good = await token({ sub: "ada", role: "reader" });
  const now = Math.floor(Date.now() / 1000);
  const { privateKey: rsaPrivate } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const [header, payload] = good.split(".");
  const enc = (value: unknown) => base64url.encode(JSON.stringify(value));
  const forged: Record<string, string> = {
    expired: await token({ sub: "ada", role: "reader" }, { exp: now - 60 }),
    notYetValid: await token({ sub: "ada", role: "reader" }, { nbf: now + 600 }),
    wrongSignature: await token({ sub: "ada", role: "reader" }, { key: new TextEncoder().encode("another-secret-that-is-long-enough-000000") }),
    algNone: `${enc({ alg: "none", typ: "JWT" })}.${payload}.`,
    algNoneWithSignature: `${enc({ alg: "none" })}.${payload}.${good.split(".")[2]}`,
    otherAlgorithmRS256: await new SignJWT({ sub: "ada", role: "reader" }).setProtectedHeader({ alg: "RS256" }).setIssuedAt().setExpirationTime("10m").setIssuer(ISSUER).setAudience(AUDIENCE).sign(rsaPrivate),
    otherHmacHS512: await token({ sub: "ada", role: "reader" }, { alg: "HS512" }),
    wrongAudience: await token({ sub: "ada", role: "reader" }, { aud: "someone-else" }),
    wrongIssuer: await token({ sub: "ada", role: "reader" }, { iss: "https://evil.example" }),
    // Declared issuer and audience are required, not only checked when present.
    noIssuer: await new SignJWT({ sub: "ada", role: "reader" }).setProtectedHeader({ alg: "HS256" }).setIssuedAt().setExpirationTime("10m").setAudience(AUDIENCE).sign(secretKey),
    noAudience: await new SignJWT({ sub: "ada", role: "reader" }).setProtectedHeader({ alg: "HS256" }).setIssuedAt().setExpirationTime("10m").setIssuer(ISSUER).sign(secretKey),
    audienceListWithoutOurs: await token({ sub: "ada", role: "reader" }, { aud: ["a", "b"] as unknown as string }),
    expiredBeyondSkew: await token({ sub: "ada", role: "reader" }, { exp: now - 6 }),
    unknownCriticalHeader: await new SignJWT({ sub: "ada", role: "reader" }).setProtectedHeader({ alg: "HS256", crit: ["x-kova"], "x-kova": 1 } as never).setIssuedAt().setExpirationTime("10m").setIssuer(ISSUER).setAudience(AUDIENCE).sign(secretKey).catch(() => `${enc({ alg: "HS256", crit: ["x-kova"], "x-kova": 1 })}.${payload}.${good.split(".")[2]}`),
    stringExpiry: await new SignJWT({ sub: "ada", role: "reader", exp: String(now + 600) } as never).setProtectedHeader({ alg: "HS256" }).setIssuer(ISSUER).setAudience(AUDIENCE).sign(secretKey),
    noExpiry: await new SignJWT({ sub: "ada", role: "reader" }).setProtectedHeader({ alg: "HS256" }).setIssuer(ISSUER).setAudience(AUDIENCE).sign(secretKey),
    claimsNotInShape: await token({ sub: "ada", role: "root" }),
    noSubject: await token({ role: "reader" }),
    tamperedPayload: `${header}.${enc({ sub: "root", role: "admin", iss: ISSUER, aud: AUDIENCE, exp: now + 600 })}.${good.split(".")[2]}`,
    malformedTwoParts: `${header}.${payload}`,
    malformedGarbage: "not-a-token",
    malformedBase64: "%%%.###.$$$",
    oversized: await token({ sub: "ada", role: "reader", pad: "x".repeat(9000) }),
  };
  const answers = new Set<string>();
  const requestId = "forged-token-probe";
  for (const [name, value] of Object.entries(forged)) {
    const response = await call(`${url}/me`, { token: value, headers: { "x-request-id": requestId } });
    assert.equal(response.status, 401, name);
    assert.equal(response.headers.get("www-authenticate"), 'Bearer realm="kova", error="invalid_token"', name);
    answers.add(response.text);
  }
  // A non-Bearer Authorization header is a bad credential too.
  for (const value of [`Basic ${Buffer.from("ada:pw").toString("base64")}`, good]) {
    const response = await call(`${url}/me`, { headers: { authorization: value, "x-request-id": requestId } });
    assert.equal(response.status, 401);
    answers.add(response.text);
  }
  assert.equal(answers.size, 1, `every forged token gets the same body, got:\n${[...answers].join("\n")}`);

  // The token in the wrong place is not looked for: no credential, so a plain 401.
  for (const where of [`${url}/me?access_token=${good}`, `${url}/me?token=${good}`]) {
    assert.equal((await call(where)).status, 401);
  }
  assert.equal((await call(`${url}/me`, { headers: { cookie: `token=${good}` } })).status, 401);
  // The genuine token still works: the suite did not pass because everything fails.
  assert.equal((await call(`${url}/me`, { token: good })).status, 200);
  // And the declared skew (5s) is tolerance, not more: two seconds past expiry still passes.
  assert.equal((await call(`${url}/me`, { token: await token({ sub: "ada", role: "reader" }, { exp: now - 2 }) })).status, 200);

  const logged = logs.join("");
  for (const value of [good, ...Object.values(forged)]) {
    const signature = value.split(".")[2];
    if (signature) assert.ok(!logged.includes(signature), "no token reaches the log");
  }
});

test("auth: RS256 with a public key refuses an HS256 token HMAC'd with that public key (algorithm confusion)", async (t) => {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  const privatePem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const program = `
VALIDATE Claims {
  sub: string
}
AUTH jwt USING public_key(env("JWT_PUBLIC_KEY")) {
  algorithm: "RS256"
  private_key: env("JWT_PRIVATE_KEY")
  claims: Claims
}
POST /login {
  RESPOND { token: sign_token({ sub: "ada" }, 5m) }
}
GET /me AUTH {
  RESPOND { sub: $auth.sub }
}
`;
  const { url } = await serve(t, { "app.kova": program }, { JWT_PUBLIC_KEY: publicPem, JWT_PRIVATE_KEY: privatePem });
  const issued = (await call(`${url}/login`, { method: "POST" })).body.token as string;
  assert.deepEqual((await call(`${url}/me`, { token: issued })).body, { sub: "ada" });
  const confused = await new SignJWT({ sub: "admin" }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("10m").sign(new TextEncoder().encode(publicPem));
  assert.equal((await call(`${url}/me`, { token: confused })).status, 401);
});

test("auth: random_token gives URL-safe text of the asked length and refuses a too-short one", async (t) => {
  const { url } = await serve(t, { "app.kova": BLOG }, { JWT_KEY: SECRET });
  const a = (await call(`${url}/token-of-length/32`)).body.token as string;
  const b = (await call(`${url}/token-of-length/32`)).body.token as string;
  assert.match(a, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, b);
  assert.equal((await call(`${url}/token-of-length/4`)).status, 500);
});

test("auth: login takes as long for an unknown email as for a wrong password (verify_password runs on a dummy hash)", async (t) => {
  const { url } = await serve(t, { "app.kova": BLOG }, { JWT_KEY: SECRET });
  await signUpAndLogIn(url, "timing@example.com", "a real password");
  const timed = async (email: string): Promise<number> => {
    const start = performance.now();
    assert.equal((await post(`${url}/login`, { email, password: "not the password" })).status, 401);
    return performance.now() - start;
  };
  const known: number[] = [];
  const unknown: number[] = [];
  for (let i = 0; i < 5; i++) {
    known.push(await timed("timing@example.com"));
    unknown.push(await timed(`nobody${i}@example.com`));
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  // Skipping the hash would make the unknown path ~100× faster; a loaded machine moves both alike.
  const ratio = median(unknown) / median(known);
  assert.ok(ratio > 0.5 && ratio < 2, `unknown/known login time ratio ${ratio.toFixed(2)} (medians ${median(unknown).toFixed(1)} ms vs ${median(known).toFixed(1)} ms)`);
});

test("auth: a short JWT secret stops the start with the reason (and does not print the secret)", async (t) => {
  const dir = tempApp(t, { "app.kova": BLOG });
  await build(dir);
  const { app } = (await import(pathToFileURL(join(dir, "dist", "app.js")).href)) as { app: Parameters<typeof startApp>[0] };
  await assert.rejects(
    startApp(app, { port: 0, host: "127.0.0.1", appDir: dir, manageProcess: false, logLevel: "silent", env: { JWT_KEY: "short-key" } }),
    (error: Error) => /AUTH jwt secret is 9 bytes; it needs at least 32/.test(error.message) && !error.message.includes("short-key"),
  );
});

test("auth: a cookie scheme reads the token from its cookie only; a JWKS scheme verifies with the issuer's published key", async (t) => {
  const cookieProgram = `
VALIDATE Claims {
  sub: string
}
AUTH jwt USING secret(env("JWT_KEY")) {
  claims: Claims
  cookie: "kova_token"
}
GET /me AUTH {
  RESPOND { sub: $auth.sub }
}
`;
  const { url } = await serve(t, { "app.kova": cookieProgram }, { JWT_KEY: SECRET });
  const jwt = await new SignJWT({ sub: "ada" }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("5m").sign(secretKey);
  assert.deepEqual((await call(`${url}/me`, { headers: { cookie: `theme=dark; kova_token=${jwt}` } })).body, { sub: "ada" });
  assert.equal((await call(`${url}/me`, { token: jwt })).status, 401, "the header is the wrong place for a cookie scheme");
  assert.equal((await call(`${url}/me`, { headers: { cookie: `other=${jwt}` } })).status, 401);

  // A JWKS issuer on a local HTTP server: the app fetches its keys with jose's createRemoteJWKSet.
  const { generateKeyPair, exportJWK } = await import("jose");
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "EdDSA", use: "sig" };
  const { createServer } = await import("node:http");
  const issuer = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((resolve) => issuer.listen(0, "127.0.0.1", resolve));
  t.after(() => issuer.close());
  const jwksUrl = `http://127.0.0.1:${(issuer.address() as { port: number }).port}/.well-known/jwks.json`;
  const jwksProgram = `
VALIDATE Claims {
  sub: string
}
AUTH jwt USING jwks(env("JWKS_URL")) {
  algorithm: "EdDSA"
  claims: Claims
  audience: "api"
}
GET /me AUTH {
  RESPOND { sub: $auth.sub }
}
`;
  const jwks = await serve(t, { "app.kova": jwksProgram }, { JWKS_URL: jwksUrl });
  const signed = await new SignJWT({ sub: "grace" }).setProtectedHeader({ alg: "EdDSA", kid: "k1" }).setAudience("api").setExpirationTime("5m").sign(privateKey);
  assert.deepEqual((await call(`${jwks.url}/me`, { token: signed })).body, { sub: "grace" });
  const { privateKey: stranger } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
  const forged = await new SignJWT({ sub: "grace" }).setProtectedHeader({ alg: "EdDSA", kid: "k1" }).setAudience("api").setExpirationTime("5m").sign(stranger);
  assert.equal((await call(`${jwks.url}/me`, { token: forged })).status, 401);
  const hmac = await new SignJWT({ sub: "grace" }).setProtectedHeader({ alg: "HS256", kid: "k1" }).setAudience("api").setExpirationTime("5m").sign(secretKey);
  assert.equal((await call(`${jwks.url}/me`, { token: hmac })).status, 401);
});

test("auth: mounted in Fastify, the same auth stage answers 401 with WWW-Authenticate, 403 for a role, 200 with claims", async (t) => {
  const dir = tempApp(t, { "app.kova": BLOG });
  await build(dir);
  const { app } = (await import(pathToFileURL(join(dir, "dist", "app.js")).href)) as { app: Parameters<typeof startApp>[0] };
  const fastify = Fastify({ logger: false });
  t.after(() => fastify.close());
  await fastify.register(kovaFastifyPlugin(app, { appDir: dir, env: { JWT_KEY: SECRET } }), { prefix: "/api" });
  await fastify.listen({ port: 0, host: "127.0.0.1" });
  const address = fastify.server.address();
  const base = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/api`;
  const reader = await token({ sub: "ada", role: "reader" });
  assert.deepEqual((await call(`${base}/me`, { token: reader })).body, { sub: "ada", role: "reader" });
  const anonymous = await call(`${base}/me`);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers.get("www-authenticate"), 'Bearer realm="kova"');
  assert.equal((await call(`${base}/me`, { token: `${reader}x` })).status, 401);
  assert.equal((await call(`${base}/admin`, { token: reader })).status, 403);
});
