// End-to-end: TASK and ENQUEUE on the embedded store, seen from a client of a real server process:
// an enqueued job runs, a job enqueued by an endpoint that failed never exists, a job running when
// its process is killed with SIGKILL runs after the restart (each job's effect exactly once, since its
// writes commit with its completion), and a scheduled task's ticks run once each across two processes.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { build, delay, kovaSync, request, type RunningServer, spawnNode, startServer, tempApp, until } from "./e2e/harness.js";

const PROGRAM = `IMPORT { pause } FROM "./util.js"

ENTITY Delivery {
  n: int
  note: text
}

ENTITY Tick {
  note: text
}

VALIDATE Order {
  n: int
  fail: boolean?
  slow: boolean?
}

TASK deliver(n: int, slow: bool) WITH { attempts: 3, backoff: 100ms, timeout: 4s } {
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

const FAST = { KOVA_TASKS_POLL_MS: "50", KOVA_TASKS_LEASE_GRACE_MS: "300" };

async function delivered(server: RunningServer): Promise<number[]> {
  const reply = await request(`${server.url}/deliveries`);
  return reply.body.map((d: { n: number }) => d.n);
}

test("ENQUEUE: the job runs; an idempotency key adds it once; a failed endpoint leaves no job", async (t) => {
  const dir = tempApp(t, { "app.kova": PROGRAM, "util.js": UTIL });
  await build(dir);
  const server = await startServer(t, dir, { env: FAST });
  assert.equal((await request(`${server.url}/orders`, { method: "POST", json: { n: 1 } })).status, 202);
  // The same key again: the endpoint succeeds, and no second job is added.
  assert.equal((await request(`${server.url}/orders`, { method: "POST", json: { n: 1 } })).status, 202);
  const refused = await request(`${server.url}/orders`, { method: "POST", json: { n: 2, fail: true } });
  assert.equal(refused.status, 409);
  assert.equal((await request(`${server.url}/orders`, { method: "POST", json: { n: 3 } })).status, 202);
  const done = await until(() => delivered(server), (d) => d.length >= 2);
  await delay(500);
  assert.deepEqual(await delivered(server), [1, 3], "job 1 once (same key), no job for the rolled-back order 2, job 3");
  assert.deepEqual(done, [1, 3]);
});

test("kill -9 in the middle of jobs: after the restart every job completes, each exactly once", async (t) => {
  const dir = tempApp(t, { "app.kova": PROGRAM, "util.js": UTIL });
  await build(dir);
  const first = await startServer(t, dir, { env: FAST });
  for (let n = 10; n < 15; n++) {
    assert.equal((await request(`${first.url}/orders`, { method: "POST", json: { n, slow: true } })).status, 202);
  }
  // The first job is mid-way through its 1.5 s pause: kill the process.
  await delay(700);
  first.signal("SIGKILL");
  await first.exited;
  const second = await startServer(t, dir, { env: FAST });
  // Concurrency 1, 1.5 s each, plus the killed job's lease (4 s timeout + 0.3 s) before it is claimed again.
  const done = await until(() => delivered(second), (d) => d.length >= 5, 25_000);
  await delay(300);
  assert.deepEqual(await delivered(second), [10, 11, 12, 13, 14], `every job delivered once (got ${JSON.stringify(done)})`);
});

test("SIGTERM: a running job finishes before the process exits; the health route counts jobs", async (t) => {
  const dir = tempApp(t, { "app.kova": PROGRAM, "util.js": UTIL });
  await build(dir);
  const server = await startServer(t, dir, { env: FAST });
  assert.equal((await request(`${server.url}/orders`, { method: "POST", json: { n: 7, slow: true } })).status, 202);
  // (No request now: the job's transaction holds the store's write lock, and health reads the store.)
  await delay(400);
  const stopping = Date.now();
  assert.deepEqual(await server.stop(10_000), { code: 0, signal: null });
  assert.ok(Date.now() - stopping >= 800, "the process waited for the job");
  const again = await startServer(t, dir, { env: FAST });
  assert.deepEqual(await delivered(again), [7], "the job finished before the exit, so it is not run twice");
  await delay(400);
  assert.deepEqual(await delivered(again), [7]);
  // The counters of this process (the heartbeat's ticks count too).
  const before = (await request(`${again.url}/_kova/health`)).body.tasks;
  assert.deepEqual(Object.keys(before), ["started", "succeeded", "failed", "retried", "deadLettered", "running"]);
  assert.equal((await request(`${again.url}/orders`, { method: "POST", json: { n: 8 } })).status, 202);
  await until(() => delivered(again), (d) => d.length === 2);
  await delay(100);
  const after = (await request(`${again.url}/_kova/health`)).body.tasks;
  assert.ok(after.succeeded >= before.succeeded + 1 && after.failed === 0, JSON.stringify({ before, after }));
});

test("EVERY 1s across two processes sharing the store: one run per tick", async (t) => {
  const dir = tempApp(t, { "app.kova": PROGRAM, "util.js": UTIL });
  await build(dir);
  // kova run --workers 2: two processes on one port and one store file.
  const server = await startServer(t, dir, { env: { ...FAST, KOVA_WORKERS: "2" } });
  // Counted over a window that starts once both processes serve (start-up time under load varies):
  // one run per second — never two for one tick, which is what two racing processes would give.
  await delay(1_200);
  const before = (await request(`${server.url}/ticks`)).body.length;
  const from = Date.now();
  await delay(5_000);
  const ticks = (await request(`${server.url}/ticks`)).body.length - before;
  const seconds = (Date.now() - from) / 1000;
  assert.ok(ticks >= 2 && ticks <= Math.ceil(seconds) + 1, `${ticks} ticks in ${seconds.toFixed(1)} s`);
});

const HOOKS = `VALIDATE Hook {
  url: string
  n: int
}

