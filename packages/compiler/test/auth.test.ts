// AUTH (issue 14): the declaration and the endpoint modifier through parser, formatter, checker and IR.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { checkText, formatSource, lower, parse, type AppModel, type Diagnostic, type EndpointDecl } from "../src/index.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

const CLAIMS = `
VALIDATE Claims {
  sub: string
  role: enum("admin", "editor")
}
`;
const SCHEME = `${CLAIMS}
AUTH jwt USING secret(env("JWT_KEY")) {
  claims: Claims
  roles: ["admin", "editor"]
  issuer: "https://example.test"
  audience: "api"
  expire: 15m
  skew: 30s
}

ENTITY Post {
  title: text
  author: text
}
`;

function diagnostics(text: string): Diagnostic[] {
  return checkText(text, "/app/app.kova", { readFile: () => undefined }).diagnostics;
}

function codes(text: string): string[] {
  return diagnostics(text).map((d) => d.code);
}

function lowerText(text: string): AppModel {
  const result = checkText(text, "/app/app.kova", { readFile: () => undefined });
  assert.deepEqual(result.diagnostics.map((d) => `${d.code} ${d.message}`), []);
  return lower(result.programs[0].model, { name: "app" });
}

test("parser: AUTH, AUTH roles, AUTH owner(field), AUTH optional on endpoints", () => {
  const { program, diagnostics: problems } = parse(`GET /a AUTH { }
GET /b AUTH admin, editor { }
PUT /c/:id VALIDATE X AUTH owner(author) { }
GET /d AUTH optional { }`, "t.kova");
  assert.deepEqual(problems, []);
  const auth = program.declarations.map((d) => (d as EndpointDecl).auth);
  assert.deepEqual(auth.map((a) => [a?.roles.map((r) => r.name), a?.optional, a?.owner?.name ?? null]), [
    [[], false, null],
    [["admin", "editor"], false, null],
    [[], false, "author"],
    [[], true, null],
  ]);
});

