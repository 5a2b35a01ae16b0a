// End-to-end: `kova run --workers N` serves one app from N processes sharing the embedded store.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { EXAMPLES, KOVA_BIN, connectionRefused, freePort, request, spawnNode, tempApp, waitForHealth } from "./e2e/harness.js";

// Proves that with two workers every write lands in the one store (no lost or duplicated rows,
// history per row intact), and that SIGTERM stops the primary and all workers with exit code 0.
test("kova run --workers 2: concurrent writes from both workers land in one store", async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const run = spawnNode(t, [KOVA_BIN, "run", dir, "--port", String(port), "--workers", "2"]);
  await waitForHealth(url, run);
  assert.match(run.stdout, /\(2 workers\)/);

  const created = await Promise.all(Array.from({ length: 40 }, (_, i) => request(`${url}/todos`, { method: "POST", json: { title: `w${i}` } })));
  assert.deepEqual(created.map((r) => r.status), Array(40).fill(201));
  const ids = created.map((r) => r.body.id as number);
  assert.equal(new Set(ids).size, 40, "ids are unique across workers");
  const listed = await request(`${url}/todos?limit=100`);
  assert.deepEqual(listed.body.map((r: { id: number }) => r.id).sort((a: number, b: number) => a - b), [...ids].sort((a, b) => a - b));
  const history = await request(`${url}/todos/${ids[7]}/history`);
  assert.deepEqual(history.body.map((h: { operation: string }) => h.operation), ["insert"]);

  run.signal("SIGTERM");
  assert.deepEqual(await run.exited, { code: 0, signal: null });
  assert.equal(await connectionRefused(port), true);
});

test("kova run --workers rejects a bad count", (t) => {
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  const run = spawnNode(t, [KOVA_BIN, "run", dir, "--workers", "zero"]);
  return run.exited.then((exit) => {
    assert.equal(exit.code, 2);
    assert.match(run.stderr, /--workers takes a whole number/);
  });
});
