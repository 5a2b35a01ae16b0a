/**
 * A start with nothing to change runs no DDL: a process that starts while another's transactions
 * hold the tables (a rolling restart during traffic) must not wait for them. Its migration and its
 * change outbox's triggers are checked against what is installed instead; a changed entity still
 * gets its triggers again.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { EntitySchema } from "@kova/query";
import { field } from "@kova/query/testing";
import { createPostgresDriver, type PostgresDriver } from "../src/index.js";
import { admin, dropSchema, freshSchema, Note, PG_URL, serverUp, sleep, User } from "./helpers.js";

async function recordingDriver(schema: string, entities: EntitySchema[]): Promise<PostgresDriver> {
  const driver = createPostgresDriver({ name: "db", appDir: ".", options: { url: PG_URL, schema } });
  await driver.connect();
  await driver.migrate(entities);
  await driver.changes!.ready();
  return driver;
}

/** The trigger definitions on `table` in `schema`, by name. */
async function triggers(schema: string, table: string): Promise<Map<string, string>> {
  const rows = await admin(async (c) =>
    (await c.query(`SELECT t.tgname, pg_get_triggerdef(t.oid) AS def FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relname = $1 AND c.relnamespace = $2::regnamespace AND NOT t.tgisinternal`, [table, schema])).rows,
  );
  return new Map(rows.map((r) => [r.tgname as string, r.def as string]));
}

test("a second process starts without waiting for a reader's transaction on the entity's table", async (t) => {
  if (!(await serverUp(t))) return;
  const schema = await freshSchema();
  const first = await recordingDriver(schema, [User, Note]);
  const installed = await triggers(schema, "note");
  assert.deepEqual([...installed.keys()].sort(), ["_kova_changes", "_kova_changes_u"]);
  try {
    await admin(async (busy) => {
      // A reader's open transaction: it holds ACCESS SHARE on the table until it ends. ALTER TABLE
      // (even ADD COLUMN IF NOT EXISTS of a column that exists) and DROP TRIGGER need ACCESS
      // EXCLUSIVE, so a start that ran them would wait here, and every query behind it too.
      await busy.query("BEGIN");
      await busy.query(`SELECT count(*) FROM ${schema}.note`);
      const second = createPostgresDriver({ name: "db", appDir: ".", options: { url: PG_URL, schema } });
      const start = (async () => {
        await second.connect();
        await second.migrate([User, Note]);
        await second.changes!.ready();
        return "started";
      })();
      const outcome = await Promise.race([start, sleep(2500).then(() => "still waiting after 2.5 s")]);
      // Ending the reader lets a start that waited finish, so a failure here blocks nothing else.
      await busy.query("ROLLBACK");
      await start;
      await second.close();
      assert.equal(outcome, "started", "the start took no lock a reader's transaction holds");
    });
    assert.deepEqual(await triggers(schema, "note"), installed, "the triggers were left as they were");
  } finally {
    await first.close();
    await dropSchema(schema);
  }
});

test("an entity whose SECRET fields changed gets its triggers again", async (t) => {
  if (!(await serverUp(t))) return;
  const schema = await freshSchema();
  const first = await recordingDriver(schema, [User, Note]);
  const before = await triggers(schema, "note");
  await first.close();
  const withSecret: EntitySchema = { ...Note, fields: [...Note.fields, field("pin", "string", { optional: true, secret: true })] };
  const second = await recordingDriver(schema, [User, withSecret]);
  try {
    const after = await triggers(schema, "note");
    assert.notDeepEqual(after, before);
    assert.match(after.get("_kova_changes")!, /'pin'/, "the new SECRET field is left out of events");
  } finally {
    await second.close();
    await dropSchema(schema);
  }
});
