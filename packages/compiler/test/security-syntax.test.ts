/** RATE_LIMIT and CORS (issue 14 items 4, 5, 6): parser, checker messages, formatter and lowering. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, formatSource, lower, parse, type Diagnostic, type EndpointDecl, type RateLimitDecl } from "../src/index.js";

const check = (text: string): Diagnostic[] => checkText(text, "app.kova").diagnostics;
const codes = (text: string): string[] => check(text).map((d) => d.code);

function lowerText(text: string) {
  const result = checkText(text, "app.kova");
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error"), []);
  return lower(result.programs[0].model, { name: "app" });
}

test("parser: RATE_LIMIT at the top level and after an endpoint's path, with and without BY", () => {
  const { program, diagnostics } = parse(`RATE_LIMIT 1000 PER 1h
POST /login VALIDATE Login RATE_LIMIT 5 PER 1m BY header("x-api-key") {
  RESPOND 200 { ok: true }
}`, "app.kova");
  assert.deepEqual(diagnostics, []);
  const app = program.declarations[0] as RateLimitDecl;
  assert.equal(app.kind, "RateLimit");
  assert.equal(app.by, null);
  assert.equal(app.window.kind === "Duration" && app.window.value, 3_600_000);
  const endpoint = program.declarations[1] as EndpointDecl;
  assert.equal(endpoint.validate?.name, "Login");
  assert.equal(endpoint.rateLimit?.by?.kind, "Call");
});

test("parser: a missing PER is reported where it belongs; two RATE_LIMITs on one endpoint are KV1261", () => {
  const missing = parse("RATE_LIMIT 100 1m", "app.kova").diagnostics;
  assert.equal(missing[0]?.code, "KV1101");
  assert.match(missing[0].message, /PER after the number of requests/);
  const typo = parse("RATE_LIMIT 100 PRE 1m", "app.kova").diagnostics;
  assert.equal(typo[0]?.suggestion, "did you mean PER?");
  assert.deepEqual(parse("GET /a RATE_LIMIT 1 PER 1s RATE_LIMIT 2 PER 1s { }", "app.kova").diagnostics.map((d) => d.code), ["KV1261"]);
});

test("checker: RATE_LIMIT counts, windows and keys, with did-you-mean", () => {
  assert.deepEqual(codes("RATE_LIMIT 100 PER 1m BY ip"), []);
  assert.deepEqual(codes("RATE_LIMIT 0 PER 1m"), ["KV3170"]);
  assert.deepEqual(codes("RATE_LIMIT 2.5 PER 1m"), ["KV3170"]);
  assert.deepEqual(codes("RATE_LIMIT 10 PER 500ms"), ["KV3170"]);
  assert.deepEqual(codes("RATE_LIMIT 10 PER 2d"), ["KV3170"]);
  const seconds = check("RATE_LIMIT 10 PER 60")[0];
  assert.match(seconds.message, /write 60s for seconds or 60m for minutes/);
  const ipp = check("RATE_LIMIT 10 PER 1m BY ipp")[0];
  assert.equal(ipp.code, "KV2240");
  assert.equal(ipp.replacement, "ip");
  const header = check('RATE_LIMIT 10 PER 1m BY headers("x-key")')[0];
  assert.equal(header.code, "KV2240");
  assert.equal(header.replacement, "header");
  assert.deepEqual(codes('RATE_LIMIT 10 PER 1m BY header("bad header")'), ["KV2240"]);
  const auth = check("GET /me RATE_LIMIT 10 PER 1m BY $auht.sub {\n  RESPOND 200 { ok: true }\n}")[0];
  assert.equal(auth.replacement, "$auth");
  assert.deepEqual(codes("GET /me RATE_LIMIT 10 PER 1m BY $auth.sub {\n  RESPOND 200 { ok: true }\n}"), ["KV2241"]);
  assert.deepEqual(codes("RATE_LIMIT 10 PER 1m BY $auth.sub"), ["KV2241"]);
  assert.deepEqual(codes("RATE_LIMIT 10 PER 1m\n\nRATE_LIMIT 20 PER 1m"), ["KV2242"]);
});

test("checker: CORS settings, origins and credentials", () => {
  assert.deepEqual(codes('CORS {\n  origins: ["https://app.example.com", env("MORE")]\n  credentials: true\n  max_age: 10m\n}'), []);
  const setting = check('CORS {\n  origins: ["https://a.example"]\n  credential: true\n}')[0];
  assert.equal(setting.code, "KV2244");
  assert.equal(setting.replacement, "credentials");
  const origin = check('CORS {\n  origins: ["https://App.Example.com/"]\n}')[0];
  assert.equal(origin.code, "KV3171");
  assert.equal(origin.replacement, '"https://app.example.com"');
  assert.deepEqual(codes('CORS {\n  origins: ["*.example.com"]\n}'), ["KV3171"]);
  assert.deepEqual(codes('CORS {\n  origins: ["https://*.example.com"]\n}'), ["KV3171"]);
  assert.deepEqual(codes('CORS {\n  origins: ["*"]\n  credentials: true\n}'), ["KV3172"]);
  assert.deepEqual(codes('CORS {\n  origins: ["*"]\n}'), []);
  const method = check('CORS {\n  origins: ["https://a.example"]\n  methods: ["get"]\n}')[0];
  assert.equal(method.replacement, '"GET"');
  assert.deepEqual(codes('CORS {\n  origins: ["https://a.example"]\n  credentials: "yes"\n  max_age: 10\n  headers: "x"\n}'), ["KV3173", "KV3173", "KV3173"]);
  assert.deepEqual(codes("CORS {\n  credentials: true\n}"), ["KV3174"]);
  assert.deepEqual(codes('CORS {\n  origins: ["https://a.example"]\n}\n\nCORS {\n  origins: ["https://b.example"]\n}'), ["KV2243"]);
});

test("formatter: RATE_LIMIT and CORS round-trip in canonical style", () => {
  const source = 'rate_limit 5 per 1m by ip\ncors { origins: ["https://a.example"], credentials: true }\nGET /a   RATE_LIMIT 5 PER 1m BY header( "x-key" ) { RESPOND 200 { ok: true } }\n';
  // Lower-case keywords are syntax errors (left alone); the canonical text formats to itself.
  const canonical = 'RATE_LIMIT 5 PER 1m BY ip\n\nCORS {\n  origins: ["https://a.example"]\n  credentials: true\n}\n\nGET /a RATE_LIMIT 5 PER 1m BY header("x-key") {\n  RESPOND 200 { ok: true }\n}\n';
  assert.equal(formatSource(source).changed, false);
  const messy = 'RATE_LIMIT 5   PER 1m BY ip\nCORS { origins: ["https://a.example"], credentials: true }\nGET /a   RATE_LIMIT 5 PER 1m BY header( "x-key" ) { RESPOND 200 { ok: true } }\n';
  assert.equal(formatSource(messy).text, canonical);
  assert.equal(formatSource(canonical).changed, false);
});

test("lowering: the IR carries the app's security and each route's rate limit", () => {
  const app = lowerText(`RATE_LIMIT 1000 PER 1h

CORS {
  origins: ["https://app.example.com", env("MORE_ORIGINS", "")]
  methods: ["GET", "POST"]
  expose: ["X-Request-Id"]
  max_age: 2m
}

POST /login RATE_LIMIT 5 PER 1m BY header("X-Api-Key") {
  RESPOND 200 { ok: true }
}

GET /open {
  RESPOND 200 { ok: true }
}`);
  assert.deepEqual({ ...app.security.rateLimit, span: undefined }, { limit: 1000, windowMs: 3_600_000, key: { by: "ip" }, span: undefined });
  const cors = app.security.cors!;
  assert.deepEqual([cors.methods, cors.expose, cors.credentials, cors.maxAgeSeconds], [["GET", "POST"], ["x-request-id"], false, 120]);
  assert.equal(cors.origins.length, 2);
  assert.equal(cors.origins[1].kind, "env");
  assert.ok(app.env.some((v) => v.name === "MORE_ORIGINS"), "env() in origins is a declared variable");
  const [login, open] = app.entryPoints;
  assert.deepEqual(login.rateLimit?.key, { by: "header", name: "x-api-key" });
  assert.equal(open.rateLimit, null);
  assert.equal(app.security.cookieAuth, false);
});
