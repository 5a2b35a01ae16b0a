/** The GCRA arithmetic and the bounded in-memory store, on a clock the test controls. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryRateStore } from "../src/index.js";

test("GCRA: a burst of `limit`, then one request per window/limit as it refills", () => {
  let now = 1_000_000;
  const store = new MemoryRateStore(1000, () => now);
  const take = () => store.take("k", 4, 60_000);
  assert.deepEqual([take(), take(), take(), take()].map((d) => [d.allowed, d.remaining]), [[true, 3], [true, 2], [true, 1], [true, 0]]);
  const refused = take();
  assert.equal(refused.allowed, false);
  assert.equal(refused.retryAfterSeconds, 15, "one request refills every 15 s");
  assert.equal(refused.resetSeconds, 60);
  now += 14_999;
  assert.equal(take().allowed, false);
  now += 1;
  const again = take();
  assert.deepEqual([again.allowed, again.remaining], [true, 0]);
  now += 60_000;
  assert.equal(take().remaining, 3, "a whole window later the budget is whole again");
});

test("memory stays bounded: refilled keys go first, then the least recently used", () => {
  let now = 0;
  const store = new MemoryRateStore(100, () => now);
  for (let i = 0; i < 100; i++) store.take(`old${i}`, 10, 1000);
  now += 5_000; // every old key has refilled: as good as absent
  store.take("new", 10, 1000);
  assert.equal(store.size, 1, "refilled keys were swept");
  for (let i = 0; i < 1000; i++) store.take(`flood${i}`, 10, 60_000);
  assert.ok(store.size <= 100, `at most maxKeys entries (${store.size})`);
  // A key in active use survives a flood of new keys when it keeps being used.
  const busy = new MemoryRateStore(50, () => now);
  for (let i = 0; i < 500; i++) {
    busy.take("busy", 1000, 60_000);
    busy.take(`one-off${i}`, 10, 60_000);
  }
  assert.equal(busy.take("busy", 1000, 60_000).remaining, 1000 - 501);
});
