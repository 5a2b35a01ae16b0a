// The app's error shape (issue 13 item 5): kova.config.json "errors" chooses RFC 9457 problems (the
// default) or { message, errors: { field: [messages] }, requestId }, and 400 or 422 for a body that
// fails its VALIDATE shape — on the node:http server and in the Fastify plugin alike, over HTTP.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Fastify from "fastify";
import { kovaFastifyPlugin, startApp, type AppDefinition } from "@kova/runtime";
import "@kova/driver-embedded";
import { build, tempApp } from "./e2e/harness.js";

const APP = `
ENTITY Note {
  title: text
  stars: int?
}

VALIDATE NoteIn {
  title: string(min: 1)
  stars: int(min: 0, max: 5)?
}

POST /notes VALIDATE NoteIn { RESPOND 201 INSERT INTO Note $body }
GET /notes/:id(int) { RESPOND SELECT * FROM Note WHERE id = $id }
`;

async function appIn(t: TestContext, config: unknown): Promise<{ dir: string; app: AppDefinition }> {
  const dir = tempApp(t, { "app.kova": APP });
  if (config !== undefined) writeFileSync(join(dir, "kova.config.json"), JSON.stringify(config));
  await build(dir);
  const { app } = (await import(pathToFileURL(join(dir, "dist", "app.js")).href)) as { app: AppDefinition };
  return { dir, app };
}

async function standalone(t: TestContext, config: unknown): Promise<string> {
  const { dir, app } = await appIn(t, config);
  const running = await startApp(app, { port: 0, host: "127.0.0.1", appDir: dir, manageProcess: false, logLevel: "silent" });
  t.after(() => running.close());
  return running.url;
}

async function inFastify(t: TestContext, config: unknown): Promise<string> {
  const { dir, app } = await appIn(t, config);
  const fastify = Fastify({ logger: false });
  t.after(() => fastify.close());
  await fastify.register(kovaFastifyPlugin(app, { appDir: dir }));
  await fastify.listen({ port: 0, host: "127.0.0.1" });
  const address = fastify.server.address();
  return `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
}

async function send(url: string, method = "GET", body?: unknown) {
  const response = await fetch(url, { method, headers: { "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, type: response.headers.get("content-type") ?? "", body: (await response.json()) as any };
}

test("default: RFC 9457 problems, 400 for a body that fails VALIDATE", async (t) => {
  const url = await standalone(t, undefined);
  const bad = await send(`${url}/notes`, "POST", { title: "", stars: 9 });
  assert.equal(bad.status, 400);
  assert.equal(bad.type, "application/problem+json");
  assert.equal(bad.body.type, "urn:kova:problem:validation-failed");
  assert.deepEqual(bad.body.errors.map((e: { field: string }) => e.field).sort(), ["stars", "title"]);
});

for (const [server, serve] of [["node:http", standalone], ["Fastify plugin", inFastify]] as const) {
  test(`${server}: "fields" shape and 422 — field errors as lists of messages, other problems with a message`, async (t) => {
    const url = await serve(t, { errors: { shape: "fields", validationStatus: 422 } });
    const bad = await send(`${url}/notes`, "POST", { title: "", stars: 9 });
    assert.equal(bad.status, 422);
    assert.match(bad.type, /^application\/json/);
    assert.deepEqual(Object.keys(bad.body.errors).sort(), ["stars", "title"]);
    assert.ok(Array.isArray(bad.body.errors.title) && typeof bad.body.errors.title[0] === "string");
    assert.equal(typeof bad.body.requestId, "string");
    const missing = await send(`${url}/notes/99`);
    assert.equal(missing.status, 404);
    assert.deepEqual([missing.body.message, missing.body.errors], ["Note not found", {}]);
    const badParam = await send(`${url}/notes/abc`);
    assert.equal(badParam.status, 400, "a path parameter that does not parse stays a 400");
    assert.deepEqual(Object.keys(badParam.body.errors), ["id"]);
    const noRoute = await send(`${url}/nowhere`);
    assert.equal(noRoute.status, 404);
    assert.deepEqual(noRoute.body.errors, {});
    const created = await send(`${url}/notes`, "POST", { title: "ok" });
    assert.equal(created.status, 201, "a good request is untouched");
  });
}

test("a wrong errors setting stops the start with a message naming it", async (t) => {
  const { dir, app } = await appIn(t, { errors: { shape: "rails", validationStatus: 418 } });
  await assert.rejects(startApp(app, { port: 0, host: "127.0.0.1", appDir: dir, manageProcess: false, logLevel: "silent" }), /"errors"\.shape must be "problem" \(RFC 9457\) or "fields"/);
});
