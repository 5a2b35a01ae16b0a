// The task runtime on a real embedded store (better-sqlite3 files): retries with backoff, dead
// letters, idempotency keys, priorities, per-task concurrency, lease expiry after a crash, and one
// claim per scheduled tick across two connections to one file (as two processes have).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { driverPackage } from "@kova/driver-embedded";
import { pino } from "pino";
import { DataSources } from "../src/data-sources.js";
import { backoffDelay, SqliteJobStore, TaskRuntime, type TaskDefinition } from "../src/index.js";

const log = pino({ level: "silent" });

async function store(t: { after: (fn: () => void) => void }, path?: string) {
  const dir = path ?? mkdtempSync(join(tmpdir(), "kova-tasks-"));
  const driver = driverPackage.createDriver({ name: "default", appDir: dir, options: { path: join(dir, "data.db"), locking: "shared" } });
  await driver.connect();
  t.after(() => {
    void driver.close();
  });
  return { dir, driver };
}

function task(name: string, handler: TaskDefinition["handler"], settings: Partial<TaskDefinition> = {}): TaskDefinition {
  return { name, params: [], trigger: { kind: "queue" }, attempts: 3, backoffMs: 50, timeoutMs: 2000, concurrency: 1, priority: 0, handler, ...settings };
}

async function runtimeWith(t: { after: (fn: () => Promise<void> | void) => void }, tasks: TaskDefinition[]) {
  const { dir, driver } = await store(t);
  const dataSources = new DataSources(new Map([["default", driver]]));
  const runtime = await TaskRuntime.start({ name: "t", routes: [], dataSources: [], env: [], tasks }, { dataSources, env: {}, log, appDir: dir, pollMs: 20, leaseGraceMs: 100 });
  t.after(() => runtime.close());
  return runtime;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await wait(10);
  }
}

test("backoff: exponential from the base, capped at an hour, jittered within its upper half", () => {
  assert.equal(backoffDelay(1000, 1, () => 0), 500);
  assert.equal(backoffDelay(1000, 1, () => 1), 1000);
  assert.equal(backoffDelay(1000, 4, () => 1), 8000);
  assert.equal(backoffDelay(1000, 40, () => 1), 3_600_000);
  const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(1000, 3)));
  assert.ok(spread.size > 10, "jitter spreads retries");
  for (const d of spread) assert.ok(d >= 2000 && d <= 4000);
});

test("a failing task is retried with growing delays, then dead-lettered with its error", async (t) => {
  const runs: number[] = [];
  const runtime = await runtimeWith(t, [
    task("flaky", async () => {
      runs.push(Date.now());
      throw new Error("smtp refused");
    }, { attempts: 3, backoffMs: 200 }),
  ]);
  const id = (await runtime.enqueue("flaky", []))!;
  await until(async () => (await runtime.store.get(id))?.state === "dead");
  const job = (await runtime.store.get(id))!;
  assert.equal(job.attempts, 3);
  assert.equal(job.lastError, "smtp refused");
  assert.equal(runs.length, 3, "never more than `attempts` runs");
  // Backoff 200 ms then 400 ms, each at least half that with jitter.
  assert.ok(runs[1] - runs[0] >= 100, `first retry after ${runs[1] - runs[0]} ms`);
  assert.ok(runs[2] - runs[1] >= 200, `second retry after ${runs[2] - runs[1]} ms`);
  await wait(300);
  assert.equal(runs.length, 3, "a dead job is not retried");
  // Operators retry a dead letter: it runs again.
  assert.equal(await runtime.store.retryDead(id), true);
  await until(() => runs.length === 4);
  assert.deepEqual((await runtime.store.counts()).map((c) => c.task), ["flaky"]);
});

test("idempotency keys: a second ENQUEUE with the key of a kept job adds nothing", async (t) => {
  let count = 0;
  const runtime = await runtimeWith(t, [task("welcome", async () => void count++)]);
  const first = await runtime.enqueue("welcome", [1], { key: "welcome:1" });
  assert.notEqual(first, null);
  assert.equal(await runtime.enqueue("welcome", [1], { key: "welcome:1" }), null);
  await until(async () => (await runtime.store.get(first!))?.state === "done");
  assert.equal(await runtime.enqueue("welcome", [1], { key: "welcome:1" }), null, "the key is kept with the finished job");
  assert.notEqual(await runtime.enqueue("welcome", [2], { key: "welcome:2" }), null);
  await until(() => count === 2);
});

