// The engine under load and at its end, as real processes: the bounded request queue answers 503
// with Retry-After when full, the per-IP rate limit of a tenant, and the graceful drain on SIGTERM
// (requests in flight are answered, then the process exits 0).
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { request as httpRequest } from "node:http";
import { EngineProcess, tempDir } from "./engine-process.js";

const QUERIES = `ENTITY Hit {
  n: int
}

GET /hits {
  RESPOND { a: SELECT * FROM Hit LIMIT 1, b: SELECT * FROM Hit LIMIT 1, c: SELECT * FROM Hit LIMIT 1 }
}
`;

const SLOW = `VALIDATE Spin {
  xs: int[]
}

POST /spin VALIDATE Spin {
  n = 0
  FOR a IN $body.xs {
    FOR b IN $body.xs {
      FOR c IN $body.xs {
        n = n + 1
      }
    }
  }
  RESPOND { n: n }
}
`;

test("a full request queue answers 503 with Retry-After; the requests in it are served", async () => {
  const engine = await EngineProcess.start({ KOVA_ENGINE_DATA_DIR: tempDir(), KOVA_ENGINE_QUEUE_LIMIT: "2" });
  try {
    const key = await engine.createTenant("busy");
    assert.equal((await engine.deploy(key, SLOW)).status, 201);
    // Two requests in flight: their heads sent, their bodies not yet.
    const body = JSON.stringify({ xs: [1, 2, 3] });
    const port = Number(new URL(engine.url).port);
    const pending = [0, 1].map(() => {
      const socket = connect(port, "127.0.0.1");
      socket.write(`POST /t/busy/spin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
      let answer = "";
      socket.on("data", (d: Buffer) => (answer += d.toString()));
      return { socket, answer: new Promise<string>((resolve) => socket.on("end", () => resolve(answer))) };
    });
    await new Promise((r) => setTimeout(r, 200));
    const full = await fetch(`${engine.url}/t/busy/spin`, { method: "POST", headers: { "content-type": "application/json" }, body });
    assert.equal(full.status, 503);
    assert.equal(full.headers.get("retry-after"), "1");
    assert.equal(((await full.json()) as { type: string }).type, "urn:kova:problem:engine-busy");
    for (const p of pending) p.socket.write(body);
    for (const p of pending) assert.match(await p.answer, /^HTTP\/1\.1 200 [\s\S]*\{"n":27\}$/);
    // With the queue empty again, requests are served.
    assert.equal((await fetch(`${engine.url}/t/busy/spin`, { method: "POST", headers: { "content-type": "application/json" }, body })).status, 200);
    const metrics = await engine.call("GET", "/_kova/metrics", { key: "test-admin-key-0123456789abcdef" });
    assert.match(metrics.body as string, /kova_engine_queue_full_total 1/);
  } finally {
    await engine.stop();
  }
});

test("a tenant's endpoints are rate limited per client IP with the runtime's limiter", async () => {
  const engine = await EngineProcess.start({ KOVA_ENGINE_DATA_DIR: tempDir() });
  try {
    const key = await engine.createTenant("limited", { rateLimit: 3 });
    assert.equal((await engine.deploy(key, QUERIES)).status, 201);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await engine.call("GET", "/t/limited/hits")).status);
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
  } finally {
    await engine.stop();
  }
});

test("SIGTERM drains: the request in flight is answered, then the engine exits 0", async () => {
  const engine = await EngineProcess.start({ KOVA_ENGINE_DATA_DIR: tempDir() });
  const key = await engine.createTenant("slow", { quotas: { fuel: 1_000_000_000, deadlineMs: 30_000 } });
  assert.equal((await engine.deploy(key, SLOW)).status, 201);
  const xs = Array.from({ length: 150 }, (_, i) => i);
  const started = performance.now();
  const inFlight = fetch(`${engine.url}/t/slow/spin`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ xs }) });
  await new Promise((r) => setTimeout(r, 100));
  const stoppedAt = performance.now() - started;
  const exit = engine.stop();
  const res = await inFlight;
  const answeredAt = performance.now() - started;
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { n: 150 ** 3 });
  assert.ok(answeredAt > stoppedAt, "the request was over before SIGTERM: the test proves nothing");
  assert.equal(await exit, 0);
});

test("with a domain configured, <tenant>.<domain> in the Host header routes to the tenant", async () => {
  const engine = await EngineProcess.start({ KOVA_ENGINE_DATA_DIR: tempDir(), KOVA_ENGINE_DOMAIN: "engine.test" });
  try {
    const key = await engine.createTenant("hosted");
    assert.equal((await engine.deploy(key, QUERIES)).status, 201);
    const port = Number(new URL(engine.url).port);
    const ask = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest({ host: "127.0.0.1", port, path: "/hits", headers: { host } }, (res) => {
          let body = "";
          res.on("data", (d: Buffer) => (body += d.toString()));
          res.on("end", () => resolve({ status: res.statusCode!, body }));
        });
        req.on("error", reject);
        req.end();
      });
    const hit = await ask(`hosted.engine.test:${port}`);
    assert.equal(hit.status, 200, hit.body);
    assert.equal((await ask(`nobody.engine.test:${port}`)).status, 404);
    // Without the domain, the engine's own routes: /hits is not one of them.
    assert.equal((await ask(`127.0.0.1:${port}`)).status, 404);
  } finally {
    await engine.stop();
  }
});

test("the engine's API is rate limited per key with the runtime's limiter", async () => {
  const engine = await EngineProcess.start({ KOVA_ENGINE_DATA_DIR: tempDir(), KOVA_ENGINE_API_RATE_LIMIT: "3" });
  try {
    const first = await engine.createTenant("one");
    const second = await engine.createTenant("two");
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await engine.call("GET", "/_engine/versions", { key: first })).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    // Another key has its own budget.
    assert.equal((await engine.call("GET", "/_engine/versions", { key: second })).status, 200);
  } finally {
    await engine.stop();
  }
});
