import assert from "node:assert/strict";
import { test } from "node:test";
import { diffSchemas, nextSnapshot, type EntitySchema } from "@kova/query";
import { createPostgresDriver, driverPackage } from "../src/index.js";
import { admin, dropSchema, freshSchema, Note, PG_URL, serverUp, User } from "./helpers.js";

const pgMigrations = driverPackage.migrations!;

// Proves `kova migrate` files for PostgreSQL: the SQL a reviewer reads, then applied once each.
test("migration SQL: new entities, new fields with their defaults backfilled, type changes refused", () => {
  const first = pgMigrations.sql(diffSchemas([], [Note]));
  assert.ok(first.some((s) => /^CREATE TABLE IF NOT EXISTS "note" /.test(s)));
  assert.ok(first.some((s) => /^CREATE TABLE IF NOT EXISTS "note__history" /.test(s)));
  const withStars: EntitySchema = { ...Note, fields: [...Note.fields, { name: "stars", type: "int", optional: false, unique: false, index: true, default: { value: 3 } }] };
  const second = pgMigrations.sql(diffSchemas([Note], [withStars]));
  assert.ok(second.some((s) => s.includes(`ADD COLUMN IF NOT EXISTS "stars" bigint`) || /ADD COLUMN IF NOT EXISTS "stars"/.test(s)), second.join("\n"));
  assert.ok(second.some((s) => /UPDATE "note" SET "stars" = 3::/.test(s)), second.join("\n"));
  assert.ok(second.every((s) => !/\$\d/.test(s)), "no placeholders left in a migration file");
  const quoted: EntitySchema = { ...Note, fields: [...Note.fields, { name: "label", type: "string", optional: false, unique: false, index: false, default: { value: "it's" } }] };
  assert.ok(pgMigrations.sql(diffSchemas([Note], [quoted])).some((s) => s.includes(`'it''s'`)));
  const retyped: EntitySchema = { ...Note, fields: Note.fields.map((f) => (f.name === "big" ? { ...f, type: "string" } : f)) };
  assert.throws(() => pgMigrations.sql(diffSchemas([Note], [retyped])), /cannot migrate Note\.big from int to string/);
});

test("applyMigrations runs each file once, in a transaction, and rolls back a failing one", async (t) => {
  if (!(await serverUp(t))) return;
  const schema = await freshSchema();
  t.after(() => dropSchema(schema));
  const driver = createPostgresDriver({ name: "db", appDir: ".", options: { url: PG_URL, schema } });
  await driver.connect();
  t.after(() => driver.close());
  const files = [{ name: "0001_user.sql", statements: pgMigrations.sql(diffSchemas([], [User])) }];
  assert.deepEqual(await driver.applyMigrations(files), ["0001_user.sql"]);
  assert.deepEqual(await driver.applyMigrations(files), []);
  const broken = [...files, { name: "0002_broken.sql", statements: [`CREATE TABLE "half" ("x" int)`, "SELECT * FROM no_such_table"] }];
  await assert.rejects(driver.applyMigrations(broken), /0002_broken\.sql failed and was rolled back/);
  const tables = await admin(async (c) => (await c.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [schema])).rows.map((r) => r.table_name as string));
  assert.ok(tables.includes("user") && tables.includes("user__history"));
  assert.ok(!tables.includes("half"), "the failing file left nothing behind");
});

// Issue 23, item 2: files re-run everywhere as they do here (CockroachDB shares this generator).
test("migration files apply to a database the app already migrated at start-up, and twice", async (t) => {
  if (!(await serverUp(t))) return;
  const schema = await freshSchema();
  t.after(() => dropSchema(schema));
  const withStars: EntitySchema = { ...Note, fields: [...Note.fields, { name: "stars", type: "int", optional: false, unique: true, index: false, default: { value: 3 } }] };
  const driver = createPostgresDriver({ name: "db", appDir: ".", options: { url: PG_URL, schema } });
  await driver.connect();
  t.after(() => driver.close());
  await driver.migrate([withStars]);
  const files = [
    { name: "0001_note.sql", statements: pgMigrations.sql(diffSchemas([], [Note])) },
    { name: "0002_stars.sql", statements: pgMigrations.sql(diffSchemas([Note], [withStars])) },
  ];
  assert.deepEqual(await driver.applyMigrations(files), ["0001_note.sql", "0002_stars.sql"]);
  // Run again by hand as a second ledger would: every statement is idempotent.
  await admin(async (c) => {
    await c.query(`SET search_path TO "${schema}"`);
    for (const file of files) for (const s of file.statements) if (!s.startsWith("--")) await c.query(s);
  });
});

// Issue 23, item 4: remove a field, migrate, declare it again with another type: refused (the
// column kept its bigint values); declared again with its type, the kept column is used again.
test("a removed field declared again with another type is refused", () => {
  const without: EntitySchema = { ...Note, fields: Note.fields.filter((f) => f.name !== "big") };
  const snapshot = nextSnapshot(nextSnapshot([], [Note]), [without]);
  const retyped: EntitySchema = { ...Note, fields: Note.fields.map((f) => (f.name === "big" ? { ...f, type: "string", optional: true } : f)) };
  assert.throws(() => pgMigrations.sql(diffSchemas(snapshot, [retyped])), /cannot migrate Note\.big from int to string/);
  assert.doesNotThrow(() => pgMigrations.sql(diffSchemas(snapshot, [Note])));
});
