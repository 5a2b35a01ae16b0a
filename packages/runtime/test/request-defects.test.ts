// Regression tests for request-handling defects (issue 10 items 2, 9, 13, 14, 15), on both
// servers where both are concerned.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import type { MemoryDriver } from "./memory-driver.js";
import { serveOnBoth, type BothServers } from "./both-servers.js";
import { captureLog, memoryDrivers } from "./test-app.js";

const log = captureLog();
let servers: BothServers;
const bases: BothServers["bases"] = { "node:http": "", fast: "", fastify: "" };

before(async () => {
  servers = await serveOnBoth({ logger: log.logger });
  Object.assign(bases, servers.bases);
});
after(() => servers.close());

async function call(url: string, init?: RequestInit) {
  const res = await fetch(url, init);
  const text = await res.text();
  return { res, status: res.status, text, json: text === "" ? undefined : (JSON.parse(text) as Record<string, any>) };
}

const jsonHeaders = { "content-type": "application/json" };

/** Writes raw bytes on one connection and reads everything until the server closes it. */
function rawExchange(base: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (received += chunk));
    socket.on("end", () => resolve(received));
    socket.on("error", reject);
    socket.setTimeout(5000, () => {
      socket.destroy();
      reject(new Error(`no close within 5 s; got: ${received}`));
    });
  });
}

/** The JSON body of the last response in a raw HTTP/1.1 exchange. */
function lastBody(raw: string): Record<string, any> {
  return JSON.parse(raw.slice(raw.lastIndexOf("\r\n\r\n") + 4)) as Record<string, any>;
}

