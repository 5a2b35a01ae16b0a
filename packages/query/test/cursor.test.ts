import assert from "node:assert/strict";
import { test } from "node:test";
import { cursorKey, decodeCursor, encodeCursor, QueryError } from "../src/index.js";

test("cursor: keys round-trip; none is the first page", () => {
  const cursor = encodeCursor([9, "ab/c", true, 42]);
  assert.match(cursor, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{10}$/);
  assert.deepEqual(decodeCursor(cursor, 4, "cursor"), [9, "ab/c", true, 42]);
  assert.equal(cursorKey(cursor, 1, 4, "cursor"), "ab/c");
  for (const none of [undefined, null, ""]) assert.equal(decodeCursor(none, 2, "cursor"), null);
  assert.equal(cursorKey(undefined, 0, 2, "cursor"), null);
});

test("cursor: an edited, cut, made-up or mismatched cursor is a 400 naming the parameter", () => {
  const cursor = encodeCursor([5, 17]);
  const edited = (cursor[0] === "W" ? "X" : "W") + cursor.slice(1);
  for (const bad of [edited, cursor.slice(0, -1), "abc", `${cursor}.x`, 12, { a: 1 }]) {
    assert.throws(() => decodeCursor(bad, 2, "after"), (e: unknown) => e instanceof QueryError && e.status === 400 && e.field === "after" && /after is not a cursor/.test(e.message), String(bad));
  }
  assert.throws(() => decodeCursor(cursor, 3, "cursor"), /does not hold 3 keys/);
  assert.throws(() => decodeCursor(encodeCursor([null, 1]), 2, "cursor"), /does not hold 2 keys/);
});
