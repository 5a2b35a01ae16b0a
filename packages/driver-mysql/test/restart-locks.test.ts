/**
 * A start with nothing to change leaves the change outbox's triggers alone: a process that starts
 * while another's transaction holds a table (a rolling restart during traffic) must not wait for
 * it. DROP TRIGGER needs the table's exclusive metadata lock, which waits for every open
 * transaction that touched the table (and every later query waits behind it).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { EntitySchema } from "@kova/query";
import { createMysqlDriver, type MysqlDriver } from "../src/index.js";
import { adminConnection, allEntities, createDatabase, dropDatabase, field, Note, serverOrSkip, sleep, urlFor } from "./helpers.js";

async function recordingDriver(database: string, entities: readonly EntitySchema[]): Promise<MysqlDriver> {
  const driver = createMysqlDriver({ name: "db", appDir: "/nonexistent", options: { url: urlFor(database) } });
  await driver.connect();
  await driver.migrate(entities);
  driver.changes.onCommit(() => undefined);
  await driver.changes.ready();
  return driver;
}

async function triggers(database: string): Promise<Map<string, string>> {
  const admin = await adminConnection();
  try {
    const [rows] = await admin.query("SELECT TRIGGER_NAME AS name, CREATED AS created, ACTION_STATEMENT AS body FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?", [database]);
    return new Map((rows as Array<{ name: string; created: Date; body: string }>).map((r) => [r.name, `${r.created?.toISOString()} ${r.body}`]));
  } finally {
    await admin.end();
  }
}

test("a second process starts without waiting for a reader's transaction on the entity's table", async (t) => {
  if (!(await serverOrSkip(t))) return;
  const database = await createDatabase();
  const first = await recordingDriver(database, allEntities);
  const installed = await triggers(database);
  assert.ok(installed.size >= allEntities.length, "the outbox has its triggers");
  const busy = await adminConnection();
  try {
    await busy.query("START TRANSACTION");
    await busy.query(`SELECT count(*) FROM \`${database}\`.\`note\``);
    const second = createMysqlDriver({ name: "db", appDir: "/nonexistent", options: { url: urlFor(database) } });
    const start = (async () => {
      await second.connect();
      await second.migrate(allEntities);
      second.changes.onCommit(() => undefined);
      await second.changes.ready();
      return "started";
    })();
    const outcome = await Promise.race([start, sleep(2500).then(() => "still waiting after 2.5 s")]);
    // Ending the reader lets a start that waited finish, so a failure here blocks nothing else.
    await busy.query("ROLLBACK");
    await start;
    await second.close();
    assert.equal(outcome, "started", "the start took no lock a reader's transaction holds");
    assert.deepEqual(await triggers(database), installed, "the triggers were left as they were");
  } finally {
    await busy.end();
    await first.close();
    await dropDatabase(database);
  }
});

test("an entity with a new field gets its triggers again", async (t) => {
  if (!(await serverOrSkip(t))) return;
  const database = await createDatabase();
  const first = await recordingDriver(database, allEntities);
  await first.close();
  const wider: EntitySchema = { ...Note, fields: [...Note.fields, field("mood", "string", { optional: true })] };
  const second = await recordingDriver(database, allEntities.map((e) => (e.name === "Note" ? wider : e)));
  try {
    const bodies = [...(await triggers(database)).entries()].filter(([name]) => name.startsWith("note")).map(([, body]) => body);
    assert.ok(bodies.length > 0 && bodies.every((b) => b.includes("mood")), "the events carry the new field");
  } finally {
    await second.close();
    await dropDatabase(database);
  }
});
