import { test } from "node:test";
import assert from "node:assert/strict";
import { MongoServerError } from "mongodb";
import { QueryError } from "@kova/query";
import { commandsFor, counterCommand, ddlFor, historyDocument, historyEntryFrom, liveDocument, rowFromDocument, translateDuplicateKey } from "../src/index.js";
import { compile, insertPlan, Note, select, User } from "./helpers.js";

test("live and history document shapes: _id is the Kova id / the version", () => {
  const live = liveDocument(7, ["text", "big"], ["hi", null]);
  assert.deepEqual(live, { _id: 7, text: "hi", big: null });
  const at = Date.UTC(2024, 4, 1, 12, 0, 0, 5);
  const version = historyDocument(42, "update", at, live);
  assert.deepEqual(version, { _id: 42, version: 42, operation: "update", at: new Date(at), data: { id: 7, text: "hi", big: null } });
  const columns = compile(insertPlan("Note")).columns;
  assert.deepEqual(historyEntryFrom(version, columns), { version: 42, operation: "update", at: "2024-05-01T12:00:00.005Z", data: { id: 7, text: "hi", big: null } });
});

test("rows come back with id first, then the columns in order", () => {
  const columns = compile(select("User", { fields: ["joined", "name"] })).columns;
  const row = rowFromDocument({ name: "A", _id: 3, joined: new Date(0), email: "hidden@x.io" }, columns);
  assert.deepEqual(Object.entries(row), [["id", 3], ["joined", "1970-01-01T00:00:00.000Z"], ["name", "A"]]);
});

test("the id counter is one findOneAndUpdate $inc on _kova_counters", () => {
  assert.deepEqual(counterCommand("user"), {
    collection: "_kova_counters",
    filter: { _id: "user" },
    update: { $inc: { seq: 1 } },
    options: { upsert: true, returnDocument: "after" },
  });
});

test("duplicate key 11000 → QueryError 409 naming the field; other errors pass through", () => {
  const duplicate = new MongoServerError({ code: 11000, keyPattern: { email: 1 }, keyValue: { email: "a@x.io" }, errmsg: 'E11000 duplicate key error collection: kova.user index: user__unique_email dup key: { email: "a@x.io" }' });
  const translated = translateDuplicateKey(duplicate, User) as QueryError;
  assert.ok(translated instanceof QueryError);
  assert.deepEqual([translated.status, translated.field, translated.message], [409, "email", "a User with this email already exists"]);
  const noPattern = new MongoServerError({ code: 11000, errmsg: "E11000 duplicate key error collection: kova.user index: user__unique_email dup key" });
  assert.equal((translateDuplicateKey(noPattern, User) as QueryError).field, "email");
  const other = new MongoServerError({ code: 2, errmsg: "bad" });
  assert.equal(translateDuplicateKey(other, User), other);
});

test("migration commands: collections, unique indexes that skip nulls, plain and history indexes", () => {
  const commands = commandsFor([User, Note]);
  assert.deepEqual(commands[0], { create: "user" });
  assert.deepEqual(commands[1], {
    createIndexes: "user",
    indexes: [
      { name: "user__unique_email", key: { email: 1 }, unique: true, partialFilterExpression: { email: { $type: "string" } } },
      { name: "user__index_age", key: { age: 1 } },
    ],
  });
  assert.deepEqual(commands[2], { create: "user__history" });
  assert.deepEqual(commands[3], {
    createIndexes: "user__history",
    indexes: [
      { name: "user__history_id_at", key: { "data.id": 1, at: 1 } },
      { name: "user__history_at", key: { at: 1 } },
      { name: "user__history__index_email", key: { "data.email": 1 } },
      { name: "user__history__index_age", key: { "data.age": 1 } },
    ],
  });
  assert.deepEqual(commands.slice(4).map((c) => Object.keys(c)[0] + " " + Object.values(c)[0]), ["create note", "create note__history", "createIndexes note__history"]);
  assert.deepEqual(ddlFor([Note]).map((line) => JSON.parse(line)), commandsFor([Note]));
});
