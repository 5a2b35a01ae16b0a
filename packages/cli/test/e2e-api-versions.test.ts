// API versions (issue 22, item 4) on a built app over real connections: `API v1 … { }` routes under
// /v1 and /v2 both answer, the deprecated version's answers (problems too) carry Deprecation,
// Sunset and a Link, each version has its own OpenAPI document served beside the whole one; and
// compression configured in kova.config.json answers the same app gzip-encoded.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { build, kovaSync, request, startServer, tempApp } from "./e2e/harness.js";

const PROGRAM = `ENTITY Todo {
  title: text
  done: bool DEFAULT false
}

VALIDATE NewTodo {
  title: string(min: 1)
}

/// The first version: todos as { title, done }.
API v1 DEPRECATED "2026-01-01" SUNSET "2027-06-30" {
  GET /todos {
    RESPOND SELECT title, done FROM Todo ORDER_BY id
  }

  POST /todos VALIDATE NewTodo {
    RESPOND 201 INSERT INTO Todo $body
  }
}

API v2 {
  /// Every todo, with its id.
  GET /todos {
    RESPOND { items: SELECT * FROM Todo ORDER_BY id }
  }

  GET /todos/:id {
    RESPOND SELECT * FROM Todo WHERE id = $id
  }
}

GET /ping {
  RESPOND { ok: true }
}
`;

test("api versions: both versions answer under their prefix; the deprecated one says so on every answer", async (t) => {
  const dir = tempApp(t, { "app.kova": PROGRAM });
  await build(dir);
  const server = await startServer(t, dir);

  const created = await request(`${server.url}/v1/todos`, { method: "POST", json: { title: "milk" } });
  assert.equal(created.status, 201);
  assert.equal(created.headers.get("deprecation"), `@${Date.UTC(2026, 0, 1) / 1000}`);
  assert.equal(created.headers.get("sunset"), "Wed, 30 Jun 2027 00:00:00 GMT");
  assert.equal(created.headers.get("link"), '</_kova/openapi/v1.json>; rel="deprecation"; type="application/json"');

  const v1 = await request(`${server.url}/v1/todos`);
  assert.deepEqual(v1.body, [{ id: 1, title: "milk", done: false }]);
  const v2 = await request(`${server.url}/v2/todos`);
  assert.equal(v2.status, 200);
  assert.deepEqual(v2.body, { items: [{ id: 1, title: "milk", done: false }] });
  assert.equal(v2.headers.get("deprecation"), null, "v2 is current");
  assert.equal(v2.headers.get("sunset"), null);
  assert.equal((await request(`${server.url}/ping`)).headers.get("deprecation"), null);

  // A problem from the deprecated version carries the headers too.
  const invalid = await request(`${server.url}/v1/todos`, { method: "POST", json: { title: "" } });
  assert.equal(invalid.status, 400);
  assert.match(invalid.headers.get("deprecation") ?? "", /^@\d+$/);
  // v1 has no GET /todos/:id; the unversioned path is not served.
  assert.equal((await request(`${server.url}/v1/todos/1`)).status, 404);
  assert.equal((await request(`${server.url}/todos`)).status, 404);
});

test("api versions: one OpenAPI document per version, served and written by the build", async (t) => {
  const dir = tempApp(t, { "app.kova": PROGRAM });
  await build(dir);
  const v1File = JSON.parse(readFileSync(join(dir, "dist", "openapi-v1.json"), "utf8"));
  assert.deepEqual(Object.keys(v1File.paths), ["/v1/todos"]);
  assert.equal(v1File.info.version, "v1");
  assert.match(v1File.info.description, /Deprecated from 2026-01-01\. It may stop answering from 2027-06-30/);
  assert.equal(v1File.paths["/v1/todos"].get.deprecated, true);
  assert.deepEqual(v1File.paths["/v1/todos"].get.tags, ["todos"]);

  const server = await startServer(t, dir);
  const v2 = await request(`${server.url}/_kova/openapi/v2.json`);
  assert.equal(v2.status, 200);
  assert.deepEqual(Object.keys(v2.body.paths).sort(), ["/v2/todos", "/v2/todos/{id}"]);
  assert.equal(v2.body.paths["/v2/todos"].get.deprecated, undefined);
  assert.equal(v2.body.paths["/v2/todos"].get.summary, "Every todo, with its id.");
  const all = await request(`${server.url}/_kova/openapi.json`);
  assert.deepEqual(Object.keys(all.body.paths).sort(), ["/ping", "/v1/todos", "/v2/todos", "/v2/todos/{id}"]);
  const init = await fetch(`${server.url}/_kova/docs/init.js`);
  assert.match(await init.text(), /"url":"\/_kova\/openapi\/v1\.json","name":"v1"/, "the docs page offers each version's document");
});

test("api versions: bad version names, duplicate versions, bad dates and a sunset before deprecation are diagnostics", (t) => {
  const dir = tempApp(t, {
    "app.kova": `API 2 {
  GET /a { RESPOND 1 }
}

API v3 DEPRECATED "2027-02-30" {
  GET /b { RESPOND 1 }
}

API v3 {
  GET /c { RESPOND 1 }
}

API v4 DEPRECATED "2027-01-01" SUNSET "2026-01-01" {
  ENTITY Nope { x: text }
  GET /d { RESPOND 1 }
}
`,
  });
  const result = kovaSync(["check", dir]);
  assert.equal(result.status, 1);
  const out = result.stdout + result.stderr;
  assert.match(out, /KV2701.*'2' is not a version name/);
  assert.match(out, /write v2/);
  assert.match(out, /KV2703.*DEPRECATED "2027-02-30" is not a date/);
  assert.match(out, /KV2702.*API v3 is already declared \(at .*app\.kova:5:5\)/);
  assert.match(out, /KV2704.*would stop answering/);
  assert.match(out, /KV2700.*an API block holds endpoints only, not 'ENTITY'/);
  assert.match(out, /app\.kova:1:5/);
});

test("compression: kova.config.json turns on gzip for the built app; the body decodes to what fetch reads", async (t) => {
  const dir = tempApp(t, { "app.kova": PROGRAM });
  writeFileSync(join(dir, "kova.config.json"), JSON.stringify({ compression: { threshold: 256 } }));
  await build(dir);
  const server = await startServer(t, dir);
  for (let i = 0; i < 20; i++) await request(`${server.url}/v1/todos`, { method: "POST", json: { title: `todo number ${i} to do` } });
  const wire = await new Promise<{ headers: Record<string, unknown>; bytes: Buffer }>((resolve, reject) => {
    httpRequest(`${server.url}/v2/todos`, { headers: { "accept-encoding": "gzip" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ headers: res.headers, bytes: Buffer.concat(chunks) }));
    }).on("error", reject).end();
  });
  assert.equal(wire.headers["content-encoding"], "gzip");
  const decoded = JSON.parse(gunzipSync(wire.bytes).toString());
  assert.equal(decoded.items.length, 20);
  assert.ok(wire.bytes.length < Buffer.byteLength(JSON.stringify(decoded)));
  // fetch asks for gzip/br itself and decodes: the app reads the same as without compression.
  assert.deepEqual((await request(`${server.url}/v2/todos`)).body, decoded);
});
