import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createEmbeddedDriver } from "../src/index.js";
import { tempDir } from "./helpers.js";

const SHARE_HINT = /another process has it open; use locking: "shared"/;

// The hint about another process is for a store held by another process, told by SQLite's error
// code; it used to be chosen by the message, which quotes the path (a folder named "locked" got it).
test("a store that cannot be created is not blamed on another process, whatever its path says", async () => {
  const dir = join(tempDir(), "locked");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, ".kova"), "a file where the store's folder should be");
  const driver = createEmbeddedDriver({ name: "db", appDir: dir, options: {} });
  try {
    await assert.rejects(driver.connect(), (error: Error) => {
      assert.match(error.message, /cannot open the embedded store of data source "db"/);
      assert.doesNotMatch(error.message, SHARE_HINT);
      return true;
    });
  } finally {
    await driver.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a store another connection holds exclusively says how to share it", async () => {
  const dir = tempDir();
  const first = createEmbeddedDriver({ name: "db", appDir: dir, options: {} });
  const second = createEmbeddedDriver({ name: "db", appDir: dir, options: {} });
  try {
    await first.connect();
    await first.migrate([]);
    await assert.rejects(second.connect(), SHARE_HINT);
  } finally {
    await second.close();
    await first.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