TASK hook(url: text, n: int) WITH {
  attempts: 4
  backoff: 100ms
} {
  reply = fetch_json(url, { method: "POST", body: { n: n }, timeout: 2s })
  IF NOT reply.ok {
    ERROR 502 "the webhook answered {reply.status}"
  }
}

POST /hooks VALIDATE Hook {
  ENQUEUE hook($body.url, $body.n)
  RESPOND 202
}

GET /proxy {
  reply = fetch_json($query.url, { timeout: 1s, retries: 0 })
  RESPOND { status: reply.status, body: reply.body }
}
`;

test("fetch_json from a task (a webhook retried until it answers 2xx) and from an endpoint", async (t) => {
  const received: number[] = [];
  let calls = 0;
  const remote = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      calls++;
      if (req.method === "POST") received.push(JSON.parse(body).n);
      res.writeHead(req.method === "POST" && calls < 3 ? 500 : 200, { "content-type": "application/json" });
      res.end(JSON.stringify({ calls }));
    });
  });
  await new Promise<void>((resolve) => remote.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => remote.close(() => resolve())));
  const remoteUrl = `http://127.0.0.1:${(remote.address() as AddressInfo).port}`;
  const dir = tempApp(t, { "app.kova": HOOKS });
  await build(dir);
  const server = await startServer(t, dir, { env: FAST });
  assert.equal((await request(`${server.url}/hooks`, { method: "POST", json: { url: `${remoteUrl}/hook`, n: 42 } })).status, 202);
  await until(async () => calls, (c) => c >= 3, 10_000);
  await delay(300);
  assert.deepEqual(received, [42, 42, 42], "two failed attempts (500), then the one that succeeded; no more");
  const proxied = await request(`${server.url}/proxy?url=${encodeURIComponent(`${remoteUrl}/x`)}`);
  assert.equal(proxied.status, 200);
  assert.deepEqual(proxied.body, { status: 200, body: { calls: 4 } });
  // Nothing listens there: the endpoint answers a 502 problem, not a crash.
  const down = await request(`${server.url}/proxy?url=${encodeURIComponent("http://127.0.0.1:9/")}`);
  assert.equal(down.status, 502);
});

