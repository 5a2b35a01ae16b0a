// `kova migrate` and constraints: the files create composite UNIQUE/INDEX and the references'
// FOREIGN KEYs, and stored rows that break a new constraint stop `apply` with a clear message.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { kovaSync, tempApp } from "./e2e/harness.js";
import { DATABASES } from "./migrate/databases.js";

const program = (setup: { header: string; using: string }, book: string) =>
  `${setup.header}ENTITY Author${setup.using} {\n  name: text\n}\n\nENTITY Book${setup.using} {\n${book}}\n\nGET /books { RESPOND SELECT * FROM Book }\n`;

function lastFile(dir: string): string {
  const folder = join(dir, "migrations", readdirSync(join(dir, "migrations"))[0]);
  const files = readdirSync(folder).filter((f) => f.endsWith(".sql")).sort();
  return readFileSync(join(folder, files[files.length - 1]), "utf8");
}

for (const database of DATABASES) {
  test(`${database.name}: migrate writes composite UNIQUE/INDEX; rows that share the values stop apply`, async (t) => {
    const dir = tempApp(t, {});
    const setup = await database.setUp(t, dir);
    if (setup === undefined) return;
    writeFileSync(join(dir, "app.kova"), program(setup, "  author: int\n  title: text\n"));
    assert.equal(kovaSync(["migrate", dir, "--name", "first"]).status, 0);
    assert.equal(kovaSync(["migrate", "apply", dir]).status, 0);
    await setup.sql(`INSERT INTO book (author, title) VALUES (1, 'same'), (1, 'same')`);

    writeFileSync(join(dir, "app.kova"), program(setup, "  author: int\n  title: text\n  UNIQUE (author, title)\n  INDEX (title, author)\n"));
    const wrote = kovaSync(["migrate", dir, "--name", "pair"]);
    assert.equal(wrote.status, 0, wrote.stderr);
    const sql = lastFile(dir);
    assert.match(sql, /UNIQUE (INDEX|KEY) (IF NOT EXISTS )?[`"]book__unique_author__title[`"]/);
    assert.match(sql, /book__index_title__author/);

    const refused = kovaSync(["migrate", "apply", dir]);
    assert.equal(refused.status, 1, refused.stderr);
    // The database's own words name the fields (SQLite), the values (MySQL) or the index (PostgreSQL).
    assert.match(refused.stderr, /_pair\.sql .*failed.*(book\.author, book\.title|Duplicate entry|book__unique_author__title)/is);
    assert.doesNotMatch(refused.stderr, /bug in kova/);
  });

  if (database.name === "sqlite") continue;

  test(`${database.name}: a reference becomes a FOREIGN KEY; rows that name a missing parent stop apply`, async (t) => {
    const dir = tempApp(t, {});
    const setup = await database.setUp(t, dir);
    if (setup === undefined) return;
    writeFileSync(join(dir, "app.kova"), program(setup, "  author: int\n  title: text\n"));
    assert.equal(kovaSync(["migrate", dir, "--name", "first"]).status, 0);
    assert.equal(kovaSync(["migrate", "apply", dir]).status, 0);
    await setup.sql(`INSERT INTO book (author, title) VALUES (999, 'orphan')`);

    writeFileSync(join(dir, "app.kova"), program(setup, "  author: Author ON DELETE CASCADE\n  title: text\n"));
    const wrote = kovaSync(["migrate", dir, "--name", "reference"]);
    assert.equal(wrote.status, 0, wrote.stderr);
    assert.match(lastFile(dir), /FOREIGN KEY \([`"]author[`"]\) REFERENCES [`"]author[`"] \([`"]id[`"]\) ON DELETE CASCADE/);

    const refused = kovaSync(["migrate", "apply", dir]);
    assert.equal(refused.status, 1, refused.stderr);
    // The database's own words name the constraint (table, field and action): book__fk_author__cascade.
    assert.match(refused.stderr, /_reference\.sql .*failed.*foreign key constraint.*book__fk_author__cascade/is);

    await setup.sql(`DELETE FROM book WHERE author = 999`);
    const applied = kovaSync(["migrate", "apply", dir]);
    assert.equal(applied.status, 0, applied.stderr);
  });
}
