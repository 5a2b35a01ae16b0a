// Issue 14 items 4 and 5 from the language to the wire: a .kova program with RATE_LIMIT and CORS,
// built as `kova build` builds it and started by startApp (with kova.config.json), over real HTTP.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startApp } from "@kova/runtime";
import "@kova/driver-embedded";
import { build, tempApp } from "./e2e/harness.js";

const PROGRAM = `RATE_LIMIT 50 PER 1m

CORS {
  origins: ["https://app.example.com", env("MORE_ORIGINS", "")]
  credentials: true
}

ENTITY Todo {
  title: text
  done: bool DEFAULT false
}

POST /todos RATE_LIMIT 3 PER 1m BY ip {
  RESPOND 201 INSERT INTO Todo { title: "write tests" }
}

POST /todos/:id/done {
  RESPOND UPDATE Todo SET done = true WHERE id = $id
}

GET /todos/:id {
  RESPOND SELECT * FROM Todo WHERE id = $id
}
`;

async function serve(t: TestContext, appDir: string): Promise<string> {
  const { app } = (await import(pathToFileURL(join(appDir, "dist", "app.js")).href)) as { app: Parameters<typeof startApp>[0] };
  const running = await startApp(app, { port: 0, host: "127.0.0.1", appDir, env: { MORE_ORIGINS: "https://b.example.com, https://c.example.com" }, manageProcess: false, logLevel: "silent" });
  t.after(() => running.close());
  return running.url;
}

function send(base: string, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; json: any }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text === "" ? undefined : JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("a compiled program's RATE_LIMIT, CORS and the safe defaults, over HTTP", async (t) => {
  const dir = tempApp(t, { "app.kova": PROGRAM });
  writeFileSync(join(dir, "kova.config.json"), JSON.stringify({ allowedHosts: ["127.0.0.1", "api.example.com"] }));
  await build(dir);
  const url = await serve(t, dir);

  // The endpoint's own budget (3 per minute), inside the app-wide one (50).
  const created = [];
  for (let i = 0; i < 3; i++) created.push(await send(url, "POST", "/todos"));
  assert.deepEqual(created.map((r) => [r.status, r.headers["ratelimit-remaining"]]), [[201, "2"], [201, "1"], [201, "0"]]);
  const over = await send(url, "POST", "/todos");
  assert.equal(over.status, 429);
  assert.equal(over.json.type, "urn:kova:problem:rate-limited");
  assert.ok(Number(over.headers["retry-after"]) > 0);
  assert.equal((await send(url, "GET", `/todos/${created[0].json.id}`)).headers["ratelimit-limit"], "50", "the app-wide budget elsewhere");

  // CORS: the listed origin and the ones env() adds; preflight and actual requests.
  for (const origin of ["https://app.example.com", "https://c.example.com"]) {
    const preflight = await send(url, "OPTIONS", "/todos/1/done", { origin, "access-control-request-method": "POST" });
    assert.equal(preflight.status, 204, origin);
    assert.equal(preflight.headers["access-control-allow-origin"], origin);
    assert.equal(preflight.headers["access-control-allow-credentials"], "true");
  }
  assert.equal((await send(url, "OPTIONS", "/todos/1/done", { origin: "https://evil.example", "access-control-request-method": "POST" })).status, 403);

  // A body-less cross-origin POST from a foreign origin does not run; from an allowed one it does.
  const id = created[1].json.id;
  const refused = await send(url, "POST", `/todos/${id}/done`, { origin: "https://evil.example" });
  assert.equal(refused.status, 403);
  assert.equal(refused.json.type, "urn:kova:problem:cross-origin-refused");
  assert.equal((await send(url, "GET", `/todos/${id}`)).json.done, false, "the refused write did not happen");
  assert.equal((await send(url, "POST", `/todos/${id}/done`, { origin: "https://b.example.com" })).status, 200);
  assert.equal((await send(url, "GET", `/todos/${id}`)).json.done, true);

  // allowedHosts from kova.config.json; security headers on everything.
  const wrongHost = await send(url, "GET", `/todos/${id}`, { host: "localhost" });
  assert.equal(wrongHost.status, 421);
  assert.equal(wrongHost.headers["x-content-type-options"], "nosniff");
  assert.equal((await send(url, "GET", `/todos/${id}`, { host: "api.example.com" })).status, 200);
});
