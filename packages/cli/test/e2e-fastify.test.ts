// End-to-end: a built Kova app mounted inside an existing Fastify server with kovaFastifyPlugin.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Fastify from "fastify";
import { kovaFastifyPlugin, type AppDefinition } from "@kova/runtime";
import { EXAMPLES, FIXTURES, build, request, tempApp } from "./e2e/harness.js";
import { assertProblem } from "./e2e/problems.js";

// Proves the compiled dist/app.js can be imported by a host application and served under a prefix
// next to the host's own routes, with Kova's problem responses for its routes and data in the app folder.
test("kovaFastifyPlugin: the built todo app under /api next to the host's own routes", async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  await build(dir);
  await import("@kova/driver-embedded"); // registers the `embedded` driver, as dist/server.js does
  const { app } = (await import(pathToFileURL(join(dir, "dist", "app.js")).href)) as { app: AppDefinition };

  const fastify = Fastify({ logger: false });
  t.after(() => fastify.close());
  fastify.get("/ping", async () => ({ pong: true }));
  await fastify.register(kovaFastifyPlugin(app, { appDir: dir }), { prefix: "/api" });
  await fastify.listen({ port: 0, host: "127.0.0.1" });
  const address = fastify.server.address();
  const base = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;

  assert.deepEqual((await request(`${base}/ping`)).body, { pong: true }, "the host's route is untouched");
  const created = await request(`${base}/api/todos`, { method: "POST", json: { title: "inside fastify" } });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.title, "inside fastify");
  assert.ok(created.headers.get("x-request-id"));
  const read = await request(`${base}/api/todos/${created.body.id}`);
  assert.deepEqual(read.body, created.body);
  const list = await request(`${base}/api/todos`);
  assert.deepEqual(list.body.map((x: any) => x.id), [created.body.id]);

  const invalid = assertProblem(await request(`${base}/api/todos`, { method: "POST", json: { title: "", extra: 1 } }), 400, "urn:kova:problem:validation-failed");
  assert.deepEqual(invalid.errors.map((e: any) => e.field).sort(), ["extra", "title"]);
  assertProblem(await request(`${base}/api/todos/999`), 404);
  assertProblem(await request(`${base}/api/todos/abc`), 400, "urn:kova:problem:invalid-parameter");
  const wrongMethod = assertProblem(await request(`${base}/api/todos/1`, { method: "PUT", json: {} }), 405);
  assert.match(wrongMethod.detail, /PATCH/);
  assert.equal((await request(`${base}/api/_kova/health`)).status, 200);
});

// Issue 23 item 19: a host that imports dist/app.js itself has not switched Node's source maps on
// before the app loaded (this test process has not either); the logged stack of a 500 must still
// name the .kova line of the failing call (line 8 of the fixture), as the node:http server's does.
test("kovaFastifyPlugin: a 500's logged stack names the .kova line, without Node's source maps", async (t) => {
  assert.notEqual((process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled, true, "the test needs source maps off");
  const dir = tempApp(t, join(FIXTURES, "throws"));
  await build(dir);
  const { app } = (await import(pathToFileURL(join(dir, "dist", "app.js")).href)) as { app: AppDefinition };
  const lines: string[] = [];
  const fastify = Fastify({ logger: { level: "info", stream: { write: (line: string) => void lines.push(line) } } });
  t.after(() => fastify.close());
  await fastify.register(kovaFastifyPlugin(app, { appDir: dir }));
  await fastify.listen({ port: 0, host: "127.0.0.1" });
  const address = fastify.server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;

  const problem = assertProblem(await request(`http://127.0.0.1:${port}/boom`), 500, "urn:kova:problem:internal-error");
  const line = lines.find((l) => l.includes(problem.requestId) && l.includes("handler failed"));
  assert.ok(line, lines.join(""));
  const stack: string = JSON.parse(line).err.stack;
  assert.match(stack, /app\.kova:8:\d+/, stack);
});
