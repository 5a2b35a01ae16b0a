// `kova dev` hands over to a new build only once it can start, and rebuilds only for real changes
// (issue 23 items 10, 11).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KOVA_BIN, delay, freePort, request, spawnNode, tempApp, waitForHealth } from "./e2e/harness.js";

const NOTES = `ENTITY Note {\n  title: text\n}\nGET /notes { RESPOND SELECT * FROM Note }\nPOST /notes {\n  note = INSERT INTO Note $body\n  RESPOND 201 note\n}\n`;

async function startDev(t: Parameters<typeof tempApp>[0], dir: string) {
  const port = await freePort();
  const dev = spawnNode(t, [KOVA_BIN, "dev", dir, "--port", String(port)]);
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, dev, 15_000);
  return { dev, url };
}

// Item 11: the first start creates the embedded store's `.kova` folder, whose name ends like a
// source file; that used to trigger a rebuild and restart for nothing.
test("kova dev does not restart when the app creates its data folder", async (t) => {
  const dir = tempApp(t, { "app.kova": NOTES });
  const { dev, url } = await startDev(t, dir);
  assert.equal((await request(`${url}/notes`)).status, 200);
  assert.equal(existsSync(join(dir, ".kova")), true);
  await delay(1_500);
  assert.doesNotMatch(dev.output, /restarted|rebuilt/, dev.output);
});

// Item 10: a save that compiles but cannot start stopped the working server.
test("kova dev keeps serving when a save adds a missing env() variable, without restarting", async (t) => {
  const dir = tempApp(t, { "app.kova": NOTES });
  const { dev, url } = await startDev(t, dir);
  writeFileSync(join(dir, "app.kova"), `${NOTES}GET /secret { RESPOND { s: env("MISSING_X") } }\n`);
  await dev.waitForOutput(/the new build cannot start: missing required environment variable: MISSING_X/, 10_000);
  // The two lines are written one after the other: wait for the second too.
  await dev.waitForOutput(/keeping the last good server running/, 5_000);
  assert.doesNotMatch(dev.output, /shutting down/, "the working server was never stopped");
  assert.equal((await request(`${url}/notes`)).status, 200);

  writeFileSync(join(dir, ".env"), "MISSING_X=found\n");
  await dev.waitForOutput(/restarted on/, 10_000);
  assert.deepEqual((await request(`${url}/secret`)).body, { s: "found" });
});

test("kova dev goes back to the last good server when the new one refuses stored data", async (t) => {
  const dir = tempApp(t, { "app.kova": NOTES });
  const { dev, url } = await startDev(t, dir);
  assert.equal((await request(`${url}/notes`, { method: "POST", json: { title: "kept" } })).status, 201);

  writeFileSync(join(dir, "app.kova"), NOTES.replace("title: text", "title: int"));
  await dev.waitForOutput(/keeping the last good server running on/, 15_000);
  assert.match(dev.output, /cannot migrate Note\.title from string to int/);
  const listed = await request(`${url}/notes`);
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.body.map((n: { title: string }) => n.title), ["kept"]);

  writeFileSync(join(dir, "app.kova"), `${NOTES}GET /ok { RESPOND { ok: true } }\n`);
  await dev.waitForOutput(/restarted on/, 15_000);
  assert.deepEqual((await request(`${url}/ok`)).body, { ok: true });
});
