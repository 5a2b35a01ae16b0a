/** RESPOND … COOKIES { … }, REDIRECT and $cookies (issue 13 item 5): parser, checker, formatter, IR. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, formatSource, lower, parse, type Diagnostic, type RedirectStmt, type RespondStmt } from "../src/index.js";

function check(text: string): Diagnostic[] {
  return checkText(text, "app.kova").diagnostics;
}

function codes(text: string): string[] {
  return check(text).map((d) => d.code);
}

const GOOD = `GET /whoami {
  RESPOND { session: $cookies.session } COOKIES { seen: { value: "yes", max_age: 30d, same_site: "strict" }, theme: "dark" }
}

POST /logout {
  RESPOND 204 HEADERS { "x-bye": "1" } COOKIES { session: null }
}

POST /go {
  REDIRECT 307 "/there" COOKIES { last: { value: 1, http_only: false, secure: true, path: "/", domain: "example.com", partitioned: false, expires: "2030-01-01T00:00:00Z" } }
}

GET /away {
  REDIRECT "/elsewhere"
}
`;

test("parser: RESPOND takes HEADERS and COOKIES in either order; REDIRECT takes a status, an address and COOKIES", () => {
  const { program, diagnostics } = parse(GOOD, "app.kova");
  assert.deepEqual(diagnostics, []);
  const [whoami, logout, go, away] = program.declarations.map((d) => (d.kind === "Endpoint" ? d.body.statements[0] : null));
  assert.equal((whoami as RespondStmt).cookies?.entries.length, 2);
  assert.equal((logout as RespondStmt).headers?.entries.length, 1);
  assert.equal((logout as RespondStmt).cookies?.entries.length, 1);
  const redirect = go as RedirectStmt;
  assert.equal(redirect.kind, "Redirect");
  assert.equal(redirect.status?.value, 307);
  assert.equal(redirect.location.kind, "String");
  assert.equal((away as RedirectStmt).status, null);
  const swapped = parse('GET /a {\n  RESPOND 200 1 COOKIES { a: "1" } HEADERS { b: "2" }\n}\n', "app.kova");
  assert.deepEqual(swapped.diagnostics, []);
});

test("parser: REDIRECT without an address, and COOKIES without an object, are syntax errors", () => {
  const missing = parse("GET /a {\n  REDIRECT 303\n}\n", "app.kova").diagnostics;
  assert.equal(missing[0]?.code, "KV1101");
  assert.match(missing[0].message, /address to redirect to/);
  const notObject = parse('GET /a {\n  RESPOND 200 1 COOKIES "x"\n}\n', "app.kova").diagnostics;
  assert.equal(notObject[0]?.code, "KV1101");
  assert.match(notObject[0].message, /COOKIES takes an object/);
});

test("checker: good cookies and redirects check clean, and a statement after REDIRECT is unreachable", () => {
  assert.deepEqual(check(GOOD), []);
  assert.deepEqual(codes('GET /a {\n  REDIRECT "/b"\n  RESPOND (1)\n}\n'), ["KV2016"]);
});

test("checker: an unknown cookie attribute is KV2200 with did-you-mean; a cookie object without value is KV2201", () => {
  const [unknown] = check('GET /a {\n  RESPOND 200 1 COOKIES { s: { value: "x", httponly: true } }\n}\n');
  assert.equal(unknown.code, "KV2200");
  assert.match(unknown.message, /no attribute 'httponly'/);
  assert.equal(unknown.suggestion, "did you mean 'http_only'?");
  assert.equal(unknown.span.start.line, 2);
  const [noValue] = check('GET /a {\n  RESPOND 200 1 COOKIES { s: { max_age: 1h } }\n}\n');
  assert.equal(noValue.code, "KV2201");
  assert.match(noValue.suggestion ?? "", /value: null clears/);
});

test("checker: a same_site that cannot be, or an attribute of the wrong type, is KV3151", () => {
  const [sameSite] = check('GET /a {\n  RESPOND 200 1 COOKIES { s: { value: "x", same_site: "Strict" } }\n}\n');
  assert.equal(sameSite.code, "KV3151");
  assert.equal(sameSite.suggestion, "did you mean 'strict'?");
  const [maxAge] = check('GET /a {\n  RESPOND 200 1 COOKIES { s: { value: "x", max_age: "7d" } }\n}\n');
  assert.equal(maxAge.code, "KV3151");
  assert.match(maxAge.message, /max_age of cookie 's' is text; it takes a duration/);
  assert.deepEqual(codes('GET /a {\n  RESPOND 200 1 COOKIES { s: { value: "x", http_only: "yes" } }\n}\n'), ["KV3151"]);
});

test("checker: a REDIRECT status that is not a redirect, or an address that is not text, is KV3150", () => {
  const [status] = check('GET /a {\n  REDIRECT 200 "/b"\n}\n');
  assert.equal(status.code, "KV3150");
  assert.match(status.message, /REDIRECT status 200 is not a redirect/);
  assert.deepEqual(codes("GET /a {\n  REDIRECT 303 42\n}\n"), ["KV3150"]);
});

test("checker: $cookies is known (and a misspelt request part suggests it)", () => {
  const [d] = check("GET /a {\n  RESPOND { s: $cookie.session }\n}\n");
  assert.equal(d.code, "KV2004");
  assert.equal(d.suggestion, "did you mean '$cookies'?");
});

test("formatter: COOKIES and REDIRECT print back as written, and formatting is stable", () => {
  const once = formatSource(GOOD, "app.kova");
  assert.deepEqual(once.diagnostics, []);
  assert.match(once.text, /REDIRECT 307 "\/there" COOKIES \{/);
  assert.match(once.text, /RESPOND 204 HEADERS \{ "x-bye": "1" \} COOKIES \{ session: null \}/);
  assert.match(once.text, /REDIRECT "\/elsewhere"/);
  assert.equal(formatSource(once.text, "app.kova").text, once.text);
});

test("IR: REDIRECT is a respond with a location header (303 by default); $cookies reads are listed on the route", () => {
  const result = checkText(GOOD, "app.kova");
  const app = lower(result.programs[0].model, { name: "app" });
  const away = app.entryPoints.find((r) => r.id === "GET /away")!;
  assert.deepEqual(away.body[0], {
    kind: "respond",
    status: 303,
    value: null,
    headers: [{ kind: "property", key: "location", value: { kind: "literal", value: "/elsewhere" } }],
    cookies: null,
    notFound: null,
    span: away.body[0].span,
  });
  const whoami = app.entryPoints.find((r) => r.id === "GET /whoami")!;
  assert.deepEqual(whoami.inputs.cookies, ["session"]);
});
