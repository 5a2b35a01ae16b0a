// Online backups of the store (src/backup/): taken on their own thread while writes go on, each
// one consistent instant that passes the same checks `kova db verify` runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { insertPlan } from "@kova/query/testing";
import { createEmbeddedDriver, openStore as openStoreFile, type EmbeddedDriver } from "../src/index.js";
import { checkBackup } from "../src/backups.js";
import { compile, Note, tempDir } from "./helpers.js";

async function openDriver(dir: string, options: object = {}): Promise<EmbeddedDriver> {
  const driver = createEmbeddedDriver({ name: "db", appDir: dir, options });
  await driver.connect();
  await driver.migrate([Note]);
  return driver;
}

const insert = (driver: EmbeddedDriver, i: number) => driver.execute(compile(insertPlan("Note")), [{ text: `note ${i}` }]) as Promise<{ id: number }>;

/** Writes one note after another until `until` settles; returns how many were written. */
async function writeUntil(driver: EmbeddedDriver, until: Promise<unknown>, from: number): Promise<number> {
  let done = false;
  void until.finally(() => (done = true)).catch(() => undefined);
  let n = 0;
  while (!done) {
    await insert(driver, from + n);
    n++;
    // The store answers synchronously: give the event loop a turn, as requests arriving would.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return n;
}

/** The ids in a backup, after it passes every check of `kova db verify`. */
async function idsIn(file: string, dir: string): Promise<number[]> {
  const dest = join(dir, `checked-${Date.now()}.db`);
  await checkBackup(file, dest, undefined);
  const db = openStoreFile(dest, { create: false });
  try {
    return db.prepare(`SELECT "id" FROM "note" ORDER BY "id"`).pluck().all() as number[];
  } finally {
    db.close();
    rmSync(dest, { force: true });
  }
}

for (const locking of ["exclusive", "shared"] as const) {
  test(`a backup of a store held ${locking === "exclusive" ? "alone" : "shared"} is one instant while writes go on, and checkpoints resume after it`, async () => {
    const dir = tempDir();
    const driver = await openDriver(dir, { locking });
    try {
      driver.writeBatch("Note", Array.from({ length: 20_000 }, (_, i) => ({ text: `batch ${i} `.repeat(10) })));
      const file = join(dir, "live.kovabackup");
      const backup = driver.backup(file);
      const during = await writeUntil(driver, backup, 0);
      const summary = await backup;
      assert.ok(during > 0, "writes were answered while the backup ran");
      const ids = await idsIn(file, dir);
      const note = summary.manifest.entities.find((e) => e.name === "Note")!;
      assert.equal(ids.length, note.rows);
      assert.ok(ids.length >= 20_000 && ids.length < 20_000 + during, `the backup holds ${ids.length} rows: the batch, not every write made during it`);
      assert.deepEqual(ids, Array.from({ length: ids.length }, (_, i) => i + 1), "a prefix of the ids, none missing in between");
      const autocheckpoint = await driver.withConnection((db) => (db as { pragma(s: string, o: object): unknown }).pragma("wal_autocheckpoint", { simple: true }));
      assert.equal(autocheckpoint, 1000, "checkpoints run again after the backup");
    } finally {
      await driver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("closing the store while a backup copies it waits for the copy; the backup completes and verifies", async () => {
  const dir = tempDir();
  const driver = await openDriver(dir);
  try {
    driver.writeBatch("Note", Array.from({ length: 5_000 }, (_, i) => ({ text: `note ${i}` })));
    for (let i = 0; i < 50; i++) await insert(driver, i); // in the WAL: closing would checkpoint them into the file
    const file = join(dir, "closing.kovabackup");
    const backup = driver.backup(file);
    await driver.close();
    await backup;
    assert.equal((await idsIn(file, dir)).length, 5_050);
  } finally {
    await driver.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("backups asked for together run one after another, each complete", async () => {
  const dir = tempDir();
  const driver = await openDriver(dir);
  try {
    driver.writeBatch("Note", Array.from({ length: 3_000 }, (_, i) => ({ text: `note ${i}` })));
    const files = [0, 1, 2].map((i) => join(dir, `b${i}.kovabackup`));
    await Promise.all(files.map((f) => driver.backup(f)));
    for (const f of files) assert.equal((await idsIn(f, dir)).length, 3_000);
  } finally {
    await driver.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
