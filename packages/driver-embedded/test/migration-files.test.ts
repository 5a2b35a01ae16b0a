import assert from "node:assert/strict";
import { test } from "node:test";
import Database from "better-sqlite3";
import { join } from "node:path";
import { rmSync } from "node:fs";
import { diffSchemas, type EntitySchema } from "@kova/query";
import { createEmbeddedDriver, sqliteMigrations } from "../src/index.js";
import { tempDir } from "./helpers.js";

const field = (name: string, type: EntitySchema["fields"][number]["type"], more: Partial<EntitySchema["fields"][number]> = {}) => ({ name, type, optional: true, unique: false, index: false, ...more });
const v1: EntitySchema = { name: "Item", table: "item", fields: [field("name", "string", { index: true })] };
const v2: EntitySchema = { name: "Item", table: "item", fields: [field("name", "string", { unique: true }), field("color", "string", { default: { value: "red" } })] };

const files = () => [
  { name: "001_create.sql", statements: sqliteMigrations.sql(diffSchemas([], [v1])) },
  { name: "002_color.sql", statements: sqliteMigrations.sql(diffSchemas([v1], [v2])) },
];

// Issue 23, item 2: the app migrates itself at start; `kova migrate apply` afterwards must not fail
// with "duplicate column name: color".
test("migration files apply to a database the app already migrated at start-up", async (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const app = createEmbeddedDriver({ name: "db", appDir: dir, options: undefined });
  await app.connect();
  await app.migrate([v2]);
  await app.close();
  const driver = createEmbeddedDriver({ name: "db", appDir: dir, options: undefined });
  await driver.connect();
  t.after(() => driver.close());
  assert.deepEqual(await driver.applyMigrations!(files()), ["001_create.sql", "002_color.sql"]);
  assert.deepEqual(await driver.applyMigrations!(files()), []);
});

test("a file that failed (UNIQUE over duplicates) applies once the cause is fixed, also after a hand run of its columns", async (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const open = async () => {
    const driver = createEmbeddedDriver({ name: "db", appDir: dir, options: { locking: "shared" } });
    await driver.connect();
    return driver;
  };
  let driver = await open();
  assert.deepEqual(await driver.applyMigrations!(files().slice(0, 1)), ["001_create.sql"]);
  await driver.close();
  const db = new Database(join(dir, ".kova", "data.db"));
  db.exec(`INSERT INTO "item" ("name") VALUES ('same'), ('same')`);
  // A reviewer ran the file's ALTERs by hand before: the file still applies.
  for (const s of files()[1].statements.filter((s) => s.startsWith("ALTER"))) db.exec(s);
  db.close();
  driver = await open();
  await assert.rejects(driver.applyMigrations!(files()), /UNIQUE/);
  await driver.close();
  const fix = new Database(join(dir, ".kova", "data.db"));
  fix.exec(`UPDATE "item" SET "name" = 'other' WHERE "id" = 2`);
  fix.close();
  driver = await open();
  t.after(() => driver.close());
  assert.deepEqual(await driver.applyMigrations!(files()), ["002_color.sql"]);
  const rows = new Database(join(dir, ".kova", "data.db"), { readonly: true });
  assert.deepEqual(rows.prepare(`SELECT "name", "color" FROM "item" ORDER BY "id"`).all(), [{ name: "same", color: "red" }, { name: "other", color: "red" }]);
  rows.close();
});

// Issue 23, item 4, at start-up: a removed field is no longer in _kova_schema, but its column and
// values are; declared again with another type, the store refuses to start (as PostgreSQL does).
test("a field removed and declared again with another type is refused at start-up", async (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const driver = createEmbeddedDriver({ name: "db", appDir: dir, options: undefined });
  await driver.connect();
  t.after(() => driver.close());
  const withQty: EntitySchema = { name: "Item", table: "item", fields: [field("name", "string"), field("qty", "int")] };
  await driver.migrate([withQty]);
  await driver.migrate([{ ...withQty, fields: [field("name", "string")] }]);
  await assert.rejects(driver.migrate([{ ...withQty, fields: [field("name", "string"), field("qty", "string")] }]), /cannot migrate Item\.qty to string: its column holds INTEGER values/);
  await driver.migrate([withQty]);
});
