import { test } from "node:test";
import assert from "node:assert/strict";
import mysql from "mysql2/promise";
import { diffSchemas, nextSnapshot, type EntitySchema } from "@kova/query";
import { createMysqlDriver, ddlFor, driverPackage } from "../src/index.js";

/** One migrations generator serves both names (mysql, mariadb). */
const migrations = driverPackage.migrations!;
import { readState } from "../src/mysql-schema.js";
import { createDatabase, dropDatabase, field, serverOrSkip, urlFor } from "./helpers.js";

const v1: EntitySchema = { name: "Post", table: "post", fields: [field("title", "string"), field("slug", "string"), field("old", "int", { index: true })] };
const v2: EntitySchema = {
  name: "Post",
  table: "post",
  fields: [field("title", "string"), field("slug", "string", { unique: true }), field("views", "int", { default: { value: 0 } })],
};

test("migration SQL for schema changes: create, add (with default fill), alter (index changes), drop keeps data", () => {
  assert.deepEqual(driverPackage.names, ["mysql", "mariadb"]);
  const create = migrations.sql(diffSchemas([], [v1]));
  assert.deepEqual(create, ddlFor([v1]).slice(1));
  const evolve = migrations.sql(diffSchemas([v1], [v2]));
  assert.deepEqual(evolve, [
    "ALTER TABLE `post` MODIFY COLUMN `slug` VARCHAR(255) NULL",
    "ALTER TABLE `post` ADD UNIQUE KEY `post__unique_slug` (`slug`)",
    "ALTER TABLE `post__history` ADD KEY `post__history__index_slug` (`slug`(255))",
    "ALTER TABLE `post` ADD COLUMN `views` BIGINT NULL",
    "UPDATE `post` SET `views` = 0 WHERE `views` IS NULL",
    "ALTER TABLE `post__history` ADD COLUMN `views` BIGINT NULL",
    "UPDATE `post__history` SET `views` = 0 WHERE `views` IS NULL",
    "-- Post.old removed: its column and history are kept",
    "ALTER TABLE `post` DROP INDEX `post__index_old`",
    "ALTER TABLE `post__history` DROP INDEX `post__history__index_old`",
  ]);
  const retyped: EntitySchema = { ...v2, fields: v2.fields.map((f) => (f.name === "views" ? { ...f, type: "float" } : f)) };
  assert.throws(() => migrations.sql(diffSchemas([v2], [retyped])), /cannot migrate Post\.views from int to float/);
  assert.deepEqual(migrations.sql(diffSchemas([v2], [])), ["-- Post removed: `post` and `post__history` are kept"]);
});

test("applyMigrations runs each file once, and leaves the tables as migrate() would make them", async (t) => {
  if (!(await serverOrSkip(t))) return;
  const database = await createDatabase();
  const driver = createMysqlDriver({ name: "db", appDir: "/", options: urlFor(database) });
  const admin = await mysql.createConnection({ uri: urlFor(database) });
  try {
    await driver.connect();
    const files = [
      { name: "001_create", statements: migrations.sql(diffSchemas([], [v1])).map((s) => `${s};`) },
      { name: "002_change", statements: migrations.sql(diffSchemas([v1], [v2])).map((s) => (s.startsWith("--") ? s : `${s};`)) },
    ];
    assert.deepEqual(await driver.applyMigrations(files.slice(0, 1)), ["001_create"]);
    await admin.query("INSERT INTO post (title, slug, old) VALUES ('t', 's', 1)");
    assert.deepEqual(await driver.applyMigrations(files), ["002_change"]);
    assert.deepEqual(await driver.applyMigrations(files), [], "nothing runs twice");
    const [rows] = await admin.query("SELECT title, slug, views FROM post");
    assert.deepEqual(rows, [{ title: "t", slug: "s", views: 0 }]);
    const state = await readState(admin, ["post", "post__history"]);
    assert.deepEqual(ddlFor([v2], { existing: state }).slice(1), [], "start-up migrate finds nothing left to do");
    const bad = [{ name: "003_bad", statements: ["ALTER TABLE `post` ADD COLUMN `x` BIGINT NULL", "ALTER TABLE `nope` ADD COLUMN `y` INT"] }];
    await assert.rejects(driver.applyMigrations(bad), /migration 003_bad of data source "db" failed: .*nope.*statements before this one took effect/);
    const [recorded] = await admin.query("SELECT name FROM _kova_migrations ORDER BY name");
    assert.deepEqual((recorded as any[]).map((r) => r.name), ["001_create", "002_change"]);
  } finally {
    await admin.end();
    await driver.close();
    await dropDatabase(database);
  }
});

