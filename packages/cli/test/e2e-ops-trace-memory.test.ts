// Issue 17 item 7, in process: a built app started with the OpenTelemetry SDK's in-memory
// exporter. One request gives a SERVER span with its query span and its outbound call's span
// under it, and the outbound call carries `traceparent` to the service it calls.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { startApp, type AppDefinition } from "@kova/runtime";
import { build, request, tempApp } from "./e2e/harness.js";

const PROGRAM = `
ENTITY Rate {
  currency: text
  value: number
}

GET /rates/:currency {
  stored = SELECT * FROM Rate WHERE currency = $currency LIMIT 1
  remote = fetch_json($query.source, { timeout: 2s, retries: 0 })
  RESPOND { stored: stored, remote: remote.body }
}
`;

test("request → query and outbound spans captured by an in-memory exporter; traceparent sent out", async (t) => {
  const dir = tempApp(t, { "app.kova": PROGRAM });
  await build(dir);
  let seenTraceparent: string | undefined;
  const remote = createServer((req, res) => {
    seenTraceparent = req.headers.traceparent as string | undefined;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ eur: 1.08 }));
  });
  await new Promise<void>((resolve) => remote.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise((resolve) => remote.close(resolve)));
  const source = `http://127.0.0.1:${(remote.address() as { port: number }).port}/today`;

  const { app } = (await import(pathToFileURL(join(dir, "dist", "app.js")).href)) as { app: AppDefinition };
  const exporter = new InMemorySpanExporter();
  const running = await startApp(app, { appDir: dir, port: 0, manageProcess: false, traceExporter: exporter, logLevel: "silent" });
  t.after(() => running.close());

  const answer = await request(`${running.url}/rates/EUR?source=${encodeURIComponent(source)}`);
  assert.equal(answer.status, 200, answer.text);
  assert.deepEqual(answer.body.remote, { eur: 1.08 });
  // The server span ends when the response closes, just after the client has read it.
  for (let i = 0; i < 50 && !exporter.getFinishedSpans().some((s) => s.name === "GET /rates/:currency"); i++) await new Promise((r) => setTimeout(r, 10));

  const spans = exporter.getFinishedSpans();
  const root = spans.find((s) => s.name === "GET /rates/:currency");
  assert.ok(root, `spans: ${spans.map((s) => s.name).join(", ")}`);
  const children = spans.filter((s) => s.parentSpanContext?.spanId === root.spanContext().spanId);
  const query = children.find((s) => /^select Rate \(Q\d+\)$/.test(s.name));
  assert.ok(query, `a query span under the request; children: ${children.map((s) => s.name).join(", ")}`);
  assert.equal(query.attributes["db.collection.name"], "Rate");
  assert.match(String(query.attributes["kova.query.at"]), /^app\.kova:\d+$/);
  const outbound = children.find((s) => s.name === `GET 127.0.0.1:${new URL(source).port}`);
  assert.ok(outbound, "an outbound-call span under the request");
  assert.equal(outbound.attributes["http.response.status_code"], 200);
  // The callee was told the trace and the outbound span as its parent (W3C traceparent).
  assert.equal(seenTraceparent, `00-${root.spanContext().traceId}-${outbound.spanContext().spanId}-01`);
  assert.equal(root.attributes["http.response.status_code"], 200);
});
