// kova db serve: the store's operations over HTTP/JSON through the runtime's server — API keys,
// problems naming the input, the batch endpoint, the change feed (SSE), OpenAPI, health, metrics,
// TLS — and writers in several server processes to one key losing nothing.
import assert from "node:assert/strict";
import { request as httpsRequest } from "node:https";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { openStore } from "@kova/store";
import { makeTestCa } from "./e2e/test-ca.js";
import { REPO_ROOT } from "./e2e/harness.js";
import { kovaAsync } from "./db/fixture.js";
import { serveStore } from "./db/serve-fixture.js";

interface Answer {
  status: number;
  type: string;
  body: any;
}

function client(url: string, key: string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const init: RequestInit = { method, headers: { "x-api-key": key, ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
    const response = await fetch(`${url}${path}`, init);
    const text = await response.text();
    return { status: response.status, type: response.headers.get("content-type") ?? "", body: text === "" ? undefined : JSON.parse(text) };
  };
}

test("kova db serve: every operation over HTTP, as of an instant, pages, batch, and keys in URLs", async (t) => {
  const { url, key, dir } = await serveStore(t);
  const http = client(url, key);
  const first = await http("PUT", "/v1/kv/users/alice", { name: "Alice" });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.version, 1);
  await new Promise((r) => setTimeout(r, 5));
  const second = await http("PUT", "/v1/kv/users/alice", { name: "Alice B" });
  assert.equal(second.body.version, 2);
  assert.deepEqual((await http("GET", "/v1/kv/users/alice")).body, { collection: "users", key: "alice", value: { name: "Alice B" } });
  assert.deepEqual((await http("GET", `/v1/kv/users/alice?at=${encodeURIComponent(first.body.at)}`)).body.value, { name: "Alice" });
  assert.deepEqual((await http("GET", `/v1/kv/users/alice?at=${Date.parse(first.body.at)}`)).body.value, { name: "Alice" }, "epoch milliseconds");
  const history = await http("GET", "/v1/kv/users/alice/history");
  assert.deepEqual(history.body.versions.map((v: { operation: string; version: number }) => [v.operation, v.version]), [["insert", 1], ["update", 2]]);

  // A key holding '/' (percent-encoded in the path), null and scalar values, a 1 KiB key.
  assert.equal((await http("PUT", "/v1/kv/users/team%2Fbob", null)).status, 200);
  assert.deepEqual((await http("GET", "/v1/kv/users/team%2Fbob")).body, { collection: "users", key: "team/bob", value: null });
  const longKey = "é".repeat(512);
  assert.equal((await http("PUT", `/v1/kv/users/${encodeURIComponent(longKey)}`, 7)).status, 200, "a 1024-byte key fits");

  const batch = await http("POST", "/v1/batch", { items: [...Array.from({ length: 12 }, (_, i) => ({ collection: "pages", key: `k${String(i).padStart(2, "0")}`, value: i })), { collection: "users", key: "alice", delete: true }] });
  assert.deepEqual(batch.body, { written: 13, lastVersion: 5 }, "versions count per collection: the delete is users' fifth");
  const page = await http("GET", "/v1/kv/pages?limit=5&prefix=k");
  assert.deepEqual(page.body.items.map((e: { key: string }) => e.key), ["k00", "k01", "k02", "k03", "k04"]);
  const next = await http("GET", `/v1/kv/pages?limit=5&prefix=k&cursor=${page.body.cursor}`);
  assert.equal(next.body.items[0].key, "k05");
  assert.deepEqual((await http("GET", "/v1/collections")).body, { collections: ["pages", "users"] });
  assert.deepEqual((await http("DELETE", "/v1/kv/pages/k00")).body, { collection: "pages", key: "k00", deleted: true });
  assert.deepEqual((await http("DELETE", "/v1/kv/pages/k00")).body.deleted, false);

  // Deleted keys: 404 now, their value as of before.
  assert.equal((await http("GET", "/v1/kv/users/alice")).status, 404);
  assert.deepEqual((await http("GET", `/v1/kv/users/alice?at=${encodeURIComponent(second.body.at)}`)).body.value, { name: "Alice B" });
  const before = await http("GET", "/v1/kv/users/alice?at=2000-01-01T00:00:00Z");
  assert.equal(before.status, 404);
  assert.match(before.body.detail, /had no value at 2000-01-01T00:00:00Z/);

  // One file, one format: the API (and a Kova app) reads what the server wrote.
  const store = await openStore(dir);
  assert.deepEqual(store.get("users", "team/bob"), null);
  assert.equal(store.history("pages", "k01").length, 1);
  store.close();
});

