// End-to-end: examples/todo built and served by `node dist/server.js`, exercised over real HTTP.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { EXAMPLES, FIXTURES, build, delay, request, startServer, tempApp, type RunningServer } from "./e2e/harness.js";
import { assertProblem, errorFields } from "./e2e/problems.js";
import type { TestContext } from "node:test";

async function todoServer(t: TestContext, extraFiles: string[] = []): Promise<RunningServer> {
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  for (const file of extraFiles) copyFileSync(file, join(dir, file.split("/").pop()!));
  await build(dir);
  return startServer(t, dir);
}

async function createTodo(server: RunningServer, body: object): Promise<any> {
  const created = await request(`${server.url}/todos`, { method: "POST", json: body });
  assert.equal(created.status, 201, created.text);
  return created.body;
}

// Proves the whole create/read/change/delete cycle a client of the example relies on.
test("todo: create, list, read, patch, mark done, delete", async (t) => {
  const server = await todoServer(t);
  const base = `${server.url}/todos`;

  const created = await request(base, { method: "POST", json: { title: "Buy milk", notes: "oat, 1 l", due: "2025-03-01" } });
  assert.equal(created.status, 201);
  assert.deepEqual(created.body, { id: 1, title: "Buy milk", notes: "oat, 1 l", done: false, due: "2025-03-01" });
  assert.equal(created.headers.get("location"), "/todos/1");
  assert.match(created.headers.get("content-type") ?? "", /^application\/json/);
  const second = await createTodo(server, { title: "Walk the dog" });
  assert.equal(second.id, 2);

  const list = await request(base);
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.map((x: any) => x.title), ["Buy milk", "Walk the dog"]);
  const page = await request(`${base}?limit=1&offset=1`);
  assert.deepEqual(page.body.map((x: any) => x.id), [2]);

  const one = await request(`${base}/1`);
  assert.equal(one.status, 200);
  assert.deepEqual(one.body, created.body);

  const patched = await request(`${base}/1`, { method: "PATCH", json: { notes: "oat, 2 l" } });
  assert.equal(patched.status, 200);
  assert.deepEqual(patched.body, { ...created.body, notes: "oat, 2 l" });

  const done = await request(`${base}/1/done`, { method: "POST" });
  assert.equal(done.status, 200);
  assert.equal(done.body.done, true);
  const open = await request(`${base}?done=false`);
  assert.deepEqual(open.body.map((x: any) => x.id), [2], "?done=false leaves out the finished todo");
  const finished = await request(`${base}?done=true`);
  assert.deepEqual(finished.body.map((x: any) => x.id), [1]);

  const removed = await request(`${base}/1`, { method: "DELETE" });
  assert.equal(removed.status, 204);
  assert.equal(removed.text, "");
  const gone = assertProblem(await request(`${base}/1`), 404);
  assert.equal(gone.instance, "/todos/1");
  assertProblem(await request(`${base}/1`, { method: "DELETE" }), 404);
  assert.deepEqual((await request(base)).body.map((x: any) => x.id), [2]);
});

// Proves the request errors a client gets are precise problems, never a crash or a silent accept.
test("todo: validation and protocol errors are problem responses", async (t) => {
  const server = await todoServer(t);
  const base = `${server.url}/todos`;

  const invalid = assertProblem(
    await request(base, { method: "POST", json: { title: "", notes: 5, due: "someday", colour: "red" } }),
    400,
    "urn:kova:problem:validation-failed",
  );
  assert.deepEqual(errorFields(invalid), ["colour", "due", "notes", "title"], "every failing field is listed, the unknown one too");
  const missing = assertProblem(await request(base, { method: "POST", json: {} }), 400, "urn:kova:problem:validation-failed");
  assert.deepEqual(errorFields(missing), ["title"]);
  const patchInvalid = assertProblem(await request(`${base}/1`, { method: "PATCH", json: { done: "yes", title: "" } }), 400);
  assert.deepEqual(errorFields(patchInvalid), ["done", "title"]);
  assert.deepEqual((await request(base)).body, [], "nothing was written by the rejected requests");

  assertProblem(await request(`${server.url}/nothing/here`), 404, "urn:kova:problem:not-found");

  const wrongMethod = await request(`${base}/1`, { method: "PUT", json: { title: "x" } });
  assertProblem(wrongMethod, 405, "urn:kova:problem:method-not-allowed");
  const allow = (wrongMethod.headers.get("allow") ?? "").split(/,\s*/).sort();
  assert.deepEqual(allow, ["DELETE", "GET", "HEAD", "PATCH"]);

  const huge = JSON.stringify({ title: "x", notes: "y".repeat(1024 * 1024 + 10) });
  assertProblem(await request(base, { method: "POST", body: huge, headers: { "content-type": "application/json" } }), 413, "urn:kova:problem:payload-too-large");

  // The same limit for a streamed (chunked) body that declares no length.
  const streamed = await postChunked(`${base}`, 1.5 * 1024 * 1024);
  assert.equal(streamed.status, 413);
  assert.match(streamed.body, /payload-too-large/);

  assertProblem(
    await request(base, { method: "POST", body: "title=x", headers: { "content-type": "application/x-www-form-urlencoded" } }),
    415,
    "urn:kova:problem:unsupported-media-type",
  );

  const malformed = assertProblem(
    await request(base, { method: "POST", body: '{"title": "x",\n  "notes": }', headers: { "content-type": "application/json" } }),
    400,
    "urn:kova:problem:malformed-json",
  );
  assert.match(malformed.detail, /line 2/);

  const badId = assertProblem(await request(`${base}/abc`), 400, "urn:kova:problem:invalid-parameter");
  assert.deepEqual(errorFields(badId), ["id"]);

  const badLimit = assertProblem(await request(`${base}?limit=x`), 400);
  assert.deepEqual(errorFields(badLimit), ["limit"]);

  // The server is still healthy after all of that.
  assert.equal((await request(`${server.url}/_kova/health`)).status, 200);
});

