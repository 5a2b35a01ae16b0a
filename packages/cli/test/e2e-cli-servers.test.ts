// End-to-end: `kova run` and `kova dev` as a user starts them, on a real port.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLES, KOVA_BIN, connectionRefused, delay, freePort, request, spawnNode, tempApp, waitForHealth } from "./e2e/harness.js";

// Proves `kova run DIR --port N` builds, prints the URL and every route, serves requests, and that
// SIGTERM stops it (and its server) with exit code 0.
test("kova run: prints the URL and route table, serves, exits 0 on SIGTERM", async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const run = spawnNode(t, [KOVA_BIN, "run", dir, "--port", String(port)]);
  await waitForHealth(url, run);

  assert.ok(run.stdout.includes(`on ${url}`), run.stdout);
  for (const route of ["GET    /todos", "POST   /todos", "GET    /todos/:id", "PATCH  /todos/:id", "DELETE /todos/:id", "GET    /todos/:id/as-of/:when"]) {
    const [method, path] = route.split(/\s+/);
    assert.match(run.stdout, new RegExp(`^\\s*${method}\\s+${url.replace(/[./]/g, "\\$&")}${path.replace(/[./]/g, "\\$&")}$`, "m"), `route ${route} listed`);
  }
  const created = await request(`${url}/todos`, { method: "POST", json: { title: "from kova run" } });
  assert.equal(created.status, 201);
  assert.equal((await request(`${url}/todos/${created.body.id}`)).body.title, "from kova run");
  // `kova run` logs no line per request by default (issue 25: the request log is `kova dev`'s).
  await delay(100);
  assert.doesNotMatch(run.stdout, /"msg":"request"/, run.stdout);

  run.signal("SIGTERM");
  assert.deepEqual(await run.exited, { code: 0, signal: null });
  assert.equal(await connectionRefused(port), true, "the server stopped with it");
});

// Proves the server does not outlive `kova run` when it is killed without a chance to pass a signal
// on (kill -9, a closed terminal): the server notices its parent is gone and shuts down.
test("kova run: killing it with SIGKILL stops its server too (no orphan keeps the port)", { timeout: 30_000 }, async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const run = spawnNode(t, [KOVA_BIN, "run", dir, "--port", String(port)]);
  await waitForHealth(url, run);
  run.signal("SIGKILL");
  await run.exited;
  let refused = false;
  for (let i = 0; i < 50 && !refused; i++) {
    refused = await connectionRefused(port);
    if (!refused) await delay(100);
  }
  assert.equal(refused, true, "the orphaned server shut down within 5 s");
});

// Proves `kova dev` swaps in a rebuilt server on the same port when app.kova changes, and that a
// save with a compile error prints the diagnostic while the last good server keeps answering.
test("kova dev: a new route answers after a save; a broken save keeps the old server", async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dev = spawnNode(t, [KOVA_BIN, "dev", dir, "--port", String(port)]);
  await waitForHealth(url, dev);
  assertRouteMissing(await request(`${url}/added`));
  const created = await request(`${url}/todos`, { method: "POST", json: { title: "survives reloads" } });
  assert.equal(created.status, 201);
  // `kova dev` logs every request (KOVA_ACCESS_LOG=on unless the environment says otherwise).
  if (process.env.KOVA_ACCESS_LOG === undefined && (process.env.KOVA_LOG_LEVEL ?? "info") === "info") {
    await dev.waitForOutput(/"method":"POST","path":"\/todos","status":201/, 5_000);
  }

  const appFile = join(dir, "app.kova");
  const original = readFileSync(appFile, "utf8");
  writeFileSync(appFile, `${original}\nGET /added {\n  RESPOND { added: true, count: 1 }\n}\n`);
  const added = await pollUntil(async () => {
    const response = await request(`${url}/added`).catch(() => undefined);
    return response?.status === 200 ? response : undefined;
  }, 8_000);
  assert.deepEqual(added.body, { added: true, count: 1 });
  assert.equal((await request(`${url}/todos/${created.body.id}`)).body.title, "survives reloads", "same data after the restart");

  // Editors often save by writing a temporary file and renaming it over the old one (sed -i, vim):
  // both the broken save and the fix below are made that way.
  const saveByRename = (text: string) => {
    const temp = join(dir, ".app.kova.tmp");
    writeFileSync(temp, text);
    renameSync(temp, appFile);
  };
  const errorsBefore = dev.stderr.length;
  saveByRename(`${original}\nGET /added {\n  RESPOND SELECT * FROM Nope\n}\n`);
  await dev.waitForOutput(/keeping the last good server running/, 8_000);
  const report = dev.stderr.slice(errorsBefore);
  assert.match(report, /error\[KV\d+\]/, report);
  assert.match(report, /Nope/);
  assert.match(report, /app\.kova/);
  await delay(300);
  assert.deepEqual((await request(`${url}/added`)).body, { added: true, count: 1 }, "the last good server still answers");
  assert.equal((await request(`${url}/todos`)).status, 200);

  // The fix after a failed build must be picked up (it once went unnoticed after a rename-save).
  saveByRename(`${original}\nGET /fixed {\n  RESPOND { fixed: true }\n}\n`);
  const fixed = await pollUntil(async () => {
    const response = await request(`${url}/fixed`).catch(() => undefined);
    return response?.status === 200 ? response : undefined;
  }, 8_000);
  assert.deepEqual(fixed.body, { fixed: true });

  dev.signal("SIGTERM");
  assert.deepEqual(await dev.exited, { code: 0, signal: null });
  assert.equal(await connectionRefused(port), true, "the dev server stopped its app server");
});

function assertRouteMissing(response: { status: number }): void {
  assert.equal(response.status, 404);
}

async function pollUntil<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms`);
    await delay(100);
  }
}
