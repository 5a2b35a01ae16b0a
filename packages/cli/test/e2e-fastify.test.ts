// End-to-end: a built Kova app mounted inside an existing Fastify server with kovaFastifyPlugin.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Fastify from "fastify";
import { kovaFastifyPlugin, type AppDefinition } from "@kova/runtime";
import { EXAMPLES, build, request, tempApp } from "./e2e/harness.js";
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