// Proves every write is kept as a version and that a todo can be read as it was at an instant.
test("todo: history and AS OF reads", async (t) => {
  const server = await todoServer(t);
  const base = `${server.url}/todos`;
  // Writes a few milliseconds apart, so each version has its own instant.
  const todo = await createTodo(server, { title: "v1" });
  await delay(15);
  await request(`${base}/${todo.id}`, { method: "PATCH", json: { title: "v2" } });
  await delay(15);
  await request(`${base}/${todo.id}`, { method: "PATCH", json: { title: "v3" } });
  await delay(15);
  const keep = await createTodo(server, { title: "unrelated" });
  await request(`${base}/${todo.id}`, { method: "DELETE" });

  const history = await request(`${base}/${todo.id}/history`);
  assert.equal(history.status, 200);
  const versions = history.body as Array<{ version: number; operation: string; at: string; data: any }>;
  assert.deepEqual(versions.map((v) => v.operation), ["insert", "update", "update", "delete"]);
  assert.deepEqual(versions.map((v) => v.data.title), ["v1", "v2", "v3", "v3"]);
  assert.ok(versions.every((v, i) => i === 0 || v.version > versions[i - 1].version), "versions increase");
  assert.ok(versions.every((v) => v.data.id === todo.id), "only this todo's versions");
  const at = versions.map((v) => Date.parse(v.at));
  const iso = (ms: number) => new Date(ms).toISOString();
  const asOf = (ms: number) => request(`${base}/${todo.id}/as-of/${iso(ms)}`);

  // Between the two updates: the first update's value.
  const between = await asOf(at[1] + Math.floor((at[2] - at[1]) / 2));
  assert.equal(between.status, 200, between.text);
  assert.equal(between.body.title, "v2");
  assert.equal((await asOf(at[0])).body.title, "v1");
  // Before the todo existed: not found.
  assertProblem(await asOf(at[0] - 1), 404);
  // Deleted now, but read as of a time before the delete: the row as it was.
  const beforeDelete = await asOf(at[3] - 1);
  assert.equal(beforeDelete.status, 200, beforeDelete.text);
  assert.deepEqual(beforeDelete.body, { ...todo, title: "v3" });
  assertProblem(await asOf(at[3]), 404);
  // The other todo is unaffected by that delete.
  assert.equal((await request(`${base}/${keep.id}`)).status, 200);

  const badInstant = assertProblem(await request(`${base}/${todo.id}/as-of/notatime`), 400);
  assert.match(badInstant.detail, /notatime/);
});

// Proves request values are data, never SQL: hostile text round-trips and filters match literally.
test("todo: SQL metacharacters, unicode and emoji are stored verbatim and never change a query", async (t) => {
  const server = await todoServer(t, [join(FIXTURES, "todo-search", "search.kova")]);
  const base = `${server.url}/todos`;
  const titles = [
    "'; DROP TABLE todo; --",
    "\" OR 1=1 --",
    "\\",
    "back\\slash and 'quotes' and \"double\"",
    "Grüße, 東京, Ελληνικά, עברית",
    "emoji 🎉👩‍💻🏳️‍🌈",
    "%_*?[ wildcards",
    "line\nbreak\ttab\u0000nul",
  ];
  const ids: number[] = [];
  for (const title of titles) {
    const todo = await createTodo(server, { title });
    assert.equal(todo.title, title);
    ids.push(todo.id);
  }
  for (const [i, id] of ids.entries()) {
    const read = await request(`${base}/${id}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.title, titles[i], `title ${JSON.stringify(titles[i])} round-trips`);
  }
  const all = await request(`${base}?limit=100`);
  assert.deepEqual(all.body.map((x: any) => x.title), titles, "the table is intact and holds every row");

  const search = (title: string) => request(`${base}/search?title=${encodeURIComponent(title)}`);
  for (const hostile of ["' OR '1'='1", "x' OR 1=1 --", "\" OR \"\"=\"", "1; DELETE FROM todo"]) {
    const found = await search(hostile);
    assert.equal(found.status, 200, found.text);
    assert.deepEqual(found.body, [], `${hostile} matches nothing`);
  }
  assert.deepEqual((await search("'; DROP TABLE todo; --")).body.map((x: any) => x.id), [ids[0]], "an exact hostile title matches only itself");
  const starting = (prefix: string) => request(`${base}/starting?prefix=${encodeURIComponent(prefix)}`);
  assert.deepEqual((await starting("' OR 1=1 --")).body, []);
  assert.deepEqual((await starting("*")).body, [], "a GLOB wildcard in a LIKE value is literal");
  assert.deepEqual((await starting("emoji 🎉")).body.map((x: any) => x.id), [ids[5]]);

  const injectedFilter = await request(`${base}?done=${encodeURIComponent("false' OR '1'='1")}`);
  assertProblem(injectedFilter, 400);
  assert.equal((await request(`${base}?limit=100`)).body.length, titles.length, "still every row after the attempts");
});

/**
 * POSTs `bytes` of JSON-ish text in chunks without a Content-Length, and resolves with the response
 * the server sends while the upload is still going (node:http reads it; fetch would report EPIPE).
 */
function postChunked(url: string, bytes: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked" } });
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (s: string) => (body += s));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    const chunk = "[" + "1,".repeat(32 * 1024);
    let sent = 0;
    const pump = (): void => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once("drain", pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}
