/** The shared write checks for list fields and json fields with a declared shape (every driver applies them). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkFieldValue, jsonTypeAt, QueryError, type FieldSchema, type JsonType } from "../src/index.js";

const tags: FieldSchema = { name: "tags", type: "json", items: "string", optional: false, unique: false, index: false };
const scores: FieldSchema = { name: "scores", type: "json", items: "int", optional: true, unique: false, index: false };
const shape: JsonType = {
  kind: "object",
  fields: [
    { name: "kind", type: { kind: "string", enumValues: ["a", "b"] }, optional: false },
    { name: "size", type: { kind: "object", fields: [{ name: "w", type: { kind: "int" }, optional: false }] }, optional: true },
    { name: "list", type: { kind: "list", items: { kind: "float" } }, optional: true },
    { name: "free", type: { kind: "any" }, optional: true },
  ],
};
const spec: FieldSchema = { name: "spec", type: "json", shape, optional: true, unique: false, index: false };

function rejects(field: FieldSchema, value: unknown, named: string, message: RegExp): void {
  assert.throws(
    () => checkFieldValue(field, value),
    (e: unknown) => e instanceof QueryError && e.status === 400 && e.field === named && message.test(e.message),
    `${JSON.stringify(value)} should be refused naming ${named}`,
  );
}

test("a list is JSON text of its checked elements, order and duplicates kept", () => {
  assert.equal(checkFieldValue(tags, ["b", "a", "b"]), '["b","a","b"]');
  assert.equal(checkFieldValue(tags, []), "[]");
  assert.equal(checkFieldValue(scores, [3, -1]), "[3,-1]");
  assert.equal(checkFieldValue(scores, null), null);
});

test("a bad list or element is a 400 naming it", () => {
  rejects(tags, "a,b", "tags", /must be a list \(a list of strings\)/);
  rejects(tags, ["a", 7], "tags[1]", /must be a string, got 7/);
  rejects(scores, [1, null], "scores[1]", /must be an integer, got null/);
  rejects(scores, [1.5], "scores[0]", /must be an integer/);
});

test("a shaped json value: types, enum values, required and undeclared keys, list elements", () => {
  assert.equal(checkFieldValue(spec, { kind: "a", size: { w: 3 }, list: [1.5, 2], free: { any: ["thing"] } }), '{"kind":"a","size":{"w":3},"list":[1.5,2],"free":{"any":["thing"]}}');
  rejects(spec, { kind: "c" }, "spec.kind", /one of "a", "b"/);
  rejects(spec, { kind: "a", size: { w: "3" } }, "spec.size.w", /must be an integer/);
  rejects(spec, { size: { w: 1 } }, "spec.kind", /is required/);
  rejects(spec, { kind: "a", colour: "red" }, "spec.colour", /is not part of spec \(it has: kind, size, list, free\)/);
  rejects(spec, { kind: "a", list: [1, "x"] }, "spec.list[1]", /must be a finite number/);
  rejects(spec, [1], "spec", /must be an object/);
});

test("jsonTypeAt follows a path through objects only", () => {
  assert.deepEqual(jsonTypeAt(shape, ["size", "w"]), { kind: "int" });
  assert.equal(jsonTypeAt(shape, ["size", "h"]), undefined);
  assert.equal(jsonTypeAt(shape, ["free", "x"]), undefined);
  assert.equal(jsonTypeAt(undefined, ["x"]), undefined);
});
