// The kinds of public id (public-id-kinds.ts): the form each makes, order within one millisecond
// and across a clock that steps back, and the canonical forms lookups compare.
import assert from "node:assert/strict";
import { test } from "node:test";
import { canonicalPublicId, checkRich, newPublicId, nilPublicId, publicIdField } from "../src/index.js";

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test("uuid7: version 7 with the millisecond in its first 48 bits; ids of one millisecond count up", () => {
  const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  const ids = Array.from({ length: 50 }, () => newPublicId("uuid7", at));
  assert.ok(ids.every((id) => UUID7.test(id)), ids[0]);
  assert.equal(parseInt(ids[0].replace(/-/g, "").slice(0, 12), 16), at);
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, 50);
  const earlier = newPublicId("uuid7", at - 1000);
  assert.ok(earlier > ids[49], "a clock that steps back keeps counting from the last id");
  assert.ok(newPublicId("uuid7", at + 1) > earlier);
});

test("ulid: 26 Crockford characters with the millisecond first; ids of one millisecond count up", () => {
  const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  const ids = Array.from({ length: 50 }, () => newPublicId("ulid", at));
  assert.ok(ids.every((id) => checkRich({ name: "ulid" }, id).ok), ids[0]);
  const time = [...ids[0].slice(0, 10)].reduce((n, c) => n * 32 + "0123456789ABCDEFGHJKMNPQRSTVWXYZ".indexOf(c), 0);
  assert.equal(time, at);
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, 50);
  assert.ok(newPublicId("ulid", at + 1) > ids[49]);
});

test("uuid stays a random v4; canonical forms and the ids no record has", () => {
  assert.match(newPublicId("uuid"), UUID4);
  assert.equal(canonicalPublicId("uuid7", "0190F3C1-AAAA-7BBB-8CCC-DDDDEEEEFFFF"), "0190f3c1-aaaa-7bbb-8ccc-ddddeeeeffff");
  assert.equal(canonicalPublicId("ulid", "01arz3ndektsv4rrffq69g5fav"), "01ARZ3NDEKTSV4RRFFQ69G5FAV");
  assert.equal(canonicalPublicId("ulid", "0190f3c1-aaaa-7bbb-8ccc-ddddeeeeffff"), undefined);
  assert.equal(canonicalPublicId("uuid", "01ARZ3NDEKTSV4RRFFQ69G5FAV"), undefined);
  assert.equal(canonicalPublicId("uuid", 7), undefined);
  assert.deepEqual([nilPublicId("uuid7"), nilPublicId("ulid")], ["00000000-0000-0000-0000-000000000000", "00000000000000000000000000"]);
  assert.deepEqual([publicIdField("uuid7").type, publicIdField("ulid").type, publicIdField("ulid").rich], ["uuid", "string", { name: "ulid" }]);
});