for (const server of ["node:http", "fast", "fastify"] as const) {
  describe(`request defects (${server})`, () => {
    test("issue 10 item 2: a repeated key for a declared scalar query parameter is a 400 naming it", async () => {
      const { status, json } = await call(`${bases[server]}/filter?done=true&done=false`);
      assert.equal(status, 400);
      assert.equal(json!.type, "urn:kova:problem:invalid-parameter");
      assert.deepEqual(json!.errors, [{ field: "done", message: "query parameter must be given once" }]);
      assert.deepEqual((await call(`${bases[server]}/filter?done=1`)).json, { done: true });
    });

    test("a broken percent-escape in the query is a 400 naming the parameter, not a literal value", async () => {
      const { status, json } = await call(`${bases[server]}/search?ok=%41&q=%zz&other=1`);
      assert.equal(status, 400);
      assert.equal(json!.type, "urn:kova:problem:bad-url");
      assert.deepEqual(json!.errors, [{ field: "q", message: "is not valid percent-encoding (a % must be followed by two hex digits)" }]);
      assert.equal((await call(`${bases[server]}/search?q=50%`)).status, 400);
      // Well-formed escapes (and a `%` that is itself escaped) still decode.
      assert.deepEqual((await call(`${bases[server]}/search?q=50%25&name=%C3%A9`)).json, { query: { q: "50%", name: "é" } });
    });

    test("issue 10 item 9: a lone surrogate in a JSON string is a 400 naming the field", async () => {
      const { status, json } = await call(`${bases[server]}/echo`, { method: "POST", body: '{"title":"x\\ud800y","ok":"\\ud83d\\ude00"}', headers: jsonHeaders });
      assert.equal(status, 400);
      assert.equal(json!.type, "urn:kova:problem:malformed-json");
      assert.deepEqual(json!.errors.map((e: { field: string }) => e.field), ["title"]);
      assert.match(json!.detail, /\btitle\b.*lone surrogate/);
      const nested = await call(`${bases[server]}/echo`, { method: "POST", body: '{"items":[{"name":"ok"},{"name":"\\udc00"}]}', headers: jsonHeaders });
      assert.deepEqual(nested.json!.errors.map((e: { field: string }) => e.field), ["items[1].name"]);
      // A proper pair is fine, and arrives as sent.
      const pair = await call(`${bases[server]}/echo`, { method: "POST", body: '{"t":"\\ud83d\\ude00"}', headers: jsonHeaders });
      assert.equal(pair.status, 200);
      assert.deepEqual(pair.json, { body: { t: "😀" } });
    });

    test("issue 10 item 9: invalid UTF-8 bytes in a body are a 400, not replaced", async () => {
      const bytes = Buffer.concat([Buffer.from('{"title":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
      const { status, json } = await call(`${bases[server]}/echo`, { method: "POST", body: bytes, headers: jsonHeaders });
      assert.equal(status, 400);
      assert.equal(json!.type, "urn:kova:problem:malformed-json");
      assert.match(json!.detail, /not valid UTF-8 \(first bad byte at offset 13\)/);
      const good = await call(`${bases[server]}/echo`, { method: "POST", body: Buffer.from('{"title":"café"}'), headers: jsonHeaders });
      assert.deepEqual(good.json, { body: { title: "café" } });
    });

    test("issue 10 item 15: health names data sources up/down only; a 503 names no host or port", async () => {
      const flaky = memoryDrivers.get("flaky") as MemoryDriver;
      flaky.down = true;
      try {
        // Liveness stays 200 (ops: a restart would not bring the source back); readiness is the 503.
        const health = await call(`${bases[server]}/_kova/health`);
        assert.equal(health.status, 200);
        assert.deepEqual(health.json, {
          status: "ok",
          dataSources: [{ name: "db", ok: true, status: "up" }, { name: "flaky", ok: false, status: "down" }],
        });
        const ready = await call(`${bases[server]}/_kova/ready`);
        assert.equal(ready.status, 503);
        assert.deepEqual(ready.json, { status: "unavailable", checks: [{ name: "dataSource:db", status: "pass" }, { name: "dataSource:flaky", status: "fail" }, { name: "migrations:db", status: "pass" }, { name: "migrations:flaky", status: "pass" }, { name: "draining", status: "pass" }] });
        assert.doesNotMatch(ready.text, /db\.internal|5432|postgres:|pw/);
      } finally {
        flaky.down = false;
      }
      const gone = await call(`${bases[server]}/gone`);
      assert.equal(gone.status, 503);
      assert.equal(gone.json!.type, "urn:kova:problem:data-source-unavailable");
      assert.doesNotMatch(gone.text, /db\.internal|5432|postgres:|pw/);
    });
  });
}

for (const layer of ["node:http", "fast"] as const) describe(`requests Node's parser rejects (${layer})`, () => {
  test("issue 10 item 15: the down data source's detail goes to the log", () => {
    assert.ok(log.lines.some((l) => l.dataSource === "flaky" && l.detail === "memory store switched off"));
    assert.ok(log.lines.some((l) => /db\.internal:5432/.test(JSON.stringify(l.err ?? ""))));
  });

  test("issue 10 item 13: a valid pipelined GET is answered before the 400 for a garbage line after it", async () => {
    const raw = await rawExchange(bases[layer], "GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\nGARBAGE \x01\x02\r\n\r\n");
    const statuses = [...raw.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
    assert.deepEqual(statuses, [200, 400], raw);
    assert.match(raw, /\{"slow":true\}/);
    assert.equal(lastBody(raw).type, "urn:kova:problem:bad-request");
  });

  test("issue 10 item 14: a broken request line is a 400 problem with a request id", async () => {
    const raw = await rawExchange(bases[layer], "NOT HTTP AT ALL\r\n\r\n");
    assert.match(raw, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(raw, /\r\ncontent-type: application\/problem\+json\r\n/);
    const id = /\r\nx-request-id: ([^\r]+)\r\n/.exec(raw)?.[1];
    const problem = lastBody(raw);
    assert.equal(problem.status, 400);
    assert.equal(problem.type, "urn:kova:problem:bad-request");
    assert.match(problem.requestId, /^[0-9a-f-]{36}$/);
    assert.equal(problem.requestId, id);
  });

  test("issue 10 item 14: a bad Content-Length is a 400 problem, quoting a sane x-request-id", async () => {
    const raw = await rawExchange(bases[layer], "POST /echo HTTP/1.1\r\nHost: localhost\r\nx-request-id: cl-bad\r\ncontent-length: 12abc\r\n\r\n{}");
    assert.match(raw, /^HTTP\/1\.1 400 /);
    const problem = lastBody(raw);
    assert.equal(problem.requestId, "cl-bad");
    assert.match(problem.detail, /Content-Length/);
  });

  test("issue 10 item 14: headers over the limit are a 431 problem", async () => {
    const raw = await rawExchange(bases[layer], `GET /env HTTP/1.1\r\nHost: localhost\r\nx-big: ${"a".repeat(20_000)}\r\n\r\n`);
    assert.match(raw, /^HTTP\/1\.1 431 /);
    const problem = lastBody(raw);
    assert.equal(problem.status, 431);
    assert.equal(problem.title, "Request Header Fields Too Large");
  });
});
