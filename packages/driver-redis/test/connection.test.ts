import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { Redis } from "ioredis";
import { createRedisDriver } from "../src/index.js";
import { byId, insertPlan, openStore, REDIS_URL, select, sleep } from "./helpers.js";

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test("connect() to an unreachable address fails within the retry budget, naming data source and address", async () => {
  const port = await closedPort();
  const driver = createRedisDriver({ name: "cache", appDir: ".", options: `redis://kova:s3cret@127.0.0.1:${port}` });
  const started = Date.now();
  await assert.rejects(driver.connect(), (error: Error) => {
    assert.match(error.message, new RegExp(`data source "cache" to Redis at 127\\.0\\.0\\.1:${port} \\(5 tries\\)`));
    assert.doesNotMatch(error.message, /s3cret/);
    return true;
  });
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 500 && elapsed < 8000, `retried with backoff for ~1-5 s, took ${elapsed} ms`);
  await assert.rejects(driver.execute({ dialect: "redis", plan: select("Note") } as never, []), { status: 503 });
  await driver.close();
});

test("a killed connection gives 503, then the driver recovers by itself", async (t) => {
  // A data source name of its own: only this driver's connection is killed, not those of tests
  // running at the same time in other processes.
  const name = `kill-${process.pid}`;
  const s = await openStore(t, name);
  if (!s) return;
  const admin = new Redis(REDIS_URL, { lazyConnect: true });
  try {
    await admin.connect();
    const { id } = await s.run(insertPlan("Note"), { text: "survives" });
    const list = String(await admin.call("CLIENT", "LIST", "TYPE", "normal"));
    const ids = list.split("\n").filter((line) => line.includes(` name=kova:${name} `)).map((line) => /^id=(\d+)/.exec(line)![1]);
    assert.equal(ids.length, 1, "the driver holds one connection");
    assert.equal(await admin.call("CLIENT", "KILL", "ID", ids[0]), 1);
    await assert.rejects(s.run(select("Note", { where: byId(), single: true }), id), (error: any) => {
      assert.equal(error.name, "QueryError");
      assert.equal(error.status, 503);
      assert.match(error.message, new RegExp(`^data source '${name}' is unavailable: Redis at `));
      return true;
    });
    let row: any;
    const deadline = Date.now() + 5000;
    while (row === undefined && Date.now() < deadline) {
      try {
        row = await s.run(select("Note", { where: byId(), single: true }), id);
      } catch (error: any) {
        assert.equal(error.status, 503, "while reconnecting every failure is a 503");
        await sleep(50);
      }
    }
    assert.deepEqual(row, { id, text: "survives", big: null });
    assert.deepEqual(await s.driver.health(), { ok: true, detail: `redis ${s.driver.options.address}/0` });
  } finally {
    await admin.quit();
    await s.cleanup();
  }
});

test("TRANSACTION blocks are refused with a clear message", async (t) => {
  const s = await openStore(t);
  if (!s) return;
  try {
    await assert.rejects(s.driver.transaction(async () => 1), /Redis cannot run a TRANSACTION block/);
  } finally {
    await s.cleanup();
  }
});
