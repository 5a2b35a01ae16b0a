// `kova run --workers N` when the app cannot start: one message, exit 1, no fork loop (issue 23 item 13).
import { test } from "node:test";
import assert from "node:assert/strict";
import { KOVA_BIN, freePort, spawnNode, tempApp } from "./e2e/harness.js";

test("kova run --workers 2 with a missing env() variable fails once with the cause", async (t) => {
  const dir = tempApp(t, { "app.kova": `GET /x {\n  RESPOND { x: env("MISSING_X") }\n}\n` });
  const started = Date.now();
  const run = spawnNode(t, [KOVA_BIN, "run", dir, "--port", String(await freePort()), "--workers", "2"]);
  const exit = await Promise.race([run.exited, new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), 20_000))]);
  assert.deepEqual(exit, { code: 1, signal: null }, run.output);
  assert.ok(Date.now() - started < 20_000);
  assert.equal(run.stderr.match(/missing required environment variable: MISSING_X/g)?.length, 1, run.stderr);
  assert.doesNotMatch(run.stderr, /starting a new one/);
});
