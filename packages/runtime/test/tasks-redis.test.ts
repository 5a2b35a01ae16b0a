// The task runtime with Redis configured: BullMQ on the real Redis at 127.0.0.1:6379, the embedded
// store as its outbox — retries with backoff then a dead letter with its error, idempotency keys.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { driverPackage } from "@kova/driver-embedded";
import { pino } from "pino";
import { DataSources } from "../src/data-sources.js";
import { bullPriority, redisConnection } from "../src/tasks/bullmq-backend.js";
import { TaskRuntime, type TaskDefinition } from "../src/index.js";

const REDIS_URL = process.env.KOVA_TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runtimeWith(t: { after: (fn: () => Promise<void>) => void }, tasks: TaskDefinition[]) {
  const dir = mkdtempSync(join(tmpdir(), "kova-tasks-redis-"));
  const driver = driverPackage.createDriver({ name: "default", appDir: dir, options: { path: join(dir, "data.db") } });
  await driver.connect();
  const dataSources = new DataSources(new Map([["default", driver]]));
  const app = { name: `redis-test-${randomUUID().slice(0, 8)}`, routes: [], env: [], tasks, dataSources: [{ name: "default", driver: "embedded", options: () => ({}), entities: [] }, { name: "cache", driver: "redis", options: () => REDIS_URL, entities: [] }] };
  const runtime = await TaskRuntime.start(app, { dataSources, env: {}, log: pino({ level: "silent" }), appDir: dir, pollMs: 20, leaseGraceMs: 500 });
  t.after(async () => {
    for (const task of tasks) await runtime.bullQueue(task.name)?.obliterate({ force: true }).catch(() => undefined);
    await runtime.close();
    await driver.close();
  });
  return runtime;
}

async function until(check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await wait(20);
  }
}

test("connection options from a Redis URL; Kova priorities map onto BullMQ's (1 is first)", () => {
  assert.deepEqual(redisConnection("redis://user:p%40ss@cache.internal:6380/2"), { host: "cache.internal", port: 6380, password: "p@ss", username: "user", db: 2, maxRetriesPerRequest: null });
  assert.deepEqual(redisConnection({ host: "h" }), { host: "h", port: 6379, password: undefined, username: undefined, db: 0, maxRetriesPerRequest: null });
  assert.ok(bullPriority(1000) < bullPriority(0) && bullPriority(0) < bullPriority(-1000));
  assert.equal(bullPriority(1000), 1);
});

test("Redis: a failing task is retried with backoff, then kept in the dead-letter (failed) set with its error", async (t) => {
  const runs: number[] = [];
  const runtime = await runtimeWith(t, [
    { name: "flaky", params: [], trigger: { kind: "queue" }, attempts: 3, backoffMs: 200, timeoutMs: 2000, concurrency: 1, priority: 0, handler: async () => {
      runs.push(Date.now());
      throw new Error("smtp refused");
    } },
  ]);
  await runtime.enqueue("flaky", []);
  const queue = runtime.bullQueue("flaky")!;
  await until(async () => (await queue.getFailedCount()) === 1);
  const [dead] = await queue.getFailed();
  assert.equal(dead.failedReason, "smtp refused");
  assert.equal(dead.attemptsMade, 3);
  assert.equal(runs.length, 3);
  assert.ok(runs[1] - runs[0] >= 100 && runs[2] - runs[1] >= 200, `backoff: ${runs[1] - runs[0]} ms, ${runs[2] - runs[1]} ms`);
  // Retrying a dead letter runs it again.
  await dead.retry();
  await until(() => runs.length === 4);
});

test("Redis: an idempotency key adds one job, across enqueues", async (t) => {
  let count = 0;
  const runtime = await runtimeWith(t, [{ name: "welcome", params: ["n"], trigger: { kind: "queue" }, attempts: 3, backoffMs: 100, timeoutMs: 2000, concurrency: 2, priority: 0, handler: async () => void count++ }]);
  await runtime.enqueue("welcome", [1], { key: "welcome:1" });
  await wait(200);
  await runtime.enqueue("welcome", [1], { key: "welcome:1" });
  await runtime.enqueue("welcome", [2], { key: "welcome:2" });
  await until(() => count === 2);
  await wait(300);
  assert.equal(count, 2);
  assert.equal(await runtime.bullQueue("welcome")!.getCompletedCount(), 2);
});
