/**
 * The fan-out's barrier (redis-pubsub.ts): once it resolves, every message another connection
 * published before the call has reached this process's listeners. The cache stage waits for it
 * before answering from a cache, so a read that follows another process's committed write is never
 * answered from an entry whose eviction is still on its way (e2e-cache's two-process test).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { RedisPubSub } from "../src/redis-pubsub.js";

const REDIS_URL = process.env.KOVA_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

async function reachable(t: import("node:test").TestContext): Promise<boolean> {
  const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await probe.connect();
    return true;
  } catch (error) {
    const message = `Redis is not reachable at ${REDIS_URL} (${(error as Error).message})`;
    if (process.env.CI === "true") throw new Error(`${message}; CI=true requires it`);
    t.skip(`SKIPPED: ${message}`);
    return false;
  } finally {
    probe.disconnect();
  }
}

test("barrier: what another process published before it is heard when it resolves, and concurrent callers share PINGs", async (t) => {
  if (!(await reachable(t))) return;
  const url = new URL(REDIS_URL);
  const pubsub = await RedisPubSub.acquire({ host: url.hostname, port: Number(url.port || 6379) }, `barrier-${randomUUID()}`);
  const other = new Redis(REDIS_URL);
  t.after(async () => {
    other.disconnect();
    await pubsub.release();
  });
  const channel = `kova-test-barrier-${randomUUID()}`;
  const heard: number[] = [];
  pubsub.subscribe(channel, (text) => heard.push(Number(text)));
  while (!pubsub.up) await new Promise((resolve) => setTimeout(resolve, 10));
  // The subscription itself is confirmed before the first publish counts.
  await other.publish(channel, "0");
  await pubsub.barrier();
  heard.length = 0;
  for (let i = 1; i <= 300; i++) {
    await other.publish(channel, String(i));
    await pubsub.barrier();
    assert.equal(heard.at(-1), i, `message ${i} heard before the barrier resolved`);
  }
  // Many callers at once: all resolve, after what was published before them.
  await other.publish(channel, "301");
  await Promise.all(Array.from({ length: 50 }, () => pubsub.barrier()));
  assert.equal(heard.at(-1), 301);
});
