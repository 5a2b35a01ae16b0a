// `kova test --db` (issue 22, item 1: "or in a rolled-back transaction on PostgreSQL/MariaDB with
// --db"): an app whose entities live on a server database is tested on that database as
// configured, each test inside one transaction rolled back when it ends. Run as a user runs it (the
// CLI as a subprocess) against a fresh database per test file; afterwards the database holds only
// what was there before, whatever the tests wrote, and an endpoint that fails inside a test undoes
// its own writes only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { kovaSync, tempApp } from "./e2e/harness.js";
import { DATABASES } from "./migrate/databases.js";

const entities = (using: string) => `ENTITY Note${using} {
  text: text
}

VALIDATE NewNote {
  text: string(min: 1)
}

POST /notes VALIDATE NewNote {
  RESPOND 201 INSERT INTO Note $body
}

POST /notes/then-fail VALIDATE NewNote {
  INSERT INTO Note $body
  ERROR 409 "written, then refused"
}

GET /notes {
  RESPOND SELECT * FROM Note ORDER_BY id
}
`;

// Each test counts on the row seeded before the run and on nothing any other test wrote.
const TESTS = `IMPORT "./app.kova"

TEST "writes are seen inside the test" {
  a = POST /notes { text: "one" }
  EXPECT a.status == 201
  b = POST /notes { text: "two" }
  EXPECT b.body.id > a.body.id
  r = GET /notes
  EXPECT r.body.length == 3
  EXPECT r.body[0].text == "seeded"
}

TEST "the next test starts from what the database held" {
  r = GET /notes
  EXPECT r.body.length == 1
  INSERT INTO Note { text: "direct" }
  r2 = GET /notes
  EXPECT r2.body.length == 2
}

TEST "a failing endpoint undoes its own writes, not the test's" {
  kept = POST /notes { text: "kept" }
  EXPECT kept.status == 201
  refused = POST /notes/then-fail { text: "undone" }
  EXPECT refused.status == 409
  r = GET /notes
  EXPECT r.body.length == 2
  EXPECT r.body[1].text == "kept"
}
`;

for (const database of DATABASES.filter((d) => d.name !== "sqlite")) {
  test(`kova test --db on ${database.name}: each test in a transaction rolled back at its end`, async (t) => {
    const dir = tempApp(t, {});
    const setup = await database.setUp(t, dir);
    if (setup === undefined) return;
    writeFileSync(join(dir, "app.kova"), setup.header + "\n" + entities(setup.using));
    writeFileSync(join(dir, "app.test.kova"), TESTS);
    // The app's tables, with one row the tests must find and must not lose.
    for (const args of [["migrate", dir], ["migrate", "apply", dir]]) {
      const migrate = kovaSync(args);
      assert.equal(migrate.status, 0, migrate.stdout + migrate.stderr);
    }
    await setup.sql(`INSERT INTO note (text) VALUES ('seeded')`);

    // Without --db, a server database is refused, and the message says what to do.
    const plain = kovaSync(["test", dir]);
    assert.equal(plain.status, 1);
    assert.match(plain.stdout + plain.stderr, /kova test --db/);

    const run = kovaSync(["test", "--db", "--reporter", "tap", dir]);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /# pass 3/);
    assert.match(run.stdout, /# fail 0/);

    // Nothing any test wrote is left; the seeded row is.
    const again = kovaSync(["test", "--db", "--reporter", "tap", dir]);
    assert.equal(again.status, 0, again.stdout + again.stderr);
  });
}
