import assert from "node:assert/strict";
import { test } from "node:test";
import { diffSchemas, nextSnapshot, type EntitySchema, type FieldSchema } from "../src/index.js";

const field = (name: string, type: FieldSchema["type"], more: Partial<FieldSchema> = {}): FieldSchema => ({ name, type, optional: false, unique: false, index: false, ...more });
const item = (...fields: FieldSchema[]): EntitySchema => ({ name: "Item", table: "item", fields });

test("a removed field is kept in the snapshot; declared again it is compared with what was kept", () => {
  const s1 = nextSnapshot([], [item(field("name", "string"), field("qty", "int", { index: true }))]);
  const v2 = item(field("name", "string"));
  assert.deepEqual(diffSchemas(s1, [v2]).map((c) => c.kind), ["dropField"]);
  const s2 = nextSnapshot(s1, [v2]);
  assert.deepEqual(s2[0].kept, [field("qty", "int")], "kept without the index its removal dropped");
  const retyped = item(field("name", "string"), field("qty", "string", { optional: true }));
  assert.deepEqual(diffSchemas(s2, [retyped]), [{ kind: "alterField", entity: retyped, from: field("qty", "int"), to: retyped.fields[1], kept: true }]);
  const back = item(field("name", "string"), field("qty", "int"));
  assert.deepEqual(diffSchemas(s2, [back]).map((c) => c.kind), ["alterField"]);
  assert.equal(nextSnapshot(s2, [back])[0].kept, undefined, "declared again: no longer kept");
});

test("a removed entity stays in the snapshot; declared again it is compared with its kept tables", () => {
  const v1 = item(field("qty", "int"));
  const s2 = nextSnapshot(nextSnapshot([], [v1]), []);
  assert.deepEqual(s2, [{ ...v1, removed: true }]);
  assert.deepEqual(diffSchemas(s2, []), [], "removed once, not again");
  const retyped = item(field("qty", "string"));
  assert.deepEqual(diffSchemas(s2, [retyped]).map((c) => c.kind), ["alterField"]);
  const plain = diffSchemas(nextSnapshot([], [v1]), [])[0];
  assert.deepEqual(plain, { kind: "dropEntity", entity: v1 });
});
