// The change feed on a real embedded store: every committed write (insert, update, delete, and a
// cascade's deletes) reaches in-process subscribers after its commit with before/after, SECRET
// fields never in them; a rolled-back transaction produces no event; events a dead process left
// undelivered in the outbox are delivered when the next process starts.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { driverPackage } from "@kova/driver-embedded";
import type { EntitySchema } from "@kova/query";
import { compileWith, deletePlan, field, insertPlan, updatePlan } from "@kova/query/testing";
import { DataSources } from "../src/data-sources.js";
import { ChangeFeed, type ChangeEvent } from "../src/changes/index.js";

const Author: EntitySchema = { name: "Author", table: "author", fields: [field("name", "string"), field("token", "string", { optional: true, secret: true })] };
const Book: EntitySchema = { name: "Book", table: "book", fields: [field("title", "string"), field("author", "int", { references: "Author", onDelete: "cascade" })] };
const entities = new Map([
  ["Author", Author],
  ["Book", Book],
]);
const q = (plan: Parameters<typeof compileWith>[1]) => compileWith(driverPackage.dialect, plan, entities);

async function open(dir: string) {
  const driver = driverPackage.createDriver({ name: "main", appDir: dir, options: { path: join(dir, "data.db") } });
  await driver.connect();
  await driver.migrate([Author, Book]);
  return { driver, dataSources: new DataSources(new Map([["main", driver]])) };
}

const silent = { info() {}, warn() {}, error() {}, debug() {} } as never;

test("committed writes reach subscribers with before/after; a rollback reaches nobody", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kova-changes-"));
  const { driver, dataSources } = await open(dir);
  const feed = new ChangeFeed(dataSources, { log: silent });
  feed.start();
  const seen: ChangeEvent[] = [];
  feed.subscribe((event, origin) => {
    assert.equal(origin, "local");
    seen.push(event);
  });
  const books: string[] = [];
  feed.subscribe((event) => books.push(`${event.op}:${event.id}`), { entity: "Book" });

  const ada = (await driver.execute(q(insertPlan("Author")), [{ name: "Ada", token: "s3cret" }])) as { id: number };
  // The subscriber ran before the write's promise resolved (a request answers after it).
  assert.equal(seen.length, 1);
  assert.deepEqual({ ...seen[0], at: "", seq: 0 }, { seq: 0, source: "main", entity: "Author", id: ada.id, op: "insert", version: seen[0].version, at: "", before: null, after: { id: ada.id, name: "Ada" } });
  assert.ok(typeof seen[0].version === "number");

  await driver.transaction(async (tx) => {
    await tx.execute(q(updatePlan("Author")), [ada.id, { name: "Ada L." }]);
    await tx.execute(q(insertPlan("Book")), [{ title: "Notes", author: ada.id }]);
    // Nothing is delivered while the transaction is open.
    assert.equal(seen.length, 1);
  });
  assert.deepEqual(seen.slice(1).map((e) => [e.entity, e.op]), [["Author", "update"], ["Book", "insert"]]);
  assert.deepEqual(seen[1].before, { id: ada.id, name: "Ada" });
  assert.deepEqual(seen[1].after, { id: ada.id, name: "Ada L." });

  await assert.rejects(
    driver.transaction(async (tx) => {
      await tx.execute(q(insertPlan("Author")), [{ name: "Ghost" }]);
      throw new Error("rolled back");
    }),
  );
  assert.equal(seen.length, 3, "a rolled-back write has no event");

  // Deleting the author cascades to the book: both deletes are events, with what was deleted.
  await driver.execute(q(deletePlan("Author")), [ada.id]);
  assert.deepEqual(seen.slice(3).map((e) => [e.entity, e.op]), [["Book", "delete"], ["Author", "delete"]]);
  assert.deepEqual(seen[4].before, { id: ada.id, name: "Ada L." });
  assert.equal(seen[4].after, null);
  assert.deepEqual(books, [`insert:${seen[2].id}`, `delete:${seen[2].id}`]);
  assert.ok(seen.every((e, i) => i === 0 || e.seq > seen[i - 1].seq), "seq follows commit order");
  assert.ok(!JSON.stringify(seen).includes("s3cret"), "a SECRET field is in no event");

  // Every delivered event is marked so: nothing is left for another process to deliver.
  assert.deepEqual(await driver.changes!.undelivered(0, 100), []);
  await feed.close();
  await driver.close();
});

test("events committed but not delivered (the process died) are delivered by the next process", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kova-changes-"));
  let { driver, dataSources } = await open(dir);
  const first = new ChangeFeed(dataSources, { log: silent });
  // A consumer that fails stands for the process dying before delivery: the events stay undelivered.
  first.consume(async () => {
    throw new Error("killed before delivery");
  });
  first.start();
  await driver.execute(q(insertPlan("Author")), [{ name: "Grace" }]);
  assert.equal((await driver.changes!.undelivered(0, 10)).length, 1);
  await first.close();
  await driver.close();

  ({ driver, dataSources } = await open(dir));
  const second = new ChangeFeed(dataSources, { log: silent });
  const consumed: ChangeEvent[] = [];
  second.consume(async (events) => void consumed.push(...events));
  second.start();
  const deadline = Date.now() + 5000;
  while (consumed.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(consumed.map((e) => [e.entity, e.op, e.after?.name]), [["Author", "insert", "Grace"]]);
  assert.equal(second.stats.redelivered, 1);
  assert.deepEqual(await driver.changes!.undelivered(0, 10), []);
  await second.close();
  await driver.close();
});
