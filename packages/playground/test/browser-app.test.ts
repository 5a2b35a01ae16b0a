/**
 * The program as the playground runs it, compared with `kova run`: one program is built for the
 * browser (buildForBrowser, the module importing the playground's runtime) and served twice — by the
 * runtime's node:http server on the embedded store (better-sqlite3), and by BrowserApp on the store
 * the page uses (SQLite WASM; in Node it opens in memory). Every answer — created rows, validation
 * and JSON problems, 404, 405, a typed path parameter, an update, its versions — must be the same.
 * Then the data panel's endpoints: rows AS OF the first write show the old value; and a program
 * that needs what the browser lacks is refused, naming each feature.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { connectDataSources, createServer, type AppDefinition } from "@kova/runtime";
import { pino } from "@kova/runtime/browser";
import { buildForBrowser, DATA_PREFIX } from "../src/browser/compiler.js";
import { BrowserApp, UnsupportedProgram, type PlaygroundRequest } from "../src/browser/app-host.js";
import { BrowserStore } from "../src/browser/store.js";

const RUNTIME_URL = new URL("../src/browser/app-runtime.js", import.meta.url).href;

const PROGRAM = `ENTITY Todo {
  title: text UNIQUE
  done: bool DEFAULT false
}

VALIDATE NewTodo {
  title: string(min: 1, max: 200)
}

VALIDATE TodoChanges {
  done: boolean?
}

GET /todos/:id {
  RESPOND SELECT * FROM Todo WHERE id = $id
}

POST /todos VALIDATE NewTodo {
  RESPOND 201 INSERT INTO Todo $body
}

PATCH /todos/:id VALIDATE TodoChanges {
  RESPOND UPDATE Todo SET $body WHERE id = $id
}

GET /todos/:id/history {
  RESPOND HISTORY Todo WHERE id = $id
}
`;

/** Builds `source` for the browser and imports its module (from a file: Node does not import blob: URLs). */
async function load(source: string, dir: string): Promise<{ app: AppDefinition; build: NonNullable<Awaited<ReturnType<typeof buildForBrowser>>["build"]> }> {
  const { diagnostics, build } = await buildForBrowser("app.kova", { "app.kova": source }, RUNTIME_URL);
  assert.ok(build !== undefined, `the program does not build: ${JSON.stringify(diagnostics)}`);
  const file = join(dir, `app-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, build.code);
  return { app: ((await import(pathToFileURL(file).href)) as { app: AppDefinition }).app, build };
}

/** What must be equal between the two servers: status, content type, and the body without its request id. */
function comparable(status: number, contentType: string | undefined, body: string): unknown {
  const parsed: unknown = body === "" ? null : JSON.parse(body);
  const withoutIds = JSON.parse(JSON.stringify(parsed), (key, value: unknown) => (key === "requestId" || key === "at" ? "…" : value));
  return { status, contentType, body: withoutIds };
}

const REQUESTS: PlaygroundRequest[] = [
  { method: "POST", path: "/todos", body: '{"title":"try the playground"}' },
  { method: "POST", path: "/todos", body: '{"title":"try the playground"}' },
  { method: "POST", path: "/todos", body: '{"title":""}' },
  { method: "POST", path: "/todos", body: '{"title": "broken' },
  { method: "GET", path: "/todos/1" },
  { method: "GET", path: "/todos/999" },
  { method: "GET", path: "/todos/one" },
  { method: "PATCH", path: "/todos/1", body: '{"done":true}' },
  { method: "GET", path: "/todos/1/history" },
  { method: "DELETE", path: "/todos/1" },
  { method: "GET", path: "/nothing/here" },
];

test("the browser's app answers every request as kova run does", { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "kova-playground-app-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { app, build } = await load(PROGRAM, dir);
  assert.deepEqual(build.routes.map((r) => `${r.method} ${r.path}`), ["GET /todos/:id", "POST /todos", "PATCH /todos/:id", "GET /todos/:id/history"], "the request panel lists the program's endpoints, not the data panel's");

  const log = pino({ level: "silent" });
  const dataSources = await connectDataSources(app, dir, {});
  const server = createServer(app, { logger: log, dataSources });
  await server.listen(0, "127.0.0.1");
  t.after(async () => {
    await server.close();
    await dataSources.close();
  });
  const store = await BrowserStore.open();
  assert.equal(store.status.persistence, "memory", "Node has no OPFS: the store says it is in memory");
  const browser = await BrowserApp.start(app, store, log);

  for (const request of REQUESTS) {
    const response = await fetch(`${server.url}${request.path}`, {
      method: request.method,
      headers: request.body === undefined ? {} : { "content-type": "application/json" },
      body: request.body,
    });
    const node = comparable(response.status, response.headers.get("content-type") ?? undefined, await response.text());
    const answered = await browser.request(request);
    const inBrowser = comparable(answered.status, answered.headers["content-type"], answered.body);
    assert.deepEqual(inBrowser, node, `${request.method} ${request.path} ${request.body ?? ""}`);
    assert.match(answered.headers["x-request-id"] ?? "", /^[0-9a-f-]{36}$/);
  }
});

test("the data panel reads every row now and AS OF an instant, and a row's versions", { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "kova-playground-data-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { app, build } = await load(PROGRAM, dir);
  assert.deepEqual(build.entities.map((e) => [e.name, e.history]), [["Todo", true]]);
  assert.equal(build.dataProblem, undefined);
  const browser = await BrowserApp.start(app, await BrowserStore.open(), pino({ level: "silent" }));
  const get = async (path: string) => {
    const response = await browser.request({ method: "GET", path });
    assert.equal(response.status, 200, `${path}: ${response.body}`);
    return JSON.parse(response.body) as unknown;
  };
  await browser.request({ method: "POST", path: "/todos", body: '{"title":"first"}' });
  await new Promise((resolve) => setTimeout(resolve, 5));
  await browser.request({ method: "PATCH", path: "/todos/1", body: '{"done":true}' });

  assert.deepEqual(await get(`${DATA_PREFIX}/Todo`), [{ id: 1, title: "first", done: true }]);
  const versions = (await get(`${DATA_PREFIX}/Todo/versions`)) as { version: number; operation: string; at: string }[];
  assert.deepEqual(versions.map((v) => [v.version, v.operation]), [[1, "insert"], [2, "update"]]);
  assert.deepEqual(await get(`${DATA_PREFIX}/Todo/as-of/${encodeURIComponent(versions[0].at)}`), [{ id: 1, title: "first", done: false }]);
  const history = (await get(`${DATA_PREFIX}/Todo/1/history`)) as { data: { done: boolean } }[];
  assert.deepEqual(history.map((v) => v.data.done), [false, true]);
});

test("a program that needs what the browser lacks is refused, naming each feature", { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "kova-playground-refused-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { app } = await load(`GET /motd {\n  RESPOND { text: env("MOTD") }\n}\n`, dir);
  await assert.rejects(BrowserApp.start(app, await BrowserStore.open(), pino({ level: "silent" })), (error: unknown) => {
    assert.ok(error instanceof UnsupportedProgram);
    assert.deepEqual(error.features, ['env("MOTD") has no value in the browser: give it a default, env("MOTD", "…")']);
    return true;
  });
});

test("ENCRYPTED fields run in the page with a master key of its own", { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "kova-playground-encrypted-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { app } = await load(`ENTITY Patient {\n  name: text ENCRYPTED\n  ward: text\n}\n\nPOST /patients {\n  RESPOND 201 INSERT INTO Patient $body\n}\n\nGET /patients/:id/history {\n  RESPOND HISTORY Patient WHERE id = $id\n}\n`, dir);
  const browser = await BrowserApp.start(app, await BrowserStore.open(), pino({ level: "silent" }));
  const made = await browser.request({ method: "POST", path: "/patients", body: '{"name":"Ada","ward":"north"}' });
  assert.equal(made.status, 201, made.body);
  assert.equal((JSON.parse(made.body) as { name: string }).name, "Ada");
  const history = JSON.parse((await browser.request({ method: "GET", path: "/patients/1/history" })).body) as { data: { name: string } }[];
  assert.deepEqual(history.map((v) => v.data.name), ["Ada"]);
  // The data panel reads through the app's view of the store, decrypted as the program sees it
  // (the store itself takes only ciphertext in an ENCRYPTED field: its codec refuses plaintext).
  const rows = JSON.parse((await browser.request({ method: "GET", path: `${DATA_PREFIX}/Patient` })).body) as { name: string; ward: string }[];
  assert.deepEqual(rows, [{ id: 1, name: "Ada", ward: "north" }]);
});