const ROLES = `ENTITY Done {
  n: int
}

VALIDATE Job {
  n: int
}

TASK record(n: int) WITH {
  attempts: 2
  backoff: 100ms
} {
  IF n < 0 {
    ERROR 500 "negative: {n}"
  }
  INSERT INTO Done { n: n }
}

POST /jobs VALIDATE Job {
  ENQUEUE record($body.n)
  RESPOND 202
}

GET /done {
  RESPOND SELECT * FROM Done ORDER_BY n
}
`;

test("roles: a web process only enqueues, a worker (no port) runs the jobs; kova tasks lists, shows, retries and drops dead letters", async (t) => {
  const dir = tempApp(t, { "app.kova": ROLES });
  await build(dir);
  const web = await startServer(t, dir, { env: { ...FAST, KOVA_ROLE: "web" } });
  for (const n of [1, 2, -3, -4]) assert.equal((await request(`${web.url}/jobs`, { method: "POST", json: { n } })).status, 202);
  await delay(400);
  assert.deepEqual((await request(`${web.url}/done`)).body, [], "a web process runs no jobs");
  assert.equal((await web.stop()).code, 0);

  const queued = kovaSync(["tasks", "--app", dir, "--json"]);
  assert.equal(queued.status, 0, queued.stderr);
  assert.deepEqual(JSON.parse(queued.stdout), [{ task: "record", queued: 4, running: 0, done: 0, dead: 0 }]);

  const worker = spawnNode(t, [join(dir, "dist", "server.js")], { env: { ...FAST, KOVA_ROLE: "worker", KOVA_APP_DIR: dir } });
  await worker.waitForOutput(/worker running tasks/);
  await worker.waitForOutput(/"jobId":3[^\n]*dead-lettered/, 10_000);
  await worker.waitForOutput(/"jobId":4[^\n]*dead-lettered/, 10_000);
  assert.doesNotMatch(worker.output, /listening on/);
  assert.match(worker.output, /"jobId":3,"task":"record","attempt":2/, "JSON logs carry the job id, the task and the attempt");
  assert.equal((await worker.stop()).code, 0);

  const list = kovaSync(["tasks", "--app", dir]);
  assert.match(list.stdout, /^task\s+queued\s+running\s+done\s+dead\nrecord\s+0\s+0\s+2\s+2\n$/);
  const dead = kovaSync(["tasks", "dead", "--app", dir, "--json"]);
  const letters = JSON.parse(dead.stdout);
  assert.deepEqual(letters.map((j: { id: number; attempts: number; lastError: string }) => [j.id, j.attempts, j.lastError]), [[4, 2, "negative: -4"], [3, 2, "negative: -3"]]);
  const shown = kovaSync(["tasks", "show", "3", "--app", dir]);
  assert.match(shown.stdout, /args\s+\[-3\]/);
  assert.match(kovaSync(["tasks", "retry", "3", "--app", dir]).stdout, /job 3 queued again/);
  assert.match(kovaSync(["tasks", "drop", "4", "--app", dir]).stdout, /job 4 dropped/);
  const notDead = kovaSync(["tasks", "drop", "1", "--app", dir]);
  assert.equal(notDead.status, 1);
  assert.match(notDead.stderr, /job 1 is done, not dead/);
  assert.equal(kovaSync(["tasks", "show", "99", "--app", dir]).status, 1);
  assert.equal(kovaSync(["tasks", "frobnicate", "--app", dir]).status, 2);
  assert.deepEqual(JSON.parse(kovaSync(["tasks", "--app", dir, "--json"]).stdout), [{ task: "record", queued: 1, running: 0, done: 2, dead: 0 }]);
});