test("priorities order due jobs; concurrency bounds the jobs running at once; DELAY holds a job back", async (t) => {
  const order: number[] = [];
  let running = 0;
  let most = 0;
  const gate = { open: false };
  const runtime = await runtimeWith(t, [
    task("ordered", async (_ctx, n) => {
      await until(() => gate.open);
      order.push(n as number);
    }),
    task("parallel", async () => {
      running++;
      most = Math.max(most, running);
      await wait(60);
      running--;
    }, { concurrency: 3 }),
  ]);
  // The first job is claimed at once and waits at the gate; the others are due behind it.
  await runtime.enqueue("ordered", [0]);
  await wait(50);
  await runtime.enqueue("ordered", [1], { priority: 1 });
  await runtime.enqueue("ordered", [2], { priority: 9 });
  await runtime.enqueue("ordered", [3], { priority: 5 });
  const later = (await runtime.enqueue("ordered", [4], { priority: 100, delayMs: 400 }))!;
  gate.open = true;
  await until(() => order.length === 4);
  assert.deepEqual(order, [0, 2, 3, 1], "higher priority first; the delayed job waits");
  assert.equal((await runtime.store.get(later))!.state, "queued");
  await until(() => order.length === 5);
  for (let i = 0; i < 9; i++) await runtime.enqueue("parallel", []);
  await until(async () => (await runtime.store.counts()).find((c) => c.task === "parallel")?.done === 9);
  assert.equal(most, 3);
});

test("a job whose process died is claimed again when its lease expires; a timeout fails the attempt", async (t) => {
  const { driver } = await store(t);
  const crashed = new SqliteJobStore(driver, "dead-process");
  await crashed.migrate();
  const id = (await crashed.enqueue("job", [], 3, 0))!;
  const claimed = await crashed.claim("job", 100);
  assert.equal(claimed?.id, id);
  const other = new SqliteJobStore(driver, "live-process");
  assert.equal(await other.claim("job", 100), null, "leased: nobody else takes it");
  await wait(150);
  const again = await other.claim("job", 100);
  assert.equal(again?.id, id);
  assert.equal(again?.attempts, 2, "the crashed run counted as an attempt");
  // The crashed process cannot complete a job another process holds.
  await crashed.complete(id);
  assert.equal((await other.get(id))!.state, "running");

  let calls = 0;
  const runtime = await runtimeWith(t, [task("slow", async () => {
    calls++;
    await wait(500);
  }, { timeoutMs: 100, attempts: 2, backoffMs: 20 })]);
  const slow = (await runtime.enqueue("slow", []))!;
  await until(async () => (await runtime.store.get(slow))?.state === "dead");
  assert.match((await runtime.store.get(slow))!.lastError!, /timed out after 100 ms/);
  assert.equal(calls, 2);
});

test("a scheduled tick is claimed by exactly one of two connections to one file; an old tick never runs", async (t) => {
  const first = await store(t);
  const second = await store(t, first.dir);
  const a = new SqliteJobStore(first.driver, "a");
  const b = new SqliteJobStore(second.driver, "b");
  await a.migrate();
  await b.migrate();
  assert.equal(await a.claimTickJob("sweep", 1000, 3, 0), null, "the first tick seen starts the schedule");
  let claimed = 0;
  for (let tick = 2000; tick <= 11_000; tick += 1000) {
    const results = await Promise.all([a.claimTickJob("sweep", tick, 3, 0), b.claimTickJob("sweep", tick, 3, 0)]);
    assert.equal(results.filter((r) => r !== null).length, 1, `tick ${tick}: one claim`);
    claimed++;
  }
  assert.equal(await b.claimTickJob("sweep", 5000, 3, 0), null, "a tick older than the last claimed never runs");
  const jobs = await a.list({ task: "sweep" });
  assert.equal(jobs.length, claimed);
});
