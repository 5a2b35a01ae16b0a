// Declared path and query parameters (issue 13 item 5): types, defaults, bounds and allowed values
// checked before the handler runs, a 400 naming the parameter otherwise — over real HTTP.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startApp } from "@kova/runtime";
import "@kova/driver-embedded";
import { build, tempApp } from "./e2e/harness.js";

async function serve(t: TestContext, appDir: string): Promise<string> {
  const { app } = (await import(pathToFileURL(join(appDir, "dist", "app.js")).href)) as { app: Parameters<typeof startApp>[0] };
  const running = await startApp(app, { port: 0, host: "127.0.0.1", appDir, manageProcess: false, logLevel: "silent" });
  t.after(() => running.close());
  return running.url;
}

async function get(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

const APP = `
GET /echo/:n(int) QUERY { limit: int(min: 1, max: 100) DEFAULT 20, sort: enum("new", "old") DEFAULT "new", q: text?, flag: bool } {
  RESPOND { n: $n, limit: $query.limit, sort: $query.sort, q: $query.q, flag: $query.flag }
}

GET /name/:name(text) {
  RESPOND { name: $name }
}

ENTITY Film {
  title: text
  year: int
}

POST /films {
  RESPOND 201 [INSERT INTO Film { title: "b", year: 1999 }, INSERT INTO Film { title: "a", year: 2005 }]
}

GET /films QUERY { sort: enum("title", "year") DEFAULT "year" } {
  RESPOND SELECT title FROM Film ORDER_BY $query.sort IN [title, year] DESC
}
`;

test("ORDER_BY $query.sort IN [title, year]: one compiled statement per field, chosen per request; a value outside the list is a 400", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  await build(dir);
  const url = await serve(t, dir);
  assert.equal((await fetch(`${url}/films`, { method: "POST" })).status, 201);
  assert.deepEqual((await get(`${url}/films`)).body, [{ id: 2, title: "a" }, { id: 1, title: "b" }]);
  assert.deepEqual((await get(`${url}/films?sort=title`)).body, [{ id: 1, title: "b" }, { id: 2, title: "a" }]);
  const bad = await get(`${url}/films?sort=id`);
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body.errors.map((e: { field: string }) => e.field), ["sort"]);
  const code = readFileSync(join(dir, "dist", "app.js"), "utf8");
  assert.match(code, /return \{ status: 200, body: \(await \[async \(\) => \(await ctx\.db\("default"\)\.execute\(Q\d+, \[\]\)\), async \(\) => \(await ctx\.db\("default"\)\.execute\(Q\d+, \[\]\)\)\]\[orderIndex\(\(ctx\.query\?\.\["sort"\] \?\? null\), "query parameter sort", \["title","year"\]\)\]\(\)\) \};/);
});

test("declared parameters: typed, defaulted, bounded; a value that does not fit is a 400 naming it", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  await build(dir);
  const url = await serve(t, dir);
  assert.deepEqual(await get(`${url}/echo/7?flag=true`), { status: 200, body: { n: 7, limit: 20, sort: "new", q: null, flag: true } });
  assert.deepEqual(await get(`${url}/echo/7?flag=0&limit=100&sort=old&q=hi`), { status: 200, body: { n: 7, limit: 100, sort: "old", q: "hi", flag: false } });
  const cases: Array<[string, string, RegExp]> = [
    ["/echo/x?flag=true", "n", /integer/],
    ["/echo/7?flag=true&limit=101", "limit", /at most 100/],
    ["/echo/7?flag=true&limit=0", "limit", /at least 1/],
    ["/echo/7?flag=true&sort=top", "sort", /one of "new", "old"/],
    ["/echo/7", "flag", /required/],
  ];
  for (const [path, field, message] of cases) {
    const { status, body } = await get(url + path);
    assert.equal(status, 400, path);
    assert.equal(body.type, "urn:kova:problem:invalid-parameter", path);
    assert.deepEqual(body.errors.map((e: { field: string }) => e.field), [field], path);
    assert.match(body.errors[0].message, message, path);
  }
  // A path declared text stays text even when it looks like a number.
  assert.deepEqual(await get(`${url}/name/42`), { status: 200, body: { name: "42" } });
  const code = readFileSync(join(dir, "dist", "app.js"), "utf8");
  assert.match(code, /query: \[\{ name: "flag", type: "boolean", required: true \}, \{ name: "limit", type: "int", default: 20, min: 1, max: 100 \}, \{ name: "q", type: "string" \}, \{ name: "sort", type: "string", default: "new", values: \["new","old"\] \}\]/);
});