test("kova db serve: bad input gets an RFC 9457 problem naming the input and the fix", async (t) => {
  const { url, key } = await serveStore(t);
  const http = client(url, key);
  await http("PUT", "/v1/kv/users/alice", { name: "Alice" });
  const cases: Array<[string, string, unknown, number, string, RegExp, Record<string, unknown>?]> = [
    ["PUT", "/v1/kv/users/a%2F..%2Fb", 1, 400, "invalid-key", /invalid key 'a\/\.\.\/b': a '\.\.' segment is not allowed/, { key: "a/../b" }],
    ["PUT", "/v1/kv/users/tab%09here", 1, 400, "invalid-key", /control character U\+0009 at position 4/],
    ["PUT", `/v1/kv/users/${"k".repeat(1025)}`, 1, 400, "invalid-key", /1025 bytes is over the limit of 1024/],
    ["PUT", "/v1/kv/bad-name/a", 1, 400, "invalid-collection", /invalid collection 'bad-name'.*Collection names are letters/, { collection: "bad-name" }],
    ["PUT", "/v1/kv/users/big", JSON.stringify("x".repeat(1024 * 1024 + 10)), 413, "value-too-large", /over the limit of 1048576 bytes/],
    ["GET", "/v1/kv/users/alice?at=last%20tuesday", undefined, 400, "invalid-instant", /invalid instant 'last tuesday': not an instant\. Give an ISO 8601 instant/, { instant: "last tuesday" }],
    ["GET", "/v1/kv/usrs/alice", undefined, 404, "collection-not-found", /Collection 'usrs' not found\. Did you mean users\? To list collections: GET \/v1\/collections\./, { suggestion: "users", hint: "to list collections: GET /v1/collections" }],
    ["GET", "/v1/kv/users/alic", undefined, 404, "key-not-found", /Key 'users\/alic' not found\. Did you mean users\/alice\? To list keys: GET \/v1\/kv\/users\./, { suggestion: "alice", hint: "to list keys: GET /v1/kv/users" }],
    ["GET", "/v1/kv/users?cursor=!!", undefined, 400, "invalid-cursor", /invalid cursor/],
    ["GET", "/v1/watch/usrs", undefined, 404, "collection-not-found", /Collection 'usrs' not found/],
    ["POST", "/v1/batch", { items: [{ collection: "users", key: "ok", value: 1 }, { collection: "users", key: "", value: 2 }] }, 400, "invalid-key", /a key cannot be empty/, { field: "items[1].key" }],
    ["POST", "/v1/batch", { items: [{ collection: "users", key: "novalue" }] }, 400, "invalid-batch", /items\[0\] has no value/, { field: "items[0].value" }],
    ["POST", "/v1/batch", [1, 2], 400, "invalid-batch", /not an object with an items array/, { field: "items" }],
  ];
  for (const [method, path, body, status, code, detail, members] of cases) {
    const answer = await http(method, path, body);
    assert.equal(answer.status, status, `${method} ${path}: ${JSON.stringify(answer.body)}`);
    assert.match(answer.type, /application\/problem\+json/);
    assert.equal(answer.body.type, `urn:kova:problem:store:${code}`, `${method} ${path}`);
    assert.match(answer.body.detail, detail, `${method} ${path}`);
    for (const [name, value] of Object.entries(members ?? {})) assert.deepEqual(answer.body[name], value, `${method} ${path}: ${name}`);
  }
  // docs/store.md's problem example is what the server answers (less the request's own members).
  const doc = readFileSync(join(REPO_ROOT, "docs", "store.md"), "utf8");
  const shown = JSON.parse(/```json\n([\s\S]*?)```/.exec(doc)![1]) as Record<string, unknown>;
  const { instance: _i, requestId: _r, code: _c, hint: _h, ...answered } = (await http("GET", "/v1/kv/users/alic")).body as Record<string, unknown>;
  assert.deepEqual(answered, shown);
  // Refused by the runtime before the store: non-JSON, a missing body, a bad limit.
  const notJson = await http("PUT", "/v1/kv/users/a", "{name:");
  assert.equal(notJson.status, 400);
  assert.equal(notJson.body.type, "urn:kova:problem:malformed-json");
  const noBody = await http("PUT", "/v1/kv/users/a");
  assert.equal(noBody.body.type, "urn:kova:problem:store:missing-value");
  const emptyKey = await http("PUT", "/v1/kv/users/", 1);
  assert.equal(emptyKey.status, 400);
  assert.equal(emptyKey.body.type, "urn:kova:problem:invalid-parameter");
  assert.deepEqual(emptyKey.body.errors, [{ field: "key", message: "must not be empty" }]);
  const badLimit = await http("GET", "/v1/kv/users?limit=0");
  assert.equal(badLimit.status, 400);
  assert.match(JSON.stringify(badLimit.body), /limit/);
});

