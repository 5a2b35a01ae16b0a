// Migration files are named so that name order is creation order, whatever the clock says.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readMigrations, writeMigration } from "../src/migrate/migration-files.js";
import { kovaSync, tempApp } from "./e2e/harness.js";
import { DATABASES } from "./migrate/databases.js";

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "kova-migrations-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// Issue 23 item 1: names went down to the second, so a second file in the same second either
// overwrote the first (same name) or sorted before it (`alpha` < `zeta`).
test("migration files written in the same second keep both and sort in creation order", (t) => {
  const dir = tempDir(t);
  const now = new Date("2026-12-01T14:00:00.123Z");
  const first = writeMigration(dir, "zeta", ["CREATE TABLE a (x TEXT)"], [], now);
  const second = writeMigration(dir, "alpha", ["ALTER TABLE a ADD y INT"], [], now);
  const third = writeMigration(dir, "zeta", ["ALTER TABLE a ADD z INT"], [], now);
  assert.deepEqual(readMigrations(dir).map((f) => f.name), [first, second, third]);
  assert.deepEqual([first, second, third], ["20261201140000_zeta.sql", "20261201140001_alpha.sql", "20261201140002_zeta.sql"]);
  assert.match(readFileSync(join(dir, second), "utf8"), /on 2026-12-01T14:00:00\.123Z/, "the header keeps the real time");
});

test("a clock that went back still gives a later name than the newest file", (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, "20301231235959_future.sql"), "SELECT 1;\n");
  const name = writeMigration(dir, "change", [], [], new Date("2026-12-01T00:00:00Z"));
  assert.equal(name, "20310101000000_change.sql");
});

// The reproduction, on every database: two `kova migrate` runs back to back, then apply.
for (const database of DATABASES) {
  test(`${database.name}: two migrations made back to back apply in order`, async (t) => {
    const dir = tempApp(t, {});
    const setup = await database.setUp(t, dir);
    if (setup === undefined) return;
    writeFileSync(join(dir, "app.kova"), `${setup.header}ENTITY A${setup.using} {\n  x: text\n}\n`);
    assert.equal(kovaSync(["migrate", dir, "--name", "zeta"]).status, 0);
    writeFileSync(join(dir, "app.kova"), `${setup.header}ENTITY A${setup.using} {\n  x: text\n  y: int DEFAULT 1\n}\n`);
    const second = kovaSync(["migrate", dir, "--name", "alpha"]);
    assert.equal(second.status, 0, second.stderr);
    const files = readdirSync(join(dir, "migrations", database.name === "sqlite" ? "default" : "db")).filter((f) => f.endsWith(".sql")).sort();
    assert.equal(files.length, 2, files.join(", "));
    assert.match(files[0], /_zeta\.sql$/);
    const applied = kovaSync(["migrate", "apply", dir]);
    assert.equal(applied.status, 0, applied.stderr);
    assert.match(applied.stdout, new RegExp(`applied ${files[0]}, ${files[1]}`));
  });
}
