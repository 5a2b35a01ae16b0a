// End-to-end: change events and ON handlers on the embedded store, seen from a client of a real
// server process: each committed insert/update/delete runs its handler with the event (before and
// after, no SECRET field), a failing handler is retried, a rolled-back write runs nothing, and an
// event committed but not yet delivered when the process is killed with SIGKILL is delivered after
// the restart — each handler run exactly once per committed write.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import Database from "better-sqlite3";
import { build, delay, request, type RunningServer, startServer, tempApp, until } from "./e2e/harness.js";

const PROGRAM = `IMPORT { flaky } FROM "./util.js"

ENTITY Post {
  title: text
  token: text? SECRET
}

ENTITY Audit {
  post: int
  what: text
  payload: json?
}

VALIDATE NewPost {
  title: text
  fail: boolean?
}

ON INSERT Post WITH { attempts: 3, backoff: 100ms } {
  tries = flaky("insert:{event.id}")
  INSERT INTO Audit { post: event.id, what: "insert {event.after.title} after {tries} tries", payload: event }
}

ON UPDATE Post {
  INSERT INTO Audit { post: event.id, what: "update {event.before.title} -> {event.after.title}", payload: event }
}

ON DELETE Post {
  INSERT INTO Audit { post: event.id, what: "delete {event.before.title}" }
}

POST /posts VALIDATE NewPost {
  post = INSERT INTO Post { title: $body.title, token: "hush-{$body.title}" }
  IF $body.fail ?? false {
    ERROR 409 "refused after the insert"
  }
  RESPOND 201 post
}

PATCH /posts/:id {
  RESPOND UPDATE Post SET title = $body.title WHERE id = $id
}

DELETE /posts/:id {
  DELETE FROM Post WHERE id = $id
  RESPOND 204
}

GET /posts {
  RESPOND SELECT id FROM Post ORDER_BY id
}

GET /audits {
  RESPOND SELECT * FROM Audit ORDER_BY id
}
`;

// The first attempt of each key fails, so every insert handler is retried once.
const UTIL = `const tries = new Map();
export function flaky(key) {
  const n = (tries.get(key) ?? 0) + 1;
  tries.set(key, n);
  if (n === 1) throw new Error("the first attempt fails");
  return n;
}
`;

const FAST = { KOVA_TASKS_POLL_MS: "50", KOVA_TASKS_LEASE_GRACE_MS: "300" };

async function audits(server: RunningServer): Promise<Array<{ post: number; what: string; payload: any }>> {
  return (await request(`${server.url}/audits`)).body;
}

test("ON handlers: one run per committed write, with before/after and no SECRET; retried; nothing for a rollback", async (t) => {
  const dir = tempApp(t, { "app.kova": PROGRAM, "util.js": UTIL });
  await build(dir);
  const server = await startServer(t, dir, { env: FAST });
  const created = await request(`${server.url}/posts`, { method: "POST", json: { title: "Hello" } });
  assert.equal(created.status, 201);
  const id = created.body.id;
  assert.equal((await request(`${server.url}/posts`, { method: "POST", json: { title: "Ghost", fail: true } })).status, 409);
  assert.equal((await request(`${server.url}/posts/${id}`, { method: "PATCH", json: { title: "Hi" } })).status, 200);
  assert.equal((await request(`${server.url}/posts/${id}`, { method: "DELETE" })).status, 204);
  const done = await until(() => audits(server), (a) => a.length >= 3);
  await delay(500);
  const all = await audits(server);
  assert.deepEqual(all.map((a) => a.what).sort(), ["delete Hi", "insert Hello after 2 tries", "update Hello -> Hi"], JSON.stringify(done));
  const insert = all.find((a) => a.what.startsWith("insert"))!;
  assert.deepEqual({ ...insert.payload, at: undefined, version: undefined, seq: undefined }, { source: "default", entity: "Post", id, op: "insert", before: null, after: { id, title: "Hello" }, at: undefined, version: undefined, seq: undefined });
  const update = all.find((a) => a.what.startsWith("update"))!;
  assert.deepEqual([update.payload.before, update.payload.after], [{ id, title: "Hello" }, { id, title: "Hi" }]);
  assert.ok(!JSON.stringify(all).includes("hush"), "the SECRET field is in no event");
  assert.ok(!JSON.stringify(all).includes("Ghost"), "the rolled-back insert has no event");
});

/** Opens the killed process's store: how many events were committed but not yet delivered. */
function undeliveredInFile(dir: string): number {
  const db = new Database(join(dir, ".kova", "data.db"));
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM _kova_changes WHERE delivered_at IS NULL`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

test("kill -9 between commit and delivery: after the restart every committed insert's handler runs, exactly once", async (t) => {
  const dir = tempApp(t, { "app.kova": PROGRAM, "util.js": UTIL });
  await build(dir);
  let caught = 0;
  // Handlers' jobs are enqueued in batches every 300 ms (KOVA_CHANGES_BATCH_MS): a kill under a
  // stream of writes lands between commits and their delivery. Tried a few times, required once.
  for (let round = 0; round < 4 && caught === 0; round++) {
    const server = await startServer(t, dir, { env: { ...FAST, KOVA_CHANGES_BATCH_MS: "300" } });
    let stop = false;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        await request(`${server.url}/posts`, { method: "POST", json: { title: `r${round}w${w}i${i}` } }).catch(() => undefined);
      }
    });
    await delay(300 + round * 97);
    server.signal("SIGKILL");
    stop = true;
    await server.exited;
    await Promise.all(writers);
    caught = undeliveredInFile(dir);
  }
  assert.ok(caught > 0, "a kill landed between a commit and its delivery");
  const server = await startServer(t, dir, { env: FAST });
  const posts: number[] = (await request(`${server.url}/posts`)).body.map((p: { id: number }) => p.id);
  const inserted = await until(
    async () => (await audits(server)).filter((a) => a.what.startsWith("insert")).map((a) => a.post),
    (a) => a.length >= posts.length,
    30_000,
  );
  await delay(500);
  const final = (await audits(server)).filter((a) => a.what.startsWith("insert")).map((a) => a.post).sort((a, b) => a - b);
  assert.deepEqual(final, posts, `every committed post audited exactly once (${inserted.length} of ${posts.length}; ${caught} undelivered at the kill)`);
  await server.stop(5_000);
  assert.equal(undeliveredInFile(dir), 0, "every event delivered and marked so");
});
