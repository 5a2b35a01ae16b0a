// History control (@kova/query history-control.ts) in the documents MongoDB stores.
import { test } from "node:test";
import assert from "node:assert/strict";
import { historyControlEntities, history } from "@kova/query/testing";
import { compileMongo, historyDocument } from "../src/index.js";

test("SECRET: a version document leaves the field out; HISTORY lists the other fields", () => {
  const version = historyDocument(3, "insert", 0, { _id: 1, user: "ada", token: "t" }, ["token"]);
  assert.deepEqual(version.data, { id: 1, user: "ada" });
  const compiled = compileMongo(history("Login"), historyControlEntities);
  assert.deepEqual(compiled.columns.map((c) => c.name), ["id", "user"]);
});
