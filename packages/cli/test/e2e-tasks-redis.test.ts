// End-to-end: the same TASK programs with Redis configured (`CONNECT cache USING redis(…)`), where
// the queue is BullMQ on the real Redis at 127.0.0.1:6379 and the embedded store is its outbox:
// jobs run, a key adds a job once, a rolled-back endpoint's job never reaches Redis, a job whose
// worker is killed with SIGKILL mid-way runs after the restart, and two processes (two hosts' worth:
// two app folders, one Redis) run each scheduled tick once between them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, delay, linkNodeModules, request, type RunningServer, startServer, tempApp, until } from "./e2e/harness.js";

const REDIS_URL = process.env.KOVA_TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";

const PROGRAM = `IMPORT { pause } FROM "./util.js"

CONNECT db USING embedded()
CONNECT cache USING redis(env("REDIS_URL"))

ENTITY Delivery USING db {
  n: int
  note: text
}

ENTITY Tick USING db {
  note: text
  at: datetime DEFAULT now()
}

VALIDATE Order {
  n: int
  fail: boolean?
  slow: boolean?
}

TASK deliver(n: int, slow: bool) WITH {
  attempts: 3
  backoff: 100ms
  timeout: 3s
} {
  IF slow {
    pause(1500)
  }
  INSERT INTO Delivery { n: n, note: "delivered" }
}

TASK heartbeat EVERY 1s {
  INSERT INTO Tick { note: "tick" }
}

POST /orders VALIDATE Order {
  ENQUEUE deliver($body.n, $body.slow ?? false) KEY "order:{$body.n}"
  INSERT INTO Delivery { n: $body.n, note: "ordered" }
  IF $body.fail ?? false {
    ERROR 409 "refused after the enqueue"
  }
  RESPOND 202 { queued: $body.n }
}

GET /deliveries {
  RESPOND SELECT * FROM Delivery WHERE note = "delivered" ORDER_BY n
}

GET /ticks {
  RESPOND SELECT * FROM Tick ORDER_BY id
}
`;

const UTIL = `export function pause(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
`;

const ENV = { REDIS_URL, KOVA_TASKS_POLL_MS: "50", KOVA_TASKS_LEASE_GRACE_MS: "500" };

async function delivered(server: RunningServer): Promise<number[]> {
  return (await request(`${server.url}/deliveries`)).body.map((d: { n: number }) => d.n);
}

test("Redis (BullMQ): the job runs; a key adds it once; a failed endpoint's job never reaches Redis", async (t) => {
  const dir = tempApp(t, { "app.kova": PROGRAM, "util.js": UTIL });
  await build(dir);
  const server = await startServer(t, dir, { env: ENV });
  assert.equal((await request(`${server.url}/orders`, { method: "POST", json: { n: 1 } })).status, 202);
  assert.equal((await request(`${server.url}/orders`, { method: "POST", json: { n: 1 } })).status, 202);
  assert.equal((await request(`${server.url}/orders`, { method: "POST", json: { n: 2, fail: true } })).status, 409);
  assert.equal((await request(`${server.url}/orders`, { method: "POST", json: { n: 3 } })).status, 202);
  await until(() => delivered(server), (d) => d.length >= 2);
  await delay(500);
  assert.deepEqual(await delivered(server), [1, 3]);
  assert.match(server.output, /task queue on Redis \(BullMQ\)/);
});

test("Redis (BullMQ): kill -9 in the middle of jobs; after the restart every job completes", async (t) => {
  const dir = tempApp(t, { "app.kova": PROGRAM, "util.js": UTIL });
  await build(dir);
  const first = await startServer(t, dir, { env: ENV });
  for (let n = 10; n < 14; n++) assert.equal((await request(`${first.url}/orders`, { method: "POST", json: { n, slow: true } })).status, 202);
  await delay(800);
  first.signal("SIGKILL");
  await first.exited;
  const second = await startServer(t, dir, { env: ENV });
  // The killed job's lock (3 s timeout + 0.5 s) expires, BullMQ's stalled check gives it back.
  const done = await until(() => delivered(second), (d) => new Set(d).size >= 4, 30_000);
  assert.deepEqual([...new Set(done)], [10, 11, 12, 13], `every job delivered (got ${JSON.stringify(done)})`);
  // At least once: a job killed after its write committed may run again, never more than `attempts` times.
  for (const n of [10, 11, 12, 13]) assert.ok(done.filter((x) => x === n).length <= 3);
});

test("Redis (BullMQ): EVERY 1s across two processes with their own stores: one run per tick in all", async (t) => {
  // Two "hosts": two folders with the same app name, one Redis.
  const roots = [mkdtempSync(join(tmpdir(), "kova-e2e-redis-")), mkdtempSync(join(tmpdir(), "kova-e2e-redis-"))];
  const name = `ticks-${process.pid}-${Date.now()}`;
  const dirs = roots.map((root) => {
    const dir = join(root, name);
    mkdirSync(dir);
    writeFileSync(join(dir, "app.kova"), PROGRAM);
    writeFileSync(join(dir, "util.js"), UTIL);
    linkNodeModules(dir);
    return dir;
  });
  t.after(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });
  for (const dir of dirs) await build(dir);
  // Ticks count from the first process's start (it ticks while the second one starts).
  const started = Date.now();
  const servers = [await startServer(t, dirs[0], { env: ENV }), await startServer(t, dirs[1], { env: ENV })];
  await delay(4_500);
  const ticks = await Promise.all(servers.map(async (s) => (await request(`${s.url}/ticks`)).body as { at: string }[]));
  const seconds = (Date.now() - started) / 1000;
  const times = ticks.flat().map((tick) => Date.parse(tick.at)).sort((a, b) => a - b);
  const counts = `${times.length} ticks (${ticks[0].length} + ${ticks[1].length}) in ${seconds.toFixed(1)} s`;
  // Ticking happened, and never more than once per tick: two processes both running every tick
  // would record about twice as many rows as seconds passed. (Start-up under load delays the first
  // tick, so the count has no lower bound tied to the wall clock; a late run can land close to the
  // next one, so the rows' spacing proves nothing.)
  assert.ok(times.length >= 3 && times.length <= Math.ceil(seconds) + 1, counts);
});
