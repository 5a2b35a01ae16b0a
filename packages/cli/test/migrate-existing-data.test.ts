import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { build, kovaSync, linkNodeModules, startServer, tempApp } from "./e2e/harness.js";

const WITH_QTY = `ENTITY Item {
  name: text
  qty: int
}
GET /items { RESPOND SELECT * FROM Item }
`;
const WITHOUT_QTY = WITH_QTY.replace("  qty: int\n", "");
const QTY_AS_TEXT = WITH_QTY.replace("qty: int", "qty: text?");

// Issue 23, item 4: a removed field keeps its column (and its type); declaring it again with
// another type slipped past the refusal and left a database the app would not start on.
test("a field removed and declared again with another type is refused; with its type it comes back", (t) => {
  const dir = tempApp(t, { "app.kova": WITH_QTY });
  const folder = join(dir, "migrations", "default");
  assert.equal(kovaSync(["migrate", dir, "--name", "a"]).status, 0);
  writeFileSync(join(dir, "app.kova"), WITHOUT_QTY);
  const removed = kovaSync(["migrate", dir, "--name", "b"]);
  assert.equal(removed.status, 0, removed.stderr);
  writeFileSync(join(dir, "app.kova"), QTY_AS_TEXT);
  const retyped = kovaSync(["migrate", dir, "--name", "c"]);
  assert.equal(retyped.status, 1, retyped.stdout);
  assert.match(retyped.stderr, /cannot migrate Item\.qty from int to string: Item\.qty was removed earlier, but its column and history keep its int values/);
  assert.equal(readdirSync(folder).filter((f) => f.endsWith(".sql")).length, 2, "nothing written");
  writeFileSync(join(dir, "app.kova"), WITH_QTY.replace("qty: int", "qty: int INDEX"));
  const back = kovaSync(["migrate", dir, "--name", "c"]);
  assert.equal(back.status, 0, back.stderr);
  const third = readdirSync(folder).filter((f) => f.endsWith("_c.sql"));
  assert.equal(third.length, 1);
  const sql = readFileSync(join(folder, third[0]), "utf8");
  assert.doesNotMatch(sql, /ADD COLUMN/, "the kept column is used again, not added");
  assert.match(sql, /CREATE INDEX IF NOT EXISTS "item__index_qty"/);
});

// Issue 23, item 2, as a user meets it: the app starts (and migrates itself), then the files are
// applied. Before, SQLite failed with "duplicate column name: color".
test("kova migrate apply after the app has started once and migrated itself", async (t) => {
  const V1 = `ENTITY Item {\n  name: text INDEX\n}\nGET /items { RESPOND SELECT * FROM Item }\n`;
  const V2 = `ENTITY Item {\n  name: text UNIQUE\n  color: text DEFAULT "red"\n}\nGET /items { RESPOND SELECT * FROM Item }\n`;
  const dir = tempApp(t, { "app.kova": V1 });
  // Names in creation order, whatever the files' time stamps (two runs may share a second).
  assert.equal(kovaSync(["migrate", dir, "--name", "a_items"]).status, 0);
  writeFileSync(join(dir, "app.kova"), V2);
  assert.equal(kovaSync(["migrate", dir, "--name", "b_color"]).status, 0);
  linkNodeModules(dir);
  await build(dir);
  const server = await startServer(t, dir);
  await server.stop();
  const applied = kovaSync(["migrate", "apply", dir]);
  assert.equal(applied.status, 0, applied.stderr);
  assert.match(applied.stdout, /applied .*a_items\.sql, .*b_color\.sql/);
});
