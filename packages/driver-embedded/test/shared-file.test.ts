import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { insertPlan, updatePlan } from "@kova/query/testing";
import { createEmbeddedDriver } from "../src/index.js";
import { compile, history, Note, eq, f, arg, tempDir } from "./helpers.js";

// `kova run --workers 2`: two processes write one file. A process whose clock is behind (or that
// stamped earlier but committed later) must not record an instant before the entity's last one.
test("in a shared file, a write's instant is never before the entity's last recorded instant", async () => {
  const dir = tempDir();
  const open = async () => {
    const driver = createEmbeddedDriver({ name: "db", appDir: dir, options: { locking: "shared" } });
    await driver.connect();
    await driver.migrate([Note]);
    return driver;
  };
  const first = await open();
  const second = await open();
  const realNow = Date.now;
  try {
    const base = realNow();
    Date.now = () => base;
    const row = (await second.execute(compile(insertPlan("Note")), [{ text: "a" }])) as { id: number };
    Date.now = () => base + 5_000;
    await first.execute(compile(updatePlan("Note")), [row.id, { text: "b" }]);
    Date.now = () => base + 1_000;
    await second.execute(compile(updatePlan("Note")), [row.id, { text: "c" }]);
    Date.now = realNow;
    const entries = (await first.execute(compile(history("Note", { where: eq(f("id"), arg(0)) })), [row.id])) as Array<{ at: string; data: { text: string } }>;
    assert.deepEqual(entries.map((e) => e.data.text), ["a", "b", "c"]);
    const ats = entries.map((e) => Date.parse(e.at));
    assert.ok(ats[2] >= ats[1], `version 3 stamped ${entries[2].at}, before version 2's ${entries[1].at}`);
  } finally {
    Date.now = realNow;
    await first.close();
    await second.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
