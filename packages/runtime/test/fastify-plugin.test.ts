import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { kovaFastifyPlugin } from "../src/index.js";
import { makeApp, memoryDrivers } from "./test-app.js";

let fastify: FastifyInstance;
let base: string;

before(async () => {
  fastify = Fastify({ logger: false });
  // The host's own routes and error format must be left alone by the plugin.
  fastify.get("/host", async () => ({ host: true }));
  await fastify.register(kovaFastifyPlugin(makeApp(), { appDir: mkdtempSync(join(tmpdir(), "kova-fastify-")), env: {}, bodyLimit: 1024 }), { prefix: "/api" });
  base = await fastify.listen({ port: 0, host: "127.0.0.1" });
});
after(async () => {
  const db = memoryDrivers.get("db")!;
  await fastify.close();
  assert.equal(db.closed, true, "the plugin closes the data sources it opened");
});

async function call(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(base + path, { method, body: init.body, headers: init.headers });
  const text = await res.text();
  return { res, status: res.status, json: text === "" ? undefined : (JSON.parse(text) as Record<string, any>) };
}

const jsonHeaders = { "content-type": "application/json" };

describe("kovaFastifyPlugin on a real Fastify server", () => {
  test("routes are mounted under the prefix with typed params, bodies and data sources", async () => {
    const created = await call("POST", "/api/users", { body: JSON.stringify({ name: "Cy", email: "cy@example.com" }), headers: jsonHeaders });
    assert.equal(created.status, 201);
    assert.match(created.res.headers.get("x-request-id")!, /^[0-9a-f-]{36}$/);
    const got = await call("GET", `/api/users/${created.json!.id}`);
    assert.deepEqual(got.json, { id: created.json!.id, name: "Cy", email: "cy@example.com" });
    assert.equal((await call("GET", "/host")).json!.host, true);
  });

  test("bad params, validation, 404 and 405 give the same problems as the standalone server", async () => {
    const badParam = await call("GET", "/api/users/abc");
    assert.equal(badParam.status, 400);
    assert.equal(badParam.res.headers.get("content-type"), "application/problem+json");
    assert.deepEqual(badParam.json!.errors, [{ field: "id", message: 'must be an integer, got "abc"' }]);

    const invalid = await call("POST", "/api/users", { body: "{}", headers: jsonHeaders });
    assert.equal(invalid.status, 400);
    assert.deepEqual(invalid.json!.errors.map((e: { field: string }) => e.field), ["name", "email"]);

    const missing = await call("GET", "/api/nope", { headers: { "x-request-id": "fz-1" } });
    assert.equal(missing.status, 404);
    assert.equal(missing.json!.type, "urn:kova:problem:not-found");
    assert.equal(missing.json!.requestId, "fz-1");

    const wrongMethod = await call("PUT", "/api/users/1");
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.res.headers.get("allow"), "GET, HEAD, DELETE");
  });

  test("body errors: malformed JSON with position, 415, 413", async () => {
    const malformed = await call("POST", "/api/echo", { body: '{"a":', headers: jsonHeaders });
    assert.equal(malformed.status, 400);
    assert.match(malformed.json!.detail, /line 1, column 6 \(position 5\)/);

    const form = await call("POST", "/api/echo", { body: "a=1", headers: { "content-type": "text/plain" } });
    assert.equal(form.status, 415);
    assert.equal(form.json!.type, "urn:kova:problem:unsupported-media-type");

    const big = await call("POST", "/api/echo", { body: JSON.stringify({ pad: "x".repeat(4000) }), headers: jsonHeaders });
    assert.equal(big.status, 413);
    assert.equal(big.json!.type, "urn:kova:problem:payload-too-large");
  });

  test("thrown errors: 500 without the stack, HttpError, QueryError 409, connection error 503", async () => {
    const boom = await call("GET", "/api/boom", { headers: { "x-request-id": "fz-boom" } });
    assert.equal(boom.status, 500);
    assert.equal(boom.json!.requestId, "fz-boom");
    assert.doesNotMatch(JSON.stringify(boom.json), /hunter2/);
    assert.equal((await call("GET", "/api/teapot")).status, 418);
    assert.equal((await call("GET", "/api/conflict")).status, 409);
    const flaky = memoryDrivers.get("flaky")!;
    flaky.down = true;
    try {
      assert.equal((await call("GET", "/api/flaky")).status, 503);
      // Liveness stays 200; readiness says the source is down.
      assert.equal((await call("GET", "/api/_kova/health")).status, 200);
      assert.equal((await call("GET", "/api/_kova/ready")).status, 503);
    } finally {
      flaky.down = false;
    }
    const health = await call("GET", "/api/_kova/health");
    assert.equal(health.status, 200);
    assert.equal(health.json!.status, "ok");
  });
});
