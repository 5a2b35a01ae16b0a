import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { knownDrivers, loadDriverPackage } from "@kova/query";
import { createMongoDriver, driverPackage, resolveOptions } from "../src/index.js";
import { insertPlan, compile } from "./helpers.js";

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test("connect() to a closed port fails within the retry budget, naming data source and address, never the password", async () => {
  const port = await closedPort();
  const driver = createMongoDriver({ name: "docs", appDir: ".", options: `mongodb://kova:s3cret@127.0.0.1:${port}/app` });
  const started = Date.now();
  await assert.rejects(driver.connect(), (error: Error) => {
    assert.match(error.message, new RegExp(`^cannot connect data source "docs" to MongoDB at 127\\.0\\.0\\.1:${port} \\(5 tries\\): `));
    assert.doesNotMatch(error.message, /s3cret/);
    return true;
  });
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 1000 && elapsed < 10_000, `5 tries with backoff, about 5 s; took ${elapsed} ms`);
  await assert.rejects(driver.execute(compile(insertPlan("Note")), [{ text: "x" }]), { name: "QueryError", status: 503, message: /data source 'docs' is unavailable/ });
  assert.equal((await driver.health()).ok, false);
  await driver.close();
  await driver.close();
});

test("options: URL or object; defaults; the database name from the URL path", () => {
  const fromUrl = resolveOptions({ name: "d", appDir: ".", options: "mongodb://u:p@db1:27017,db2:27018/shop?replicaSet=rs0" });
  assert.deepEqual([fromUrl.address, fromUrl.database, fromUrl.connectRetries, fromUrl.maxPoolSize], ["db1:27017,db2:27018", "shop", 5, 10]);
  const fromObject = resolveOptions({ name: "d", appDir: ".", options: { host: "h", port: 1, user: "a b", password: "p@ss", database: "x", pool: { max: 3 }, connectRetries: 2 } });
  assert.equal(fromObject.url, "mongodb://a%20b:p%40ss@h:1/x");
  assert.deepEqual([fromObject.address, fromObject.maxPoolSize, fromObject.connectRetries], ["h:1", 3, 2]);
  assert.equal(resolveOptions({ name: "d", appDir: ".", options: undefined }).url, "mongodb://127.0.0.1:27017/");
  assert.throws(() => resolveOptions({ name: "d", appDir: ".", options: "postgres://u:secret@h/db" }), (e: Error) => /data source "d"/.test(e.message) && !/secret/.test(e.message));
});

test("the package provides the driver and exports its dialect", async () => {
  assert.ok(knownDrivers().includes("mongodb"));
  assert.equal(await loadDriverPackage("mongodb"), driverPackage);
  assert.equal(driverPackage.createDriver, createMongoDriver);
  assert.equal(driverPackage.dialect.name, "mongodb");
});
