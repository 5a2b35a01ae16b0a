// VALIDATE Name(unknown: "drop") (issue 13 item 5): a field the shape does not declare is removed
// from the body instead of being a 400 — over real HTTP, with the emitted validator checked.
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

async function post(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

const APP = `
ENTITY Contact {
  name: text
}

VALIDATE Lenient(unknown: "drop") {
  name: string
}

VALIDATE Strict {
  name: string
}

POST /lenient VALIDATE Lenient {
  RESPOND 201 INSERT INTO Contact $body
}

POST /strict VALIDATE Strict {
  RESPOND 201 INSERT INTO Contact $body
}
`;

test("VALIDATE (unknown: drop): unknown fields are dropped and the write succeeds; without it they are a 400 naming them", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  await build(dir);
  const url = await serve(t, dir);
  assert.deepEqual(await post(`${url}/lenient`, { name: "ada", nickname: "countess", admin: true }), { status: 201, body: { id: 1, name: "ada" } });
  const strict = await post(`${url}/strict`, { name: "ada", nickname: "countess" });
  assert.equal(strict.status, 400);
  assert.deepEqual(strict.body.errors, [{ field: "nickname", message: "is not an allowed field" }]);
  // Still validated: a declared field that is wrong is a 400 either way.
  assert.equal((await post(`${url}/lenient`, { name: 1, extra: 2 })).status, 400);
  const code = readFileSync(join(dir, "dist", "app.js"), "utf8");
  assert.match(code, /if \(\w+\[key\] !== true\) delete value\[key\];/);
});
