// End-to-end: `kova run --http fast` (and KOVA_HTTP / kova.config.json "http") serves the app on the
// fast HTTP layer (packages/runtime/src/http-fast/), with the same answers as the default layer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { EXAMPLES, KOVA_BIN, build, connectionRefused, freePort, request, spawnNode, startServer, tempApp, waitForHealth } from "./e2e/harness.js";

/** Two pipelined requests on one raw connection, the second closing it: everything the server wrote. */
function pipelined(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(bytes));
    let received = "";
    socket.setEncoding("latin1");
    socket.on("data", (c: string) => (received += c));
    socket.on("close", () => resolve(received));
    socket.on("error", reject);
    socket.setTimeout(5000, () => socket.destroy());
  });
}

test("kova run --http fast: serves, validates, pipelines, stops on SIGTERM", async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const run = spawnNode(t, [KOVA_BIN, "run", dir, "--port", String(port), "--http", "fast"]);
  await waitForHealth(url, run);
  const created = await request(`${url}/todos`, { method: "POST", json: { title: "fast" } });
  assert.equal(created.status, 201);
  assert.equal((await request(`${url}/todos/${created.body.id}`)).body.title, "fast");
  const invalid = await request(`${url}/todos`, { method: "POST", json: { title: 5 } });
  assert.equal(invalid.status, 400);
  assert.equal(invalid.headers.get("content-type"), "application/problem+json");
  const raw = await pipelined(port, `GET /todos/${created.body.id} HTTP/1.1\r\nHost: localhost\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
  assert.deepEqual([...raw.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]), ["200", "404"]);
  run.signal("SIGTERM");
  assert.deepEqual(await run.exited, { code: 0, signal: null });
  assert.equal(await connectionRefused(port), true);
});

test("kova run --http takes node or fast; a bad \"http\" in kova.config.json stops the start naming it", async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  const bad = spawnNode(t, [KOVA_BIN, "run", dir, "--http", "turbo"]);
  assert.equal((await bad.exited).code, 2);
  assert.match(bad.stderr, /--http takes node or fast, not 'turbo'/);
  await build(dir);
  writeFileSync(join(dir, "kova.config.json"), JSON.stringify({ http: "turbo" }));
  const port = await freePort();
  const server = spawnNode(t, [join(dir, "dist", "server.js")], { env: { PORT: String(port), HOST: "127.0.0.1" } });
  assert.equal((await server.exited).code, 1);
  assert.match(server.output, /"http" must be "fast" \(Node's own HTTP parser on node:net, the default for plain HTTP\) or "node" \(node:http\)/);
  writeFileSync(join(dir, "kova.config.json"), JSON.stringify({ http: "fast" }));
  const fast = await startServer(t, dir);
  assert.equal((await request(`${fast.url}/todos`)).status, 200);
});

test("the fast layer is the default for plain HTTP; KOVA_HTTP=node picks node:http; both answer alike", async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  await build(dir);
  const answers: Record<string, unknown> = {};
  for (const layer of ["default", "node"]) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env: Record<string, string> = { PORT: String(port), HOST: "127.0.0.1", ...(layer === "node" ? { KOVA_HTTP: "node" } : {}) };
    const server = spawnNode(t, [join(dir, "dist", "server.js")], { env });
    await waitForHealth(url, server);
    const listening = server.output.split("\n").find((line) => line.includes("listening on"));
    assert.ok(listening, server.output);
    assert.equal(JSON.parse(listening).http, layer === "node" ? "node" : "fast");
    const missing = await request(`${url}/todos/999999`);
    const { requestId, ...problem } = missing.body as { requestId: string };
    assert.match(requestId, /^[0-9a-f-]{36}$/);
    answers[layer] = { status: missing.status, type: missing.headers.get("content-type"), problem };
    server.signal("SIGTERM");
    assert.equal((await server.exited).code, 0);
  }
  assert.deepEqual(answers.default, answers.node);
});
