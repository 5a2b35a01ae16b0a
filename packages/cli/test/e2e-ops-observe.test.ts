// Issue 17 items 6–8 on the built todo app (embedded store): /_kova/metrics scraped and parsed,
// traces exported over OTLP/HTTP to a collector the test runs (request → query spans, traceparent
// continued, the trace id in log lines and problems), and the liveness / readiness probes.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import { connect } from "node:net";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { build, EXAMPLES, freePort, request, REPO_ROOT, startServer, tempApp, delay } from "./e2e/harness.js";
import { parsePrometheus } from "./e2e/prometheus-text.js";

test("metrics: requests by route and status, latency, in-flight, queries by id, store size, Node's own; never public", async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  await build(dir);
  const metricsPort = await freePort();
  const server = await startServer(t, dir, { env: { KOVA_METRICS_PORT: String(metricsPort) } });
  for (const title of ["one", "two"]) assert.equal((await request(`${server.url}/todos`, { method: "POST", json: { title } })).status, 201);
  for (let i = 0; i < 3; i++) assert.equal((await request(`${server.url}/todos`)).status, 200);
  assert.equal((await request(`${server.url}/todos/999`)).status, 404);
  assert.equal((await request(`${server.url}/no/such/path`)).status, 404);

  // Not on the public port.
  assert.equal((await request(`${server.url}/_kova/metrics`)).status, 404);

  const response = await fetch(`http://127.0.0.1:${metricsPort}/_kova/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const scrape = parsePrometheus(await response.text());

  assert.equal(scrape.types.get("kova_http_requests_total"), "counter");
  assert.equal(scrape.sum("kova_http_requests_total", { method: "GET", route: "/todos", status: "200" }), 3);
  assert.equal(scrape.sum("kova_http_requests_total", { method: "POST", route: "/todos", status: "201" }), 2);
  assert.equal(scrape.sum("kova_http_requests_total", { method: "GET", route: "/todos/:id", status: "404" }), 1);
  // Unknown paths (here /no/such/path and the public /_kova/metrics) are one series, whatever the
  // path: a scanner cannot blow up the series count.
  assert.equal(scrape.sum("kova_http_requests_total", { route: "unmatched", status: "404" }), 2);
  assert.equal(scrape.types.get("kova_http_request_duration_seconds"), "histogram");
  assert.equal(scrape.sum("kova_http_request_duration_seconds_count", { route: "/todos", method: "GET" }), 3);
  const inf = scrape.find("kova_http_request_duration_seconds_bucket", { route: "/todos", method: "GET", le: "+Inf" });
  assert.equal(inf[0].value, 3);
  assert.equal(scrape.sum("kova_http_requests_in_flight"), 0);

  // Queries by their id and place in the source.
  const inserts = scrape.find("kova_db_query_duration_seconds_count", { source: "default", op: "insert", entity: "Todo" });
  assert.equal(inserts.length, 1);
  assert.equal(inserts[0].value, 2);
  assert.match(inserts[0].labels.query, /^Q\d+$/);
  assert.match(inserts[0].labels.at, /^app\.kova:\d+$/);
  assert.equal(scrape.sum("kova_db_operations_total", { source: "default", kind: "write" }), 2);
  assert.ok(scrape.sum("kova_db_operations_total", { source: "default", kind: "read" }) >= 4);
  assert.ok(scrape.sum("kova_store_size_bytes", { source: "default" }) > 0, "the embedded store's size");

  // Node's own: event-loop lag, GC, memory.
  assert.equal(scrape.types.get("nodejs_eventloop_lag_seconds"), "gauge");
  assert.equal(scrape.types.get("nodejs_gc_duration_seconds"), "histogram");
  assert.ok(scrape.sum("process_resident_memory_bytes") > 1_000_000);
  assert.ok(scrape.sum("nodejs_heap_size_used_bytes") > 0);
  assert.equal(scrape.types.get("kova_cache_lookups_total"), "counter");
  assert.equal(scrape.types.get("kova_task_queue_jobs"), "gauge");

  // The Grafana dashboard and the alert rules in deploy/ only use metrics a scrape really has.
  const family = (name: string) => name.replace(/_(bucket|sum|count)$/, "");
  const used = (text: string) => new Set([...text.matchAll(/\b((?:kova|nodejs|process)_[a-z0-9_]+)/g)].map((m) => family(m[1])));
  const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, "deploy/grafana/kova-dashboard.json"), "utf8")) as { panels: Array<{ targets: Array<{ expr: string }> }> };
  const fromDashboard = used(dashboard.panels.flatMap((p) => p.targets.map((x) => x.expr)).join("\n"));
  const fromAlerts = used(readFileSync(join(REPO_ROOT, "deploy/prometheus/kova-alerts.yml"), "utf8"));
  assert.ok(fromDashboard.size >= 10 && fromAlerts.size >= 5);
  for (const name of [...fromDashboard, ...fromAlerts]) assert.ok(scrape.types.has(name), `deploy/ uses ${name}, which /_kova/metrics does not have`);
});

test("metrics on the public port only behind their bearer token", async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  await build(dir);
  writeFileSync(join(dir, "kova.config.json"), JSON.stringify({ metrics: { tokenEnv: "METRICS_TOKEN" } }));
  const token = "m3tr1cs-t0ken-for-the-test";
  const server = await startServer(t, dir, { env: { METRICS_TOKEN: token, KOVA_APP_DIR: dir } });
  const refused = await request(`${server.url}/_kova/metrics`, { headers: { authorization: "Bearer wrong-token-wrong-token" } });
  assert.equal(refused.status, 401);
  assert.equal(refused.body.type, "urn:kova:problem:metrics-token");
  assert.equal((await request(`${server.url}/_kova/metrics`)).status, 401);
  const allowed = await fetch(`${server.url}/_kova/metrics`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(allowed.status, 200);
  assert.ok(parsePrometheus(await allowed.text()).types.has("kova_http_requests_total"));

  // A token too short to be one stops the start with the reason.
  const weak = tempApp(t, join(EXAMPLES, "todo"));
  await build(weak);
  writeFileSync(join(weak, "kova.config.json"), JSON.stringify({ metrics: { tokenEnv: "METRICS_TOKEN" } }));
  await assert.rejects(startServer(t, weak, { env: { METRICS_TOKEN: "short", KOVA_APP_DIR: weak } }), /metrics are served behind the token in METRICS_TOKEN, which is shorter than 16 characters/);
});

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

/** An OTLP/HTTP (JSON) traces receiver: what a collector would get. */
async function otlpReceiver(t: import("node:test").TestContext): Promise<{ url: string; spans: OtlpSpan[] }> {
  const spans: OtlpSpan[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (c: string) => (body += c));
    req.on("end", () => {
      assert.equal(req.url, "/v1/traces");
      assert.match(req.headers["content-type"] ?? "", /json/);
      const data = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
      for (const rs of data.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, spans };
}

test("tracing: OTLP export of request → query spans, traceparent continued, trace id in logs and problems", async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  await build(dir);
  const collector = await otlpReceiver(t);
  const server = await startServer(t, dir, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: "todo-e2e", KOVA_ACCESS_LOG: "on" } });
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const parentId = "00f067aa0ba902b7";
  const missing = await request(`${server.url}/todos/424242`, { headers: { traceparent: `00-${traceId}-${parentId}-01` } });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.traceId, traceId, "the problem names the trace");
  const created = await request(`${server.url}/todos`, { method: "POST", json: { title: "traced" } });
  assert.equal(created.status, 201);

  await server.stop();
  // Every line logged inside the traced request carries its trace id, the access line too.
  const lines = server.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
  const access = lines.filter((l) => l.msg === "request" && l.path === "/todos/424242");
  assert.equal(access.length, 1);
  assert.equal(access[0].traceId, traceId);

  const ours = collector.spans.filter((s) => s.traceId === traceId);
  const root = ours.find((s) => s.name === "GET /todos/:id");
  assert.ok(root, `a server span for the request; got ${JSON.stringify(ours.map((s) => s.name))}`);
  assert.equal(root.parentSpanId, parentId, "it continues the caller's trace");
  assert.equal(root.kind, 2, "SERVER");
  const status = root.attributes.find((a) => a.key === "http.response.status_code");
  assert.equal(Number(status?.value.intValue), 404);
  const query = ours.find((s) => s.parentSpanId === root.spanId);
  assert.ok(query, "a query span under the request span");
  assert.match(query.name, /^select Todo \(Q\d+\)$/);
  assert.equal(query.kind, 3, "CLIENT");
  assert.ok(query.attributes.some((a) => a.key === "db.system.name" && a.value.stringValue === "sqlite"));
  // The POST started a trace of its own, with its insert under it.
  const post = collector.spans.find((s) => s.name === "POST /todos");
  assert.ok(post);
  assert.notEqual(post.traceId, traceId);
  assert.ok(collector.spans.some((s) => s.parentSpanId === post.spanId && /^insert Todo/.test(s.name)));
});

test("health is liveness, ready is readiness: named checks, and not ready while draining", async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  await build(dir);
  const server = await startServer(t, dir);
  const ready = await request(`${server.url}/_kova/ready`);
  assert.equal(ready.status, 200);
  assert.deepEqual(ready.body, { status: "ready", checks: [{ name: "dataSource:default", status: "pass" }, { name: "migrations:default", status: "pass" }, { name: "draining", status: "pass" }] });
  assert.equal(ready.headers.get("cache-control"), "no-store");
  const health = await request(`${server.url}/_kova/health`);
  assert.equal(health.status, 200);
  assert.equal(health.body.status, "ok");

  // A request in flight (its body not sent yet) keeps the server draining after SIGTERM; a readiness
  // probe that arrives then (its head completed on a connection already open) is told 503.
  const slow = connect(server.port, "127.0.0.1");
  const probe = connect(server.port, "127.0.0.1");
  let probeAnswer = "";
  probe.setEncoding("utf8").on("data", (c: string) => (probeAnswer += c));
  await Promise.all([slow, probe].map((s) => new Promise((resolve) => s.once("connect", resolve))));
  slow.write("POST /todos HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"title\":");
  probe.write("GET /_kova/ready HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  await delay(100);
  server.signal("SIGTERM");
  await server.waitForOutput(/shutting down: finishing in-flight requests/);
  probe.write("\r\n");
  for (let i = 0; i < 100 && !probeAnswer.includes("}"); i++) await delay(20);
  assert.match(probeAnswer, /^HTTP\/1\.1 503 /);
  const body = JSON.parse(probeAnswer.slice(probeAnswer.indexOf("{"))) as { status: string; checks: Array<{ name: string; status: string }> };
  assert.equal(body.status, "unavailable");
  assert.deepEqual(body.checks.find((c) => c.name === "draining"), { name: "draining", status: "fail" });
  slow.end("\"drained\"} ");
  const exit = await server.exited;
  assert.equal(exit.code, 0);
  slow.destroy();
  probe.destroy();
});
