// Issue 21 item 2: IDENTIFIER added to an entity that already has records, through migration files.
// `kova migrate` writes the new column (empty) and, for VERSIONED, the table of identifiers;
// `kova migrate apply` runs the files, then makes each existing record's identifier by the rule an
// insert follows (suffixes for clashes), so the app starts with every record identified.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { build, kovaSync, linkNodeModules, request, startServer, tempApp } from "./e2e/harness.js";

const ROUTES = `POST /items { RESPOND 201 INSERT INTO Item $body }
GET /items { RESPOND SELECT * FROM Item ORDER_BY id }
GET /items/named/:identifier { RESPOND SELECT name FROM Item WHERE identifier = $identifier }
`;
const BEFORE = `ENTITY Item {\n  name: text\n}\nPOST /items { RESPOND 201 INSERT INTO Item $body }\nGET /items { RESPOND SELECT * FROM Item ORDER_BY id }\n`;
const AFTER = `ENTITY Item IDENTIFIER slug(name) VERSIONED {\n  name: text\n}\n${ROUTES}`;

test("kova migrate apply makes identifiers for the records made before IDENTIFIER, with suffixes for clashes", async (t) => {
  const dir = tempApp(t, { "app.kova": BEFORE });
  linkNodeModules(dir);
  assert.equal(kovaSync(["migrate", dir, "--name", "a_items"]).status, 0);
  const first = kovaSync(["migrate", "apply", dir]);
  assert.equal(first.status, 0, first.stderr);
  await build(dir);
  const before = await startServer(t, dir);
  for (const name of ["Red Kettle", "Red Kettle", "Blue Mug"]) assert.equal((await request(`${before.url}/items`, { method: "POST", json: { name } })).status, 201);
  await before.stop();

  writeFileSync(join(dir, "app.kova"), AFTER);
  const written = kovaSync(["migrate", dir, "--name", "b_identifier"]);
  assert.equal(written.status, 0, written.stderr);
  const file = readdirSync(join(dir, "migrations", "default")).find((f) => f.endsWith("_b_identifier.sql"))!;
  const sql = readFileSync(join(dir, "migrations", "default", file), "utf8");
  assert.match(sql, /ADD COLUMN "identifier"/);
  assert.match(sql, /kova_item_identifiers/, "the table of VERSIONED identifiers");
  const applied = kovaSync(["migrate", "apply", dir]);
  assert.equal(applied.status, 0, applied.stderr);
  assert.match(applied.stdout, /made identifiers for 3 records/);

  await build(dir);
  const after = await startServer(t, dir);
  const items = (await request(`${after.url}/items`)).body as Array<{ name: string; identifier: string }>;
  assert.deepEqual(items.map((i) => [i.name, i.identifier]), [["Red Kettle", "red-kettle"], ["Red Kettle", "red-kettle-2"], ["Blue Mug", "blue-mug"]]);
  assert.equal((await request(`${after.url}/items/named/red-kettle-2`)).status, 200);
  const next = await request(`${after.url}/items`, { method: "POST", json: { name: "Red Kettle" } });
  assert.equal(next.body.identifier, "red-kettle-3", "the identifiers made are claimed: a new record takes the next");
  await after.stop();
});
