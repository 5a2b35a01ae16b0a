// End-to-end: what the embedded store promises across restarts and crashes, seen from a client.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { EXAMPLES, build, delay, request, startServer, tempApp } from "./e2e/harness.js";

// Proves data and history survive a normal stop (SIGTERM) and restart on the same app folder,
// and that ids are not reused afterwards.
test("persistence: data and history survive SIGTERM and a restart", async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  await build(dir);
  const first = await startServer(t, dir);
  const created = await request(`${first.url}/todos`, { method: "POST", json: { title: "persist me", notes: "n" } });
  assert.equal(created.status, 201);
  const id = created.body.id;
  await request(`${first.url}/todos/${id}`, { method: "PATCH", json: { title: "persisted" } });
  const doomed = await request(`${first.url}/todos`, { method: "POST", json: { title: "deleted before restart" } });
  await request(`${first.url}/todos/${doomed.body.id}`, { method: "DELETE" });
  const historyBefore = (await request(`${first.url}/todos/${id}/history`)).body;

  assert.deepEqual(await first.stop(), { code: 0, signal: null }, "SIGTERM is a clean exit");

  const second = await startServer(t, dir);
  const read = await request(`${second.url}/todos/${id}`);
  assert.equal(read.status, 200);
  assert.deepEqual(read.body, { ...created.body, title: "persisted" });
  assert.deepEqual((await request(`${second.url}/todos/${id}/history`)).body, historyBefore);
  assert.deepEqual((await request(`${second.url}/todos/${doomed.body.id}/history`)).body.map((v: any) => v.operation), ["insert", "delete"]);
  assert.equal((await request(`${second.url}/todos/${doomed.body.id}`)).status, 404);
  const next = await request(`${second.url}/todos`, { method: "POST", json: { title: "after restart" } });
  assert.ok(next.body.id > doomed.body.id, "a deleted todo's id is not handed out again");
});

// Proves that every write the server acknowledged with a 201 is still there after the process is
// killed with SIGKILL in the middle of a burst of concurrent writes (WAL, committed before replying).
test("durability: every acknowledged write survives kill -9 under write load", async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  await build(dir);
  const server = await startServer(t, dir);
  const acknowledged = new Map<number, string>();
  let stopped = false;
  let sent = 0;

  const writer = async (worker: number) => {
    while (!stopped) {
      const title = `w${worker}-${sent++}`;
      try {
        const response = await request(`${server.url}/todos`, { method: "POST", json: { title } });
        if (response.status === 201) acknowledged.set(response.body.id, title);
      } catch {
        return; // the server is gone: whatever was in flight was never acknowledged
      }
    }
  };
  const writers = Array.from({ length: 8 }, (_, i) => writer(i));
  await delay(1_500);
  server.signal("SIGKILL");
  const exit = await server.exited;
  stopped = true;
  await Promise.all(writers);
  assert.equal(exit.signal, "SIGKILL");
  t.diagnostic(`${acknowledged.size} writes acknowledged before kill -9`);
  assert.ok(acknowledged.size >= 50, `enough load to mean something (${acknowledged.size} acknowledged writes)`);

  const restarted = await startServer(t, dir);
  const ids = [...acknowledged.keys()];
  const missing: number[] = [];
  const wrong: number[] = [];
  for (let i = 0; i < ids.length; i += 16) {
    await Promise.all(
      ids.slice(i, i + 16).map(async (id) => {
        const read = await request(`${restarted.url}/todos/${id}`);
        if (read.status !== 200) missing.push(id);
        else if (read.body.title !== acknowledged.get(id)) wrong.push(id);
      }),
    );
  }
  assert.deepEqual(missing, [], `acknowledged ids missing after kill -9 (of ${ids.length})`);
  assert.deepEqual(wrong, [], "acknowledged ids whose title changed");
});
