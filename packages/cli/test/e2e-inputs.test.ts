// Request inputs typed once, before the handler (issue 10 items 2 and 8), and imported modules
// kept inside dist/ (issue 10 item 11): built as `kova build` builds, served in-process.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { startApp } from "@kova/runtime";
import "@kova/driver-embedded";
import { build, tempApp } from "./e2e/harness.js";

async function serve(t: TestContext, appDir: string, outDir = join(appDir, "dist")): Promise<string> {
  const { app } = (await import(pathToFileURL(join(outDir, "app.js")).href)) as { app: Parameters<typeof startApp>[0] };
  const running = await startApp(app, { port: 0, host: "127.0.0.1", appDir, manageProcess: false, logLevel: "silent" });
  t.after(() => running.close());
  return running.url;
}

async function get(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

const ARITHMETIC = `
GET /n/:n { RESPOND { next: $n + 1, twice: $n * 2 } }
GET /q { RESPOND { next: $query.n + 1 } }
`;

test("inputs: a path or query value used as a number is a number ($n + 1 with 21 is 22), and 'abc' is a 400 naming it", async (t) => {
  const dir = tempApp(t, { "app.kova": ARITHMETIC });
  await build(dir);
  const url = await serve(t, dir);
  assert.deepEqual(await get(`${url}/n/21`), { status: 200, body: { next: 22, twice: 42 } });
  assert.deepEqual(await get(`${url}/q?n=21`), { status: 200, body: { next: 22 } });
  for (const bad of [`${url}/n/abc`, `${url}/q?n=abc`]) {
    const { status, body } = await get(bad);
    assert.equal(status, 400, bad);
    assert.equal(body.type, "urn:kova:problem:invalid-parameter");
    assert.deepEqual(body.errors.map((e: { field: string }) => e.field), ["n"]);
  }
});

const LIST = `
ENTITY Todo {
  title: text
  done: bool DEFAULT false
}
GET /todos { RESPOND SELECT * FROM Todo WHERE ($query.done IS NULL OR done = $query.done) AND ($query.title IS NULL OR title = $query.title) }
`;

test("inputs: a repeated query key for a scalar parameter is a 400 naming it, not a 500 (every parameter a route reads is declared)", async (t) => {
  const dir = tempApp(t, { "app.kova": LIST });
  await build(dir);
  const url = await serve(t, dir);
  assert.equal((await get(`${url}/todos?done=false`)).status, 200);
  for (const name of ["done", "title"]) {
    const { status, body } = await get(`${url}/todos?${name}=true&${name}=false`);
    assert.equal(status, 400, `repeated ${name}`);
    assert.deepEqual(body.errors.map((e: { field: string }) => e.field), [name]);
  }
});

/** Every file under `dir`, relative to it, skipping the node_modules link. */
function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === "node_modules") return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path, base) : [relative(base, path)];
  });
}

test("build: an app importing ../helpers.js keeps working, and nothing is written outside dist/", async (t) => {
  const root = tempApp(t, {
    "helpers.js": "export function shout(s) { return String(s).toUpperCase() + '!'; }\n",
    "app/app.kova": 'IMPORT { shout } FROM "../helpers.js"\nGET /hi { RESPOND { said: shout("hi") } }\n',
    // dist/../helpers.js: the file the old build overwrote with the imported module.
    "app/helpers.js": "// mine, not the build's\n",
  });
  const appDir = join(root, "app");
  const before = filesUnder(root).filter((f) => !f.startsWith("app/dist/"));
  await build(appDir);
  assert.equal(readFileSync(join(appDir, "helpers.js"), "utf8"), "// mine, not the build's\n");
  assert.deepEqual(filesUnder(root).filter((f) => !f.startsWith("app/dist/")), before, "files outside dist/");
  assert.ok(existsSync(join(appDir, "dist", "_outside", "_up", "helpers.js")));
  const url = await serve(t, appDir);
  assert.deepEqual(await get(`${url}/hi`), { status: 200, body: { said: "HI!" } });
});