test("kova db serve: API keys are stored hashed, required on every operation, and revoked at once", async (t) => {
  const { url, key, dir } = await serveStore(t);
  const http = client(url, key);
  assert.equal((await http("PUT", "/v1/kv/notes/a", 1)).status, 200);
  for (const wrong of [undefined, "kovadb_not-a-key", ""]) {
    const answer = await fetch(`${url}/v1/kv/notes/a`, { headers: wrong === undefined ? {} : { "x-api-key": wrong } });
    assert.equal(answer.status, 401, String(wrong));
    assert.equal(((await answer.json()) as { type: string }).type, "urn:kova:problem:unauthorized");
  }
  // Only the hash is in the file.
  const store = await openStore(dir);
  const rows = store.db.prepare(`SELECT * FROM "_kova_store_keys"`).all() as Array<Record<string, unknown>>;
  store.close();
  assert.equal(rows.length, 1);
  assert.ok(!JSON.stringify(rows).includes(key.slice(7)), "the key itself is not stored");
  assert.match(String(rows[0].hash), /^[0-9a-f]{64}$|^[A-Za-z0-9_-]{43}$/);

  const listed = await kovaAsync(["db", "keys", "list", "--json"], { cwd: dir });
  const name = (JSON.parse(listed.stdout) as Array<{ name: string; shown: string }>)[0].name;
  assert.ok(!listed.stdout.includes(key), "list shows a prefix, not the key");
  assert.equal((await kovaAsync(["db", "keys", "revoke", name], { cwd: dir })).status, 0);
  assert.equal((await http("GET", "/v1/kv/notes/a")).status, 401, "revoked: refused on the next request");
  const again = await kovaAsync(["db", "keys", "revoke", name], { cwd: dir });
  assert.equal(again.status, 1);
  assert.match(again.stderr, /API key '.*' not found\. To list keys: kova db keys list/);

  // A store without keys is not served unless --no-auth says so.
  const bare = await kovaAsync(["db", "serve", "--port", "0"], { cwd: dir });
  assert.equal(bare.status, 2);
  assert.match(bare.stderr, /the store has no API keys.*kova db keys create NAME/);
});

