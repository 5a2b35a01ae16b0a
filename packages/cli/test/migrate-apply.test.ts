// `kova migrate apply`: database failures are the user's to fix (exit 1, a clear sentence, not
// "a bug in kova"), and --dry-run lists exactly the pending files without touching the database.
import assert from "node:assert/strict";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import { kovaSync, tempApp } from "./e2e/harness.js";
import { DATABASES } from "./migrate/databases.js";

const entity = (using: string, fields: string) => `ENTITY Item${using} {\n${fields}}\nGET /items { RESPOND SELECT * FROM Item }\n`;

for (const database of DATABASES) {
  // Issue 23 item 3: UNIQUE over rows that share a value exited 70, "This is a bug in kova".
  test(`${database.name}: apply reports a UNIQUE over duplicate rows as the user's problem`, async (t) => {
    const dir = tempApp(t, {});
    const setup = await database.setUp(t, dir);
    if (setup === undefined) return;
    writeFileSync(join(dir, "app.kova"), setup.header + entity(setup.using, "  name: text\n"));
    assert.equal(kovaSync(["migrate", dir]).status, 0);
    assert.equal(kovaSync(["migrate", "apply", dir]).status, 0);
    await setup.sql(`INSERT INTO item (name) VALUES ('same'), ('same')`);
    writeFileSync(join(dir, "app.kova"), setup.header + entity(setup.using, "  name: text UNIQUE\n"));
    assert.equal(kovaSync(["migrate", dir, "--name", "unique name"]).status, 0);

    const result = kovaSync(["migrate", "apply", dir]);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /cannot make Item\.name UNIQUE: stored rows already share a value/);
    assert.match(result.stderr, /_unique_name\.sql was not applied/);
    assert.doesNotMatch(result.stderr, /internal error|bug in kova/);
  });

  // Issue 23 item 5: --dry-run listed every file, not the pending ones, and created .kova/data.db.
  test(`${database.name}: apply --dry-run lists exactly the pending files and touches nothing`, async (t) => {
    const dir = tempApp(t, {});
    const setup = await database.setUp(t, dir);
    if (setup === undefined) return;
    writeFileSync(join(dir, "app.kova"), setup.header + entity(setup.using, "  name: text\n"));
    assert.equal(kovaSync(["migrate", dir, "--name", "first"]).status, 0);

    const before = kovaSync(["migrate", "apply", dir, "--dry-run"]);
    assert.equal(before.status, 0, before.stderr);
    assert.match(before.stdout, /would apply 1 file: \d{14}_first\.sql \(dry run: not applied\)/);
    assert.equal(await setup.hasTable("_kova_migrations"), false, "nothing recorded");
    assert.equal(await setup.hasTable("item"), false, "nothing created");
    if (database.name === "sqlite") assert.equal(existsSync(join(dir, ".kova", "data.db")), false, "no store file created");

    assert.equal(kovaSync(["migrate", "apply", dir]).status, 0);
    writeFileSync(join(dir, "app.kova"), setup.header + entity(setup.using, "  name: text\n  qty: int?\n"));
    assert.equal(kovaSync(["migrate", dir, "--name", "second"]).status, 0);
    const pending = kovaSync(["migrate", "apply", dir, "--dry-run"]);
    assert.equal(pending.status, 0, pending.stderr);
    assert.match(pending.stdout, /would apply 1 file: \d{14}_second\.sql \(dry run: not applied\)/);
    assert.doesNotMatch(pending.stdout, /_first\.sql/);
    const applied = kovaSync(["migrate", "apply", dir]);
    assert.match(applied.stdout, /applied \d{14}_second\.sql/, "apply runs what the dry run listed");
    assert.match(kovaSync(["migrate", "apply", dir, "--dry-run"]).stdout, /up to date \(dry run\)/);
  });
}

// Issue 23 item 3: the embedded store held by another process (the running app) exited 70.
test("sqlite: apply while another process holds the store says so and exits 1", (t) => {
  const dir = tempApp(t, { "app.kova": entity("", "  name: text\n") });
  assert.equal(kovaSync(["migrate", dir]).status, 0);
  assert.equal(kovaSync(["migrate", "apply", dir]).status, 0);
  writeFileSync(join(dir, "app.kova"), entity("", "  name: text\n  qty: int?\n"));
  assert.equal(kovaSync(["migrate", dir]).status, 0);
  const holder = new Database(join(dir, ".kova", "data.db"));
  holder.exec("BEGIN EXCLUSIVE");
  t.after(() => holder.close());

  const result = kovaSync(["migrate", "apply", dir]);
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr, /database is locked/);
  assert.doesNotMatch(result.stderr, /internal error|bug in kova/);
  assert.equal(readdirSync(join(dir, "migrations", "default")).filter((f) => f.endsWith(".sql")).length, 2);
});

// Issue 21 item 8: a field's CHECK (here an enum's values) is part of the migration: a changed rule
// replaces the constraint, and stored rows that break the new rule stop the file with the field,
// the rule and what to do, not the database's bare error.
for (const database of DATABASES.filter((d) => d.name !== "sqlite")) {
  test(`${database.name}: a changed CHECK is a migration step; stored rows that break it are named`, async (t) => {
    const dir = tempApp(t, {});
    const setup = await database.setUp(t, dir);
    if (setup === undefined) return;
    const write = (values: string) => writeFileSync(join(dir, "app.kova"), setup.header + entity(setup.using, `  name: text\n  size: enum(${values})?\n`));
    write(`"s", "m", "l"`);
    assert.equal(kovaSync(["migrate", dir]).status, 0);
    assert.equal(kovaSync(["migrate", "apply", dir]).status, 0);
    await assert.rejects(setup.sql(`INSERT INTO item (name, size) VALUES ('a', 'xl')`), /check|constraint/i, "the database refuses a value outside the enum");

    // A wider rule: applied, and the new value is accepted.
    write(`"s", "m", "l", "xl"`);
    assert.equal(kovaSync(["migrate", dir, "--name", "add xl"]).status, 0);
    const widened = kovaSync(["migrate", "apply", dir]);
    assert.equal(widened.status, 0, widened.stderr);
    await setup.sql(`INSERT INTO item (name, size) VALUES ('a', 'xl')`);

    // A narrower rule that a stored row breaks.
    write(`"s", "m", "l"`);
    assert.equal(kovaSync(["migrate", dir, "--name", "drop xl"]).status, 0);
    const result = kovaSync(["migrate", "apply", dir]);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /cannot add the CHECK on Item\.size \(one of 's', 'm', 'l'\): stored rows hold values that break it/);
    assert.match(result.stderr, /_drop_xl\.sql was not applied/);
    assert.doesNotMatch(result.stderr, /internal error|bug in kova/);
  });
}