// Issue 23, item 2: files re-run on MariaDB as on PostgreSQL. The app migrated itself at start-up
// (so the columns and keys exist: "Duplicate key name" before), and a file whose UNIQUE failed over
// duplicate rows applies once the rows are fixed ("Can't DROP INDEX" before: the DROP had run).
test("migration files apply after start-up migrated the database, and again after a failed UNIQUE is fixed", async (t) => {
  if (!(await serverOrSkip(t))) return;
  const files = [
    { name: "001_create", statements: migrations.sql(diffSchemas([], [v1])).map((s) => `${s};`) },
    { name: "002_change", statements: migrations.sql(diffSchemas([v1], [v2])).map((s) => (s.startsWith("--") ? s : `${s};`)) },
  ];
  for (const scenario of ["started", "failed"] as const) {
    const database = await createDatabase();
    const driver = createMysqlDriver({ name: "db", appDir: "/", options: urlFor(database) });
    const admin = await mysql.createConnection({ uri: urlFor(database) });
    try {
      await driver.connect();
      if (scenario === "started") {
        await driver.migrate([v2]);
        assert.deepEqual(await driver.applyMigrations!(files), ["001_create", "002_change"]);
      } else {
        assert.deepEqual(await driver.applyMigrations!(files.slice(0, 1)), ["001_create"]);
        await admin.query("INSERT INTO post (title, slug, old) VALUES ('a', 'same', 1), ('b', 'same', 2)");
        await assert.rejects(driver.applyMigrations!(files), /Duplicate entry/);
        await admin.query("UPDATE post SET slug = 'other' WHERE title = 'b'");
        assert.deepEqual(await driver.applyMigrations!(files), ["002_change"]);
        const [rows] = await admin.query("SELECT slug, views FROM post ORDER BY id");
        assert.deepEqual(rows, [{ slug: "same", views: 0 }, { slug: "other", views: 0 }]);
      }
      const state = await readState(admin, ["post", "post__history"]);
      assert.deepEqual(ddlFor([v2], { existing: state }).slice(1), [], `${scenario}: start-up migrate finds nothing left to do`);
    } finally {
      await admin.end();
      await driver.close();
      await dropDatabase(database);
    }
  }
});

// Issue 23, item 4 (see the PostgreSQL test): a removed field keeps its column and its type.
test("a removed field declared again with another type is refused; with its type, its index comes back", () => {
  const snapshot = nextSnapshot(nextSnapshot([], [v1]), [{ ...v1, fields: v1.fields.filter((f) => f.name !== "old") }]);
  const retyped: EntitySchema = { ...v1, fields: v1.fields.map((f) => (f.name === "old" ? { ...f, type: "string" } : f)) };
  assert.throws(() => migrations.sql(diffSchemas(snapshot, [retyped])), /cannot migrate Post\.old from int to string/);
  assert.deepEqual(migrations.sql(diffSchemas(snapshot, [v1])), [
    "ALTER TABLE `post` ADD KEY `post__index_old` (`old`)",
    "ALTER TABLE `post__history` ADD KEY `post__history__index_old` (`old`)",
  ]);
});
