/**
 * SAVE on MongoDB (issue 23, item 8): no server runs here, so the runner is driven against a small
 * in-memory stand-in for the few collection calls a save makes (findOneAndUpdate by _id with $set or
 * $inc/upsert, findOne, insertOne). What it shows is the runner's decision: replace every field of
 * the document with that id, a 404 writing nothing for an id no document has, an insert without one.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Db } from "mongodb";
import { EntitySchemas } from "@kova/query";
import { rejectsWith } from "@kova/query/testing";
import { MongoRunner } from "../src/mongo-runner.js";
import { compile, savePlan, User, Note } from "./helpers.js";

type Doc = Record<string, unknown>;

/** Collections keyed by _id; only filters of the form { _id } are needed by a save. */
function fakeDb() {
  const collections = new Map<string, Map<unknown, Doc>>();
  const of = (name: string) => {
    let c = collections.get(name);
    if (c === undefined) collections.set(name, (c = new Map()));
    return c;
  };
  const idOf = (filter: Doc) => {
    assert.deepEqual(Object.keys(filter), ["_id"], "a save touches one document by _id");
    return filter._id;
  };
  const db = {
    collection(name: string) {
      const docs = of(name);
      return {
        async findOne(filter: Doc) {
          const doc = docs.get(idOf(filter));
          return doc === undefined ? null : structuredClone(doc);
        },
        async insertOne(doc: Doc) {
          assert.ok(!docs.has(doc._id), `duplicate _id ${String(doc._id)} in ${name}`);
          docs.set(doc._id, structuredClone(doc));
          return { acknowledged: true, insertedId: doc._id };
        },
        async findOneAndUpdate(filter: Doc, update: Doc, options: { upsert?: boolean } = {}) {
          const id = idOf(filter);
          let doc = docs.get(id);
          if (doc === undefined) {
            if (options.upsert !== true) return null;
            doc = { _id: id };
            docs.set(id, doc);
          }
          for (const [k, v] of Object.entries((update.$inc ?? {}) as Record<string, number>)) doc[k] = ((doc[k] as number | undefined) ?? 0) + v;
          for (const [k, v] of Object.entries((update.$set ?? {}) as Doc)) doc[k] = structuredClone(v);
          return structuredClone(doc);
        },
      };
    },
  };
  return { db: db as unknown as Db, docs: of };
}

function runner() {
  const { db, docs } = fakeDb();
  const schemas = new EntitySchemas("db");
  schemas.remember([User, Note]);
  const r = new MongoRunner(db, schemas);
  const save = compile(savePlan("User"));
  return { docs, run: (value: unknown) => r.write(save, [value], undefined) as Promise<any> };
}

test("SAVE with the id of a document replaces it: omitted optional fields null, defaults applied, one update version", async () => {
  const { docs, run } = runner();
  const created = await run({ name: "Ada", email: "ada@x.io", age: 36, active: false, role: "admin" });
  assert.equal(created.id, 1);
  await assert.rejects(run({ id: 1, name: "Ada" }), rejectsWith(400, "email", /missing required field "email" for User/));
  assert.equal(docs("user").get(1)!.age, 36, "a refused replacement writes nothing");
  const replaced = await run({ id: 1, name: "Ada L.", email: "ada@x.io" });
  assert.deepEqual(
    [replaced.id, replaced.name, replaced.age, replaced.active, replaced.role],
    [1, "Ada L.", null, true, null],
  );
  const stored = docs("user").get(1)!;
  assert.deepEqual([stored.name, stored.age, stored.active, stored.role], ["Ada L.", null, true, null], "stored as returned");
  assert.deepEqual([...docs("user__history").values()].map((v) => v.operation), ["insert", "update"]);
});

test("SAVE with an id no document has is a 404 and writes nothing; without an id it inserts", async () => {
  const { docs, run } = runner();
  await run({ name: "Ada", email: "ada@x.io" });
  const historyBefore = docs("user__history").size;
  await assert.rejects(run({ id: 2, name: "Bob", email: "bob@x.io" }), rejectsWith(404, "id", /no User with id 2 to replace/));
  assert.deepEqual([...docs("user").keys()], [1], "no document created");
  assert.equal(docs("user__history").size, historyBefore, "no version recorded");
  await assert.rejects(run({ id: "two", name: "Bob", email: "bob@x.io" }), rejectsWith(400, "id", /integer/));
  const inserted = await run({ name: "Bob", email: "bob@x.io" });
  assert.equal(inserted.id, 2, "the next id: the refused save used none up");
});
