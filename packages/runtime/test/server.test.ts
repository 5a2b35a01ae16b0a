import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { connectDataSources, createServer, type DataSources, type KovaServer } from "../src/index.js";
import type { MemoryDriver } from "./memory-driver.js";
import { captureLog, makeApp, memoryDrivers } from "./test-app.js";

// Every test runs on both HTTP layers: node:http and the fast layer (http-fast/).
for (const layer of ["node", "fast"] as const) describe(`server on the ${layer} HTTP layer`, () => {
  const log = captureLog();
  let dataSources: DataSources;
  let drivers: { db: MemoryDriver; flaky: MemoryDriver };
  let server: KovaServer;
  let base: string;

  before(async () => {
    const app = makeApp();
    // The real start-up path: drivers come from the registry, then are connected and migrated.
    dataSources = await connectDataSources(app, tmpdir(), {});
    drivers = { db: memoryDrivers.get("db")!, flaky: memoryDrivers.get("flaky")! };
    server = createServer(app, {
      http: layer,
      logger: log.logger,
      accessLog: true,
      bodyLimit: 1024,
      env: { GREETING: "hi there" },
      dataSources,
    });
    await server.listen(0, "127.0.0.1");
    base = server.url;
  });
  after(async () => {
    await server.close();
    await dataSources.close();
    assert.ok(drivers.db.closed && drivers.flaky.closed);
  });

  async function call(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) {
    const res = await fetch(base + path, { method, body: init.body, headers: init.headers });
    const text = await res.text();
    return { res, status: res.status, json: text === "" ? undefined : (JSON.parse(text) as Record<string, any>) };
  }

  const jsonHeaders = { "content-type": "application/json" };

  describe("routing and parameters", () => {
    test("a typed int param reaches the handler as a number and the row is returned", async () => {
      const created = await call("POST", "/users", { body: JSON.stringify({ name: "Ada", email: "ada@example.com" }), headers: jsonHeaders });
      assert.equal(created.status, 201);
      assert.equal(created.res.headers.get("content-type"), "application/json; charset=utf-8");
      const id = created.json!.id;
      const got = await call("GET", `/users/${id}`);
      assert.equal(got.status, 200);
      assert.deepEqual(got.json, { id, name: "Ada", email: "ada@example.com" });
    });

    test("a param that is not an int is a 400 problem naming it", async () => {
      const { res, status, json } = await call("GET", "/users/abc");
      assert.equal(status, 400);
      assert.equal(res.headers.get("content-type"), "application/problem+json");
      assert.equal(json!.type, "urn:kova:problem:invalid-parameter");
      assert.deepEqual(json!.errors, [{ field: "id", message: 'must be an integer, got "abc"' }]);
      assert.equal(json!.instance, "/users/abc");
      assert.match(json!.detail, /\bid\b/);
    });

    test("uuid, datetime, boolean and float params are parsed and normalized", async () => {
      const { status, json } = await call("GET", "/typed/0F8FAD5B-D9CB-469F-A165-70867728950E/2024-05-01T10:00:00%2B02:00/true/-2.5");
      assert.equal(status, 200);
      assert.deepEqual(json, { u: "0f8fad5b-d9cb-469f-a165-70867728950e", t: "2024-05-01T08:00:00.000Z", b: true, f: -2.5 });
    });

    test("every bad param is listed", async () => {
      const { status, json } = await call("GET", "/typed/nope/yesterday/maybe/1.2.3");
      assert.equal(status, 400);
      assert.deepEqual(json!.errors.map((e: { field: string }) => e.field), ["u", "t", "b", "f"]);
    });

    test("percent-encoded params are decoded", async () => {
      const { json } = await call("GET", "/typed/0f8fad5b-d9cb-469f-a165-70867728950e/2024-05-01/1/1e3?x=%C3%A9");
      assert.deepEqual(json, { u: "0f8fad5b-d9cb-469f-a165-70867728950e", t: "2024-05-01T00:00:00.000Z", b: true, f: 1000 });
    });

    test("query strings are parsed; repeated keys become arrays", async () => {
      const { json } = await call("GET", "/search?q=kova&tag=a&tag=b&empty=&sp=a%20b");
      assert.deepEqual({ ...json!.query }, { q: "kova", tag: ["a", "b"], empty: "", sp: "a b" });
    });

    test("declared query params are typed; a bad or missing one is a 400 naming it", async () => {
      const ok = await call("GET", "/typed-query?q=x&min_age=30");
      assert.deepEqual(ok.json!.query, { q: "x", min_age: 30 });
      const bad = await call("GET", "/typed-query?min_age=old");
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.json!.errors, [
        { field: "min_age", message: 'must be an integer, got "old"' },
        { field: "q", message: "query parameter is required" },
      ]);
    });

    test("unknown route is a 404 problem", async () => {
      const { status, json, res } = await call("GET", "/nope");
      assert.equal(status, 404);
      assert.equal(res.headers.get("content-type"), "application/problem+json");
      assert.equal(json!.type, "urn:kova:problem:not-found");
      assert.equal(json!.title, "Not Found");
    });

    test("known path with the wrong method is a 405 with an Allow header", async () => {
      const { status, json, res } = await call("PUT", "/users/1");
      assert.equal(status, 405);
      assert.equal(res.headers.get("allow"), "GET, HEAD, DELETE");
      assert.match(json!.detail, /PUT is not allowed/);
    });

    test("OPTIONS answers 204 with the allowed methods", async () => {
      const { status, res } = await call("OPTIONS", "/users");
      assert.equal(status, 204);
      assert.equal(res.headers.get("allow"), "POST");
    });

    test("HEAD on a GET route sends headers without a body", async () => {
      const { status, res, json } = await call("HEAD", "/env");
      assert.equal(status, 200);
      assert.equal(json, undefined);
      assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
    });

    test("a malformed percent-encoding is a 400 problem", async () => {
      const { status, json } = await call("GET", "/users/%E0%A4%A");
      assert.equal(status, 400);
      assert.equal(json!.type, "urn:kova:problem:bad-url");
    });
  });

  describe("bodies", () => {
    test("a JSON body reaches the handler (charset allowed)", async () => {
      const { status, json } = await call("POST", "/echo", { body: '{"a":[1,2]}', headers: { "content-type": "application/json; charset=UTF-8" } });
      assert.equal(status, 200);
      assert.deepEqual(json, { body: { a: [1, 2] } });
    });

    test("no body means undefined, not a parse error", async () => {
      const { status, json } = await call("POST", "/echo");
      assert.equal(status, 200);
      assert.deepEqual(json, { body: "nothing" });
    });

    test("another content type is a 415 problem", async () => {
      const { status, json } = await call("POST", "/echo", { body: "a=1", headers: { "content-type": "application/x-www-form-urlencoded" } });
      assert.equal(status, 415);
      assert.equal(json!.type, "urn:kova:problem:unsupported-media-type");
      assert.match(json!.detail, /application\/x-www-form-urlencoded/);
    });

    test("malformed JSON is a 400 saying where", async () => {
      const { status, json } = await call("POST", "/echo", { body: '{\n  "a": 1,\n  "b": }', headers: jsonHeaders });
      assert.equal(status, 400);
      assert.equal(json!.type, "urn:kova:problem:malformed-json");
      assert.match(json!.detail, /line 3, column 8 \(position 19\)/);
    });

    test("a body over the limit (declared length) is a 413 problem", async () => {
      const { status, json } = await call("POST", "/echo", { body: JSON.stringify({ pad: "x".repeat(5000) }), headers: jsonHeaders });
      assert.equal(status, 413);
      assert.equal(json!.type, "urn:kova:problem:payload-too-large");
    });

    test("a chunked body is cut off at the limit with a 413", async () => {
      const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(base + "/echo", { method: "POST", headers: jsonHeaders }, (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => (body += c));
          res.on("end", () => resolve({ status: res.statusCode!, body }));
        });
        req.on("error", reject);
        req.write('{"pad":"');
        // Keep streaming well past the limit; the server must answer without waiting for the end.
        let sent = 0;
        const timer = setInterval(() => {
          if (sent++ > 50 || req.destroyed) return clearInterval(timer);
          req.write("x".repeat(512));
        }, 2);
      });
      assert.equal(result.status, 413);
    });

    test("validation issues are a 400 listing every field", async () => {
      const { status, json } = await call("POST", "/users", { body: JSON.stringify({ email: "nope", age: "old" }), headers: jsonHeaders });
      assert.equal(status, 400);
      assert.equal(json!.type, "urn:kova:problem:validation-failed");
      assert.deepEqual(json!.errors, [
        { field: "name", message: "must be a string" },
        { field: "email", message: "must be an email address" },
        { field: "age", message: "must be a number" },
      ]);
    });
  });

  describe("replies and errors", () => {
    test("undefined body is a 204 with no content", async () => {
      const { status, json } = await call("DELETE", "/users/1");
      assert.equal(status, 204);
      assert.equal(json, undefined);
    });

    test("reply status, headers and compiled serializer are used", async () => {
      const { status, json, res } = await call("GET", "/reply-headers");
      assert.equal(status, 202);
      assert.equal(res.headers.get("cache-control"), "no-store");
      assert.deepEqual(json, { wrapped: [1, 2] });
    });

    test("handlers see the resolved env", async () => {
      assert.deepEqual((await call("GET", "/env")).json, { greeting: "hi there" });
    });

    test("a thrown error is a 500 with the request id; the stack is logged, never sent", async () => {
      const { status, json, res } = await call("GET", "/boom", { headers: { "x-request-id": "trace-123" } });
      assert.equal(status, 500);
      assert.equal(json!.requestId, "trace-123");
      assert.equal(res.headers.get("x-request-id"), "trace-123");
      const sent = JSON.stringify(json);
      assert.doesNotMatch(sent, /hunter2|at |\.js:/);
      const entry = log.lines.find((l) => l.reqId === "trace-123" && l.msg === "handler failed");
      assert.ok(entry, "the failure is logged");
      assert.match(String((entry.err as { stack: string }).stack), /secret internals/);
      assert.equal(entry.source, "GET /boom (boom.kova:7)");
    });

    test("a single-row query that finds nothing becomes the compiler's HttpError 404", async () => {
      const { status, json } = await call("GET", "/users/999999");
      assert.equal(status, 404);
      assert.equal(json!.detail, "no User with id 999999");
    });

    test("HttpError keeps its status and extra members", async () => {
      const { status, json } = await call("GET", "/teapot");
      assert.equal(status, 418);
      assert.equal(json!.detail, "short and stout");
      assert.deepEqual(json!.errors, [{ field: "spout", message: "too short" }]);
    });

    test("QueryError becomes its status, with the field", async () => {
      const { status, json } = await call("GET", "/conflict");
      assert.equal(status, 409);
      assert.deepEqual(json!.errors, [{ field: "email", message: "a User with this email already exists" }]);
    });

    test("a UNIQUE violation from the driver is a 409", async () => {
      const body = JSON.stringify({ name: "Bo", email: "bo@example.com" });
      assert.equal((await call("POST", "/users", { body, headers: jsonHeaders })).status, 201);
      const again = await call("POST", "/users", { body, headers: jsonHeaders });
      assert.equal(again.status, 409);
      assert.equal(again.json!.errors[0].field, "email");
    });

    test("a driver connection error is a 503 and the server keeps serving", async () => {
      drivers.flaky.down = true;
      try {
        const { status, json } = await call("GET", "/flaky");
        assert.equal(status, 503);
        assert.equal(json!.type, "urn:kova:problem:data-source-unavailable");
        assert.doesNotMatch(JSON.stringify(json), /5432/);
        assert.equal((await call("GET", "/env")).status, 200);
      } finally {
        drivers.flaky.down = false;
      }
      assert.equal((await call("GET", "/flaky")).status, 200);
    });

    test("request ids: a sane incoming one is echoed, an unsafe one replaced", async () => {
      const mine = await call("GET", "/env", { headers: { "x-request-id": "abc-1" } });
      assert.equal(mine.res.headers.get("x-request-id"), "abc-1");
      const unsafe = await call("GET", "/nope", { headers: { "x-request-id": "has spaces and \"quotes\"" } });
      const id = unsafe.res.headers.get("x-request-id")!;
      assert.match(id, /^[0-9a-f-]{36}$/);
      assert.equal(unsafe.json!.requestId, id);
    });

    test("one info line per request with method, path, status and ms", async () => {
      await call("GET", "/env?x=1", { headers: { "x-request-id": "log-line" } });
      const entry = log.lines.find((l) => l.reqId === "log-line" && l.msg === "request");
      assert.ok(entry);
      assert.equal(entry.method, "GET");
      assert.equal(entry.path, "/env");
      assert.equal(entry.status, 200);
      assert.equal(typeof entry.ms, "number");
    });
  });

  describe("health", () => {
    test("health (liveness) lists each data source and stays 200; ready is 503 when one is down", async () => {
      const up = await call("GET", "/_kova/health");
      assert.equal(up.status, 200);
      assert.deepEqual(up.json, {
        status: "ok",
        // Name and up/down only: a driver's detail can hold a file path or URL (issue 10 item 15).
        dataSources: [{ name: "db", ok: true, status: "up" }, { name: "flaky", ok: true, status: "up" }],
      });
      assert.equal((await call("GET", "/_kova/ready")).status, 200);
      drivers.flaky.down = true;
      try {
        const down = await call("GET", "/_kova/health");
        assert.equal(down.status, 200);
        assert.equal(down.json!.dataSources[1].ok, false);
        const notReady = await call("GET", "/_kova/ready");
        assert.equal(notReady.status, 503);
        assert.equal(notReady.json!.status, "unavailable");
        assert.deepEqual(notReady.json!.checks, [{ name: "dataSource:db", status: "pass" }, { name: "dataSource:flaky", status: "fail" }, { name: "migrations:db", status: "pass" }, { name: "migrations:flaky", status: "pass" }, { name: "draining", status: "pass" }]);
      } finally {
        drivers.flaky.down = false;
      }
    });

    test("an app route on the health path wins, with a warning", async () => {
      const capture = captureLog();
      const app = makeApp();
      app.routes.push({ method: "GET", path: "/status/health", params: [], handler: () => ({ body: { mine: true } }) });
      const other = createServer(app, { http: layer, logger: capture.logger, internalPrefix: "/status" });
      await other.listen(0);
      try {
        const res = await fetch(`${other.url}/status/health`);
        assert.deepEqual(await res.json(), { mine: true });
        assert.ok(capture.lines.some((l) => l.level === 40 && /health check/.test(String(l.msg))));
      } finally {
        await other.close();
      }
    });
  });
});
