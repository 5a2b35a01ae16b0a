import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import { splitStatements } from "../src/migrate/migration-files.js";
import { kovaSync, tempApp } from "./e2e/harness.js";

const V1 = `ENTITY Book {
  title: text
  isbn: text UNIQUE
}
GET /books { RESPOND SELECT * FROM Book }
`;

const V2 = `ENTITY Book {
  title: text
  isbn: text UNIQUE
  pages: int DEFAULT 0
  genre: text INDEX
}
ENTITY Shelf {
  label: text
}
GET /books { RESPOND SELECT * FROM Book }
GET /shelves { RESPOND SELECT * FROM Shelf }
`;

// Proves the migration workflow a team relies on: files describe each ENTITY change, apply runs
// only what the database has not seen, and the result is the schema the app then uses.
test("kova migrate writes one file per change set and apply runs each once", (t) => {
  const dir = tempApp(t, { "app.kova": V1 });
  const first = kovaSync(["migrate", dir, "--name", "books"]);
  assert.equal(first.status, 0, first.stderr);
  const folder = join(dir, "migrations", "default");
  const files1 = readdirSync(folder).filter((f) => f.endsWith(".sql"));
  assert.equal(files1.length, 1);
  assert.match(files1[0], /^\d{14}_books\.sql$/);
  const sql1 = readFileSync(join(folder, files1[0]), "utf8");
  assert.match(sql1, /CREATE TABLE IF NOT EXISTS "book"/);
  assert.match(sql1, /CREATE TABLE IF NOT EXISTS "book__history"/);
  assert.match(sql1, /CREATE UNIQUE INDEX IF NOT EXISTS "book__unique_isbn"/);

  assert.equal(kovaSync(["migrate", dir]).stdout.trim(), "default: no changes since the last migration");

  const dry = kovaSync(["migrate", "apply", dir, "--dry-run"]);
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /dry run: not applied/);
  assert.equal(existsSync(join(dir, ".kova", "data.db")), false, "a dry run creates no store file (issue 23 item 5)");

  const applied = kovaSync(["migrate", "apply", dir]);
  assert.equal(applied.status, 0, applied.stderr);
  assert.match(applied.stdout, new RegExp(`applied ${files1[0]}`));
  assert.match(kovaSync(["migrate", "apply", dir]).stdout, /up to date/);

  writeFileSync(join(dir, "app.kova"), V2);
  const preview = kovaSync(["migrate", dir, "--dry-run"]);
  assert.match(preview.stdout, /ALTER TABLE "book" ADD COLUMN "pages" INTEGER;/);
  assert.match(preview.stdout, /UPDATE "book" SET "pages" = 0 WHERE "pages" IS NULL;/);
  assert.match(preview.stdout, /CREATE INDEX IF NOT EXISTS "book__index_genre"/);
  assert.match(preview.stdout, /CREATE TABLE IF NOT EXISTS "shelf"/);
  assert.equal(readdirSync(folder).filter((f) => f.endsWith(".sql")).length, 1, "--dry-run writes nothing");

  assert.equal(kovaSync(["migrate", dir, "--name", "pages and shelves"]).status, 0);
  const second = kovaSync(["migrate", "apply", dir]);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stdout, /applied \d{14}_pages_and_shelves\.sql/);
  assert.doesNotMatch(second.stdout, /_books\.sql/);

  const db = new Database(join(dir, ".kova", "data.db"), { readonly: true });
  t.after(() => db.close());
  const columns = (db.prepare(`SELECT name FROM pragma_table_info('book')`).all() as Array<{ name: string }>).map((c) => c.name);
  assert.deepEqual(columns, ["id", "title", "isbn", "pages", "genre"]);
  const recorded = (db.prepare(`SELECT name FROM _kova_migrations ORDER BY name`).all() as Array<{ name: string }>).map((r) => r.name);
  assert.equal(recorded.length, 2);
});

test("a type change is refused with a clear message, and nothing is written", (t) => {
  const dir = tempApp(t, { "app.kova": V1 });
  assert.equal(kovaSync(["migrate", dir]).status, 0);
  writeFileSync(join(dir, "app.kova"), V1.replace("title: text", "title: int"));
  const result = kovaSync(["migrate", dir]);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /cannot migrate Book\.title from string to int/);
  assert.equal(readdirSync(join(dir, "migrations", "default")).filter((f) => f.endsWith(".sql")).length, 1);
});

test("statements split at line-ending semicolons outside quotes", () => {
  assert.deepEqual(splitStatements("-- c\nA 'x;\ny';\n\nB;\n-- end\n"), ["A 'x;\ny'", "B"]);
});

test("a dollar-quoted function body (ACTION … IN DATABASE) is one statement, its inner semicolons and quotes kept", () => {
  const fn = "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $kova$\nDECLARE\n  a text := 'it''s';\nBEGIN\n  -- a comment;\n  RETURN 1;\nEND\n$kova$";
  assert.deepEqual(splitStatements(`A;\n${fn};\nB $1, $2;\n`), ["A", fn, "B $1, $2"]);
});