test("kova db serve: the change feed as server-sent events, resumable by Last-Event-ID", async (t) => {
  const { url, key } = await serveStore(t);
  const http = client(url, key);
  await http("PUT", "/v1/kv/events/a", 1);
  const controller = new AbortController();
  const response = await fetch(`${url}/v1/watch/events?since=0`, { headers: { "x-api-key": key }, signal: controller.signal });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /text\/event-stream/);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const events = async (n: number) => {
    for (;;) {
      const found = [...text.matchAll(/id: (\d+)\ndata: (.*)\n\n/g)].map((m) => ({ id: Number(m[1]), change: JSON.parse(m[2]) }));
      if (found.length >= n) return found;
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended: ${text}`);
      text += value;
    }
  };
  await http("PUT", "/v1/kv/events/a", 2);
  await http("DELETE", "/v1/kv/events/a");
  const seen = await events(3);
  assert.deepEqual(seen.map((e) => [e.id, e.change.operation, e.change.value]), [[1, "insert", 1], [2, "update", 2], [3, "delete", 2]]);
  controller.abort();
  // A reconnect with Last-Event-ID gets only what came after.
  await http("PUT", "/v1/kv/events/b", 3);
  const resumed = await fetch(`${url}/v1/watch/events`, { headers: { "x-api-key": key, "last-event-id": "3" }, signal: AbortSignal.timeout(5_000) });
  const resumedText = await readUntil(resumed, /data: .*"key":"b"/);
  assert.doesNotMatch(resumedText, /id: [123]\n/);
  assert.match(resumedText, /id: 4\ndata: .*"operation":"insert"/);
});

async function readUntil(response: Response, want: RegExp): Promise<string> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!want.test(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  await reader.cancel();
  return text;
}

test("kova db serve: OpenAPI at a route, health and readiness, Prometheus metrics", async (t) => {
  const { url, key, child } = await serveStore(t, { args: ["--metrics-port", "0"] });
  const openapi = (await (await fetch(`${url}/_kova/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId: string }>>; components: { securitySchemes: unknown } };
  const operations = Object.values(openapi.paths).flatMap((p) => Object.values(p).map((o) => o.operationId)).sort();
  assert.deepEqual(operations, ["batch", "delete", "get", "history", "list", "listCollections", "put", "watch"].sort());
  assert.deepEqual(openapi.components.securitySchemes, { apiKey: { type: "apiKey", in: "header", name: "x-api-key" } });
  assert.equal((await fetch(`${url}/_kova/health`)).status, 200);
  assert.equal((await fetch(`${url}/_kova/ready`)).status, 200);
  await client(url, key)("PUT", "/v1/kv/m/a", 1);
  const [, metricsUrl] = child.stdout.match(/metrics on (http:\/\/[^\s)]+)/) ?? [];
  assert.ok(metricsUrl !== undefined, child.stdout);
  const metrics = await (await fetch(metricsUrl)).text();
  assert.match(metrics, /http_server_request_duration_seconds|http_requests_total|kova_http/);
});

test("kova db serve: HTTPS with the runtime's TLS options (--tls-cert/--tls-key)", async (t) => {
  const { mkdtempSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const caDir = mkdtempSync(join(tmpdir(), "kova-store-ca-"));
  const ca = makeTestCa(caDir);
  const pair = ca.issue("store");
  const { url, key } = await serveStore(t, { args: ["--tls-cert", pair.cert, "--tls-key", pair.key] });
  assert.match(url, /^https:\/\//);
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpsRequest(`${url}/v1/collections`, { ca: ca.caPem, headers: { "x-api-key": key }, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
  assert.equal(answer.status, 200, answer.body);
  assert.deepEqual(JSON.parse(answer.body), { collections: [] });
});

test("kova db serve: writers in several server processes on one key lose no update, versions strictly ordered", async (t) => {
  const first = await serveStore(t);
  const second = await serveStore(t, { dir: first.dir, key: first.key });
  const writers = [first, second, first, second].map((s, w) => (async () => {
    const http = client(s.url, s.key);
    const versions: number[] = [];
    for (let i = 0; i < 40; i++) {
      const answer = await http("PUT", "/v1/kv/counter/shared", { writer: w, i });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      versions.push(answer.body.version);
    }
    return versions;
  })());
  const all = (await Promise.all(writers)).flat();
  assert.equal(new Set(all).size, 160, "every write got its own version");
  const history = (await client(first.url, first.key)("GET", "/v1/kv/counter/shared/history")).body.versions as Array<{ version: number; at: string; value: { writer: number; i: number } }>;
  assert.equal(history.length, 160, "no lost update");
  for (let i = 1; i < history.length; i++) {
    assert.ok(history[i].version > history[i - 1].version, "versions strictly increase");
    assert.ok(Date.parse(history[i].at) >= Date.parse(history[i - 1].at), "instants follow version order");
  }
  for (let w = 0; w < 4; w++) {
    const mine = history.filter((v) => v.value.writer === w).map((v) => v.value.i);
    assert.deepEqual(mine, Array.from({ length: 40 }, (_, i) => i), `writer ${w}'s writes all there, in its order`);
  }
});
