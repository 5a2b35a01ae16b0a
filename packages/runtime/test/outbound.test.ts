// fetch_json against a real local HTTP server: results, timeouts, retries of idempotent requests
// only, the per-host circuit breaker opening and closing, and the bulkhead.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { HttpError } from "../src/app.js";
import { CircuitBreaker } from "../src/outbound/circuit-breaker.js";
import { OutboundClient } from "../src/outbound/fetch-json.js";

async function server(t: { after: (fn: () => Promise<void>) => void }, handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const s = createServer(handler);
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => {
    s.closeAllConnections();
    s.close(() => resolve());
  }));
  const port = (s.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}` };
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

async function rejects(work: Promise<unknown>, status: number, message: RegExp): Promise<void> {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(error instanceof HttpError, String(error));
    assert.equal(error.status, status, error.detail);
    assert.match(error.detail, message);
    return true;
  });
}

test("a JSON answer: status, ok, headers and the parsed body; a 4xx is a result, not an error", async (t) => {
  const { url } = await server(t, (req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => (req.url === "/missing" ? json(res, 404, { error: "nope" }) : json(res, 200, { method: req.method, got: body ? JSON.parse(body) : null, type: req.headers["content-type"] ?? null })));
  });
  const client = new OutboundClient();
  const reply = await client.fetchJson(`${url}/x`, { method: "POST", body: { a: 1 } });
  assert.equal(reply.status, 200);
  assert.equal(reply.ok, true);
  assert.deepEqual(reply.body, { method: "POST", got: { a: 1 }, type: "application/json" });
  assert.equal(reply.headers["content-type"], "application/json");
  const missing = await client.fetchJson(`${url}/missing`);
  assert.deepEqual([missing.status, missing.ok, missing.body], [404, false, { error: "nope" }]);
  await rejects(client.fetchJson("not a url"), 500, /not an absolute URL/);
  await rejects(client.fetchJson("file:///etc/passwd"), 500, /only http and https/);
});

test("timeouts and retries: an idempotent GET is retried with backoff; a POST is not", async (t) => {
  let calls = 0;
  const { url } = await server(t, (req, res) => {
    calls++;
    if (req.url === "/flaky" && calls < 3) return json(res, 503, { down: true });
    if (req.url === "/slow") return void setTimeout(() => json(res, 200, {}), 500);
    json(res, 200, { calls });
  });
  const client = new OutboundClient({ retryBaseMs: 20 });
  const reply = await client.fetchJson(`${url}/flaky`, { retries: 3 });
  assert.deepEqual([reply.status, calls], [200, 3], "two 503s, then the answer");
  calls = 0;
  const post = await client.fetchJson(`${url}/flaky`, { method: "POST", retries: 3 });
  assert.deepEqual([post.status, calls], [503, 1], "a POST goes out once: its 503 is the result");
  calls = 0;
  const started = Date.now();
  await rejects(client.fetchJson(`${url}/slow`, { timeout: 100, retries: 1 }), 504, /no answer from .* within 100 ms \(2 attempts\)/);
  assert.equal(calls, 2);
  assert.ok(Date.now() - started < 450, "each attempt stops at its timeout");
  const idempotentPost = new OutboundClient({ retryBaseMs: 20 });
  calls = 0;
  assert.equal((await idempotentPost.fetchJson(`${url}/flaky`, { method: "POST", idempotent: true, retries: 3 })).status, 200);
});

test("the circuit breaker opens after repeated failures, fails fast, then closes after a good trial call", async (t) => {
  let healthy = false;
  let calls = 0;
  const { url, host } = await server(t, (_req, res) => {
    calls++;
    json(res, healthy ? 200 : 500, {});
  });
  const client = new OutboundClient({ failureThreshold: 3, openMs: 200, retries: 0 });
  for (let i = 0; i < 3; i++) assert.equal((await client.fetchJson(url)).status, 500);
  assert.equal(client.circuit(host), "open");
  await rejects(client.fetchJson(url), 503, /circuit is open/);
  assert.equal(calls, 3, "an open circuit sends nothing");
  await new Promise((r) => setTimeout(r, 220));
  assert.equal(client.circuit(host), "half-open");
  // The trial fails: open again.
  assert.equal((await client.fetchJson(url)).status, 500);
  assert.equal(client.circuit(host), "open");
  await new Promise((r) => setTimeout(r, 220));
  healthy = true;
  assert.equal((await client.fetchJson(url)).status, 200);
  assert.equal(client.circuit(host), "closed");
  // An unreachable host counts as failing too (a port nothing listens on).
  const dead = new OutboundClient({ failureThreshold: 2, openMs: 10_000, retries: 0 });
  await rejects(dead.fetchJson("http://127.0.0.1:9/"), 502, /could not be reached/);
  await rejects(dead.fetchJson("http://127.0.0.1:9/"), 502, /could not be reached/);
  await rejects(dead.fetchJson("http://127.0.0.1:9/"), 503, /circuit is open/);
});

test("half-open lets one trial call through at a time", () => {
  let now = 0;
  const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 100 }, () => now);
  breaker.failed();
  assert.equal(breaker.tryAcquire(), false);
  now = 150;
  assert.equal(breaker.tryAcquire(), true);
  assert.equal(breaker.tryAcquire(), false, "a second call waits for the trial's outcome");
  breaker.succeeded();
  assert.equal(breaker.state, "closed");
});

test("the bulkhead bounds calls in flight per host; past its waiting line a call fails at once", async (t) => {
  let inFlight = 0;
  let most = 0;
  const { url } = await server(t, (_req, res) => {
    inFlight++;
    most = Math.max(most, inFlight);
    setTimeout(() => {
      inFlight--;
      json(res, 200, {});
    }, 80);
  });
  const client = new OutboundClient({ maxInFlight: 2, maxWaiting: 3 });
  const calls = Array.from({ length: 7 }, () => client.fetchJson(url).then((r) => r.status, (e: HttpError) => e.status));
  const statuses = await Promise.all(calls);
  assert.equal(most, 2);
  assert.deepEqual(statuses.sort(), [200, 200, 200, 200, 200, 503, 503]);
});