test("formatter: the AUTH block and every modifier round-trip", () => {
  const source = `${SCHEME}
GET /a AUTH {
  RESPOND { id: $auth.sub }
}

GET /b AUTH admin, editor {
  RESPOND { ok: true }
}

PUT /posts/:id AUTH owner(author) {
  RESPOND UPDATE Post SET title = "x" WHERE id = $id
}

GET /d AUTH optional {
  RESPOND { in: $auth IS NOT NULL }
}
`;
  const once = formatSource(source).text;
  assert.equal(formatSource(once).text, once);
  assert.match(once, /AUTH owner\(author\) \{/);
  assert.match(once, /AUTH optional \{/);
  assert.match(once, /AUTH admin, editor \{/);
});

test("checker: a complete program with AUTH checks clean; $auth has the claims shape's type", () => {
  assert.deepEqual(codes(`${SCHEME}
GET /me AUTH {
  RESPOND { id: $auth.sub, role: $auth.role }
}
GET /admin AUTH admin {
  RESPOND { ok: true }
}
PUT /posts/:id AUTH owner(author) {
  RESPOND UPDATE Post SET title = "x" WHERE id = $id
}
POST /login {
  RESPOND { token: sign_token({ sub: "a", role: "admin" }, 5m), again: random_token(), h: hash_password("p"), ok: verify_password("p", "h"), old: password_needs_rehash("h") }
}
`), []);
});

test("checker: unknown role, claim, setting, scheme and shape get did-you-mean suggestions", () => {
  const cases: Array<[string, string, string]> = [
    [`${SCHEME}\nGET /x AUTH admn {\n  RESPOND { ok: true }\n}`, "KV2222", "admin"],
    [`${SCHEME}\nGET /x AUTH {\n  RESPOND { r: $auth.rol }\n}`, "KV2225", "role"],
    [`${CLAIMS}\nAUTH jwt USING secret(env("K")) {\n  claims: Claims\n  audiance: "x"\n}`, "KV2221", "audience"],
    [`${CLAIMS}\nAUTH jwk USING secret(env("K")) {\n  claims: Claims\n}`, "KV2220", "jwt"],
    [`${CLAIMS}\nAUTH jwt USING secret(env("K")) {\n  claims: Claim\n}`, "KV2228", "Claims"],
    [`${SCHEME}\nDELETE /posts/:id AUTH owner(auther) {\n  DELETE FROM Post WHERE id = $id\n}`, "KV2227", "author"],
  ];
  for (const [source, code, guess] of cases) {
    const found = diagnostics(source);
    assert.deepEqual(found.map((d) => d.code), [code], source);
    assert.equal(found[0].suggestion, `did you mean '${guess}'?`, code);
  }
});

test("checker: $auth without AUTH, AUTH without a scheme, and refused settings", () => {
  assert.deepEqual(codes(`${SCHEME}\nGET /x {\n  RESPOND { a: $auth.sub, b: $auth.role }\n}`), ["KV2224"]);
  assert.deepEqual(codes(`GET /x AUTH {\n  RESPOND { ok: true }\n}`), ["KV2223"]);
  assert.deepEqual(codes(`POST /x {\n  RESPOND { t: sign_token({ sub: "a" }) }\n}`), ["KV2223"]);
  // A secret in the source, an algorithm the key cannot use, a non-duration expiry.
  assert.deepEqual(codes(`${CLAIMS}\nAUTH jwt USING secret("hunter2") {\n  claims: Claims\n}`), ["KV3160"]);
  assert.deepEqual(codes(`${CLAIMS}\nAUTH jwt USING secret(env("K")) {\n  claims: Claims\n  algorithm: "none"\n}`), ["KV3160"]);
  assert.deepEqual(codes(`${CLAIMS}\nAUTH jwt USING secret(env("K")) {\n  claims: Claims\n  expire: "1h"\n}`), ["KV3160"]);
  // A public key must pin its algorithm; claims are required and need sub.
  assert.deepEqual(codes(`${CLAIMS}\nAUTH jwt USING public_key(env("K")) {\n  claims: Claims\n}`), ["KV3161"]);
  assert.deepEqual(codes(`AUTH jwt USING secret(env("K")) {\n  expire: 1h\n}`), ["KV3161"]);
  assert.deepEqual(codes(`VALIDATE C {\n  id: string\n}\nAUTH jwt USING secret(env("K")) {\n  claims: C\n}`), ["KV3161"]);
  assert.deepEqual(codes(`${SCHEME}\nGET /x AUTH optional, admin {\n  RESPOND { ok: true }\n}`), ["KV3160"]);
  assert.deepEqual(codes(`${SCHEME}\nAUTH jwt USING secret(env("B")) {\n  claims: Claims\n}`), ["KV2226"]);
});

test("IR: the scheme with defaults, usesCookies, route auth, $auth inputs and the owner guard inside the plan", () => {
  const app = lowerText(`${SCHEME}
GET /me AUTH optional {
  RESPOND { id: $auth.sub }
}
PUT /posts/:id AUTH owner(author) {
  RESPOND UPDATE Post SET title = "x" WHERE id = $id
}
`);
  assert.ok(app.auth);
  const scheme = app.auth.schemes[0];
  assert.deepEqual({ ...scheme, span: undefined }, {
    kind: "jwt",
    algorithm: "HS256",
    key: { from: "secret", secret: { kind: "env", name: { kind: "literal", value: "JWT_KEY" }, default: null } },
    issuer: "https://example.test",
    audience: "api",
    expireSeconds: 900,
    skewSeconds: 30,
    token: { from: "header" },
    claims: "Claims",
    roleClaim: "role",
    span: undefined,
  });
  assert.deepEqual(app.auth.roles, ["admin", "editor"]);
  assert.equal(app.auth.usesCookies, false);
  assert.ok(app.env.some((v) => v.name === "JWT_KEY"));
  const [me, put] = app.entryPoints;
  assert.deepEqual(me.auth, { mode: "optional", roles: [], owner: null });
  assert.deepEqual(put.auth, { mode: "required", roles: [], owner: "author" });
  assert.match(JSON.stringify(me.body), /"kind":"input","from":"auth","name":"sub"/);
  const plan = app.queries.find((q) => q.plan.kind === "update")!.plan;
  assert.match(JSON.stringify(plan), /"left":\{"kind":"field","field":"author"\}/);

  const cookie = lowerText(`${CLAIMS}\nAUTH jwt USING secret(env("K")) {\n  claims: Claims\n  cookie: "token"\n}\nGET /x AUTH {\n  RESPOND { ok: true }\n}`);
  const cookieScheme = cookie.auth?.schemes[0];
  assert.deepEqual(cookieScheme?.kind === "jwt" ? cookieScheme.token : null, { from: "cookie", name: "token" });
  assert.equal(cookie.auth?.usesCookies, true);

  const schema = JSON.parse(readFileSync(join(ROOT, "docs", "ir.schema.json"), "utf8")) as object;
  const validate = new Ajv({ strict: false }).compile(schema);
  assert.ok(validate(JSON.parse(JSON.stringify(app))), JSON.stringify(validate.errors));
});

const KEYS = `VALIDATE Caller {
  sub: string
  role: enum("admin", "reader")
}
ENTITY ApiKey {
  key_hash: text UNIQUE
  owner: text
  role: text
}
`;
const apiKey = (settings: string) => `${KEYS}AUTH api_key {\n${settings}\n}\nGET /me AUTH {\n  RESPOND { sub: $auth.sub, role: $auth.role }\n}`;

test("checker: AUTH api_key with good settings, and each bad one with its diagnostic", () => {
  assert.deepEqual(codes(apiKey(`  entity: ApiKey\n  claims: Caller\n  subject: owner\n  roles: ["admin", "reader"]`)), []);
  assert.deepEqual(codes(apiKey(`  entity: ApiKey\n  claims: Caller\n  query: "api_key"`)), []);
  const cases: Array<[string, string, string | null]> = [
    [apiKey(`  entity: ApiKeys\n  claims: Caller`), "KV2300", "ApiKey"],
    [apiKey(`  entity: ApiKey\n  claims: Caller\n  subject: ownr`), "KV2300", "owner"],
    [apiKey(`  entity: ApiKey\n  claims: Caller\n  hash: key_hsh`), "KV2300", "key_hash"],
    [apiKey(`  entity: ApiKey\n  claims: Caller\n  headr: "x"`), "KV2221", "header"],
    [apiKey(`  claims: Caller`), "KV3161", null],
    [apiKey(`  entity: ApiKey`), "KV3161", null],
    [apiKey(`  entity: ApiKey\n  claims: Caller\n  hash: owner`), "KV3160", null],
    [apiKey(`  entity: ApiKey\n  claims: Caller\n  header: "x-key"\n  query: "key"`), "KV3160", null],
    [apiKey(`  entity: ApiKey\n  claims: Caller\n  header: "Authorization"`), "KV3160", null],
    [apiKey(`  entity: ApiKey\n  claims: Caller\n  header: "bad header"`), "KV3160", null],
  ];
  for (const [source, code, guess] of cases) {
    const found = diagnostics(source);
    assert.deepEqual(found.map((d) => d.code), [code], source);
    if (guess !== null) assert.equal(found[0].suggestion, `did you mean '${guess}'?`, source);
  }
  // A claim the key's row cannot fill; USING; sign_token belongs to jwt.
  assert.deepEqual(codes(`VALIDATE C {\n  sub: string\n  team: string\n}\nENTITY K {\n  key_hash: text UNIQUE\n}\nAUTH api_key {\n  entity: K\n  claims: C\n}`), ["KV2300"]);
  assert.deepEqual(codes(`${KEYS}AUTH api_key USING secret(env("K")) {\n  entity: ApiKey\n  claims: Caller\n}`), ["KV3160"]);
  assert.deepEqual(codes(`${KEYS}AUTH api_key {\n  entity: ApiKey\n  claims: Caller\n}\nGET /t {\n  RESPOND { t: sign_token({ sub: "a", role: "admin" }) }\n}`), ["KV2223"]);
  // Roles and claims are checked as for jwt.
  assert.deepEqual(codes(`${KEYS}AUTH api_key {\n  entity: ApiKey\n  claims: Caller\n  roles: ["admin"]\n}\nGET /x AUTH admn {\n  RESPOND { r: $auth.rol }\n}`), ["KV2222", "KV2225"]);
});

test("IR: AUTH api_key lowers to a scheme reading the key's row with one query of the app's table", () => {
  const app = lowerText(apiKey(`  entity: ApiKey\n  claims: Caller\n  subject: owner\n  roles: ["admin", "reader"]`));
  const scheme = app.auth!.schemes[0];
  assert.deepEqual({ ...scheme, span: undefined }, {
    kind: "api_key",
    entity: "ApiKey",
    lookup: "Q0",
    hashField: "key_hash",
    subjectField: "owner",
    location: { from: "header", name: "x-api-key" },
    claims: "Caller",
    roleClaim: "role",
    span: undefined,
  });
  assert.equal(app.auth!.usesCookies, false);
  const lookup = app.queries.find((q) => q.id === "Q0")!;
  assert.equal(lookup.source, "default");
  assert.deepEqual(lookup.plan, {
    kind: "select", entity: "ApiKey", fields: null,
    where: { kind: "compare", op: "==", left: { kind: "field", field: "key_hash" }, right: { kind: "arg", index: 0 } },
    orderBy: [], limit: null, offset: null, asOf: null, single: true,
  });
  const schema = JSON.parse(readFileSync(join(ROOT, "docs", "ir.schema.json"), "utf8")) as object;
  const validate = new Ajv({ strict: false }).compile(schema);
  assert.ok(validate(JSON.parse(JSON.stringify(app))), JSON.stringify(validate.errors));
});

const SESSIONS = `VALIDATE Caller {
  sub: string
  role: enum("admin", "member")
}
ENTITY Session {
  token_hash: text UNIQUE
  account_id: int
  role: text
}
`;
const session = (head: string, settings: string, rest = "") => `${SESSIONS}AUTH session ${head}{\n${settings}\n}\nGET /me AUTH {\n  RESPOND { sub: $auth.sub }\n}\n${rest}`;
const GOOD_SESSION = `  entity: Session\n  subject: account_id\n  claims: Caller\n  roles: ["admin", "member"]`;

test("checker: AUTH session with good settings, start_session/end_session, and each bad setting with its diagnostic", () => {
  const login = `POST /login {\n  DELETE FROM Session WHERE token_hash = end_session()\n  INSERT INTO Session { token_hash: start_session(), account_id: 1, role: "member" }\n  RESPOND { ok: true }\n}`;
  assert.deepEqual(codes(session(`USING secret(env("SESSION_KEY")) `, GOOD_SESSION, login)), []);
  assert.deepEqual(codes(session(`USING secret(env("SESSION_KEY")) `, `${GOOD_SESSION}\n  cookie: "sid"\n  expire: 30d`)), []);
  assert.deepEqual(codes(session("", GOOD_SESSION)), ["KV3161"], "the signing secret is required");
  assert.deepEqual(codes(session(`USING jwks("https://x.example") `, GOOD_SESSION)), ["KV3161"]);
  assert.deepEqual(codes(session(`USING secret("hunter2-hunter2-hunter2-hunter2-hunter2") `, GOOD_SESSION)), ["KV3160"], "not in the source");
  assert.deepEqual(codes(session(`USING secret(env("K")) `, `${GOOD_SESSION}\n  expire: "1d"`)), ["KV3160"]);
  assert.deepEqual(codes(session(`USING secret(env("K")) `, `${GOOD_SESSION}\n  cookie: "a b"`)), ["KV3160"]);
  assert.deepEqual(codes(session(`USING secret(env("K")) `, `${GOOD_SESSION}\n  header: "x"`)), ["KV2221"], "sessions live in a cookie");
  assert.deepEqual(codes(session(`USING secret(env("K")) `, `  entity: Sesion\n  claims: Caller`)), ["KV2300"]);
  assert.deepEqual(codes(session(`USING secret(env("K")) `, `  entity: Session\n  subject: acount_id\n  claims: Caller`)), ["KV2300"]);
  // start_session/end_session need a session scheme.
  assert.deepEqual(codes(`POST /x {\n  RESPOND { h: start_session() }\n}`), ["KV2223"]);
  assert.deepEqual(codes(`${KEYS}AUTH api_key {\n  entity: ApiKey\n  claims: Caller\n}\nPOST /x {\n  RESPOND { h: end_session() }\n}`), ["KV2223"]);
});

test("IR: AUTH session lowers to a cookie scheme with its secret, lifetime and row lookup, and marks cookie credentials", () => {
  const app = lowerText(session(`USING secret(env("SESSION_KEY")) `, `${GOOD_SESSION}\n  expire: 2h`));
  const scheme = app.auth!.schemes[0];
  assert.deepEqual({ ...scheme, span: undefined }, {
    kind: "session",
    secret: { kind: "env", name: { kind: "literal", value: "SESSION_KEY" }, default: null },
    cookie: "kova_session",
    expireSeconds: 7200,
    entity: "Session",
    lookup: "Q0",
    hashField: "token_hash",
    subjectField: "account_id",
    claims: "Caller",
    roleClaim: "role",
    span: undefined,
  });
  assert.equal(app.auth!.usesCookies, true);
  assert.equal(app.security.cookieAuth, true, "cross-origin writes are always refused");
  assert.ok(app.env.some((e) => e.name === "SESSION_KEY"));
  const schema = JSON.parse(readFileSync(join(ROOT, "docs", "ir.schema.json"), "utf8")) as object;
  const validate = new Ajv({ strict: false }).compile(schema);
  assert.ok(validate(JSON.parse(JSON.stringify(app))), JSON.stringify(validate.errors));
});
