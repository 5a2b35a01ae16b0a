// Cookies in the runtime (issue 13 item 5): parsing the Cookie header, serialising Set-Cookie with
// Kova's defaults, and the same behaviour in both servers for cookies a handler returns and
// cookies a pipeline stage sets (what a session/auth stage does), problems included.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { CookieError, Pipeline, readCookies, setCookieLine, type Exchange, type PipelineStage } from "../src/index.js";
import { serveOnBoth, type BothServers } from "./both-servers.js";
import { captureLog } from "./test-app.js";

describe("cookies.ts", () => {
  test("readCookies parses and decodes; no header is an empty object; HTTP/2 split headers join", () => {
    assert.deepEqual({ ...readCookies("a=1; b=hello%20world; c=") }, { a: "1", b: "hello world", c: "" });
    assert.deepEqual({ ...readCookies(undefined) }, {});
    assert.deepEqual({ ...readCookies(["a=1", "b=2"]) }, { a: "1", b: "2" });
  });

  test("setCookieLine: Path=/, HttpOnly and SameSite=Lax by default; max_age in ms becomes seconds; null clears", () => {
    assert.equal(setCookieLine("theme", "dark"), "theme=dark; Path=/; HttpOnly; SameSite=Lax");
    assert.equal(setCookieLine("n", 5), "n=5; Path=/; HttpOnly; SameSite=Lax");
    assert.equal(
      setCookieLine("s", { value: "x y", max_age: 90_500, same_site: "none", domain: "example.com", path: "/app", http_only: false, partitioned: true }),
      "s=x%20y; Max-Age=90; Domain=example.com; Path=/app; Secure; Partitioned; SameSite=None",
    );
    assert.equal(setCookieLine("s", { value: "v", expires: "2030-01-02T03:04:05Z" }), "s=v; Path=/; Expires=Wed, 02 Jan 2030 03:04:05 GMT; HttpOnly; SameSite=Lax");
    assert.equal(setCookieLine("s", null), "s=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax");
  });

  test("a cookie the program built wrongly is a CookieError naming the cookie", () => {
    assert.throws(() => setCookieLine("bad name", "x"), (e: unknown) => e instanceof CookieError && /cookie "bad name": .*name is invalid/.test(e.message));
    assert.throws(() => setCookieLine("s", { value: "x", same_site: "sideways" as "lax" }), /same_site must be "lax", "strict" or "none"/);
    assert.throws(() => setCookieLine("s", { value: "x", expires: "soon" }), /expires is not an instant/);
  });
});

/** A session-like stage: reads the request's cookie and always sets one, whatever the answer. */
const session: PipelineStage = {
  name: "testSession",
  run: (ex: Exchange) => {
    ex.setCookie("sid", { value: ex.cookies.sid ?? "new", max_age: 3_600_000 });
  },
};

const log = captureLog();
let servers: BothServers;
before(async () => {
  servers = await serveOnBoth({ logger: log.logger, pipeline: new Pipeline().with(session, { before: "readBody" }) });
});
after(() => servers.close());

for (const server of ["node:http", "fast", "fastify"] as const) {
  test(`${server}: a stage's cookie goes out with a success and with a problem`, async () => {
    const ok = await fetch(`${servers.bases[server]}/env`, { headers: { cookie: "sid=abc" } });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.headers.getSetCookie(), ["sid=abc; Max-Age=3600; Path=/; HttpOnly; SameSite=Lax"]);
    const missing = await fetch(`${servers.bases[server]}/users/987`);
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.headers.getSetCookie(), ["sid=new; Max-Age=3600; Path=/; HttpOnly; SameSite=Lax"]);
  });
}
