import { test } from "node:test";
import assert from "node:assert/strict";
import type { FieldSchema } from "@kova/query";
import { decodeValue, encodeFieldValue, encodeSlotValue, likeToRegex } from "../src/index.js";

const field = (type: FieldSchema["type"], extra: Partial<FieldSchema> = {}): FieldSchema => ({ name: "x", type, optional: true, unique: false, index: false, ...extra });

/** What MongoDB's PCRE does with `$regex` + `$options: "s"`, for patterns whose syntax PCRE and JS share. */
const matches = (pattern: string, text: string) => new RegExp(likeToRegex(pattern), "s").test(text);

test("LIKE → anchored regex: % and _ are wildcards, every regex metacharacter is literal", () => {
  assert.equal(likeToRegex("a%b_c"), "^a.*b.c(?![\\s\\S])");
  assert.equal(likeToRegex(".*+?^${}()|[]\\\\/-"), "^\\.\\*\\+\\?\\^\\$\\{\\}\\(\\)\\|\\[\\]\\\\\\/\\-(?![\\s\\S])");
  assert.equal(likeToRegex("100\\%_"), "^100%.(?![\\s\\S])", "a backslash makes the next character literal");
  assert.ok(matches("Al%", "Alice"));
  assert.ok(!matches("Al%", "alice"), "case-sensitive, as Kova's LIKE");
  assert.ok(!matches("Al%", "xAlice"), "anchored at the start");
  assert.ok(!matches("%ice", "Alice\n"), "anchored at the very end (not before a final newline, as $ would be)");
  assert.ok(matches("a_c", "a\nc"), "_ matches a newline too");
  assert.ok(matches("%", ""));
  assert.ok(matches("a.c", "a.c") && !matches("a.c", "abc"), "a dot is literal");
  assert.ok(matches("(x)[y]{2}|z", "(x)[y]{2}|z") && !matches("(x)[y]{2}|z", "z"));
  assert.ok(matches("100$", "100$") && matches("C:\\\\dir\\\\%", "C:\\dir\\file"));
  assert.ok(!matches(".*", "anything"), "a pattern of metacharacters matches only itself");
});

test("writes are checked against the field type (400 naming the field) and stored in BSON form", () => {
  assert.equal(encodeFieldValue(field("uuid"), "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  assert.deepEqual(encodeFieldValue(field("datetime"), "2024-03-01T10:00:00+05:30"), new Date("2024-03-01T04:30:00.000Z"));
  assert.deepEqual(encodeFieldValue(field("datetime"), 1700000000123), new Date(1700000000123));
  assert.equal(encodeFieldValue(field("date"), "2024-02-29"), "2024-02-29");
  assert.equal(encodeFieldValue(field("decimal"), "12.50"), 12.5);
  assert.equal(encodeFieldValue(field("int"), -9007199254740991), -9007199254740991);
  assert.equal(encodeFieldValue(field("json"), { $gt: "", "a.b": [1] }), '{"$gt":"","a.b":[1]}', "json is text: no $-keys reach the document");
  assert.equal(encodeFieldValue(field("boolean"), false), false);
  for (const [type, value] of [["int", 1.5], ["int", 9007199254740992], ["date", "2023-02-29"], ["datetime", "tomorrow"], ["boolean", "true"], ["uuid", "nope"], ["float", Infinity], ["string", 5]] as const) {
    assert.throws(() => encodeFieldValue(field(type), value), { name: "QueryError", status: 400, field: "x" }, `${type} ${String(value)}`);
  }
  assert.throws(() => encodeFieldValue(field("string", { enumValues: ["a"] }), "b"), /must be one of "a"/);
});

test("reads decode BSON back to Kova's JS types", () => {
  assert.equal(decodeValue("datetime", new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6))), "2024-01-02T03:04:05.006Z");
  assert.deepEqual(decodeValue("json", '{"a":[1,null]}'), { a: [1, null] });
  assert.equal(decodeValue("int", undefined), null, "a field missing from a document reads as null");
  assert.equal(decodeValue("boolean", true), true);
});

test("slot values are encoded for the field they are compared with", () => {
  assert.equal(encodeSlotValue({ kind: "scalar", type: "id" }, "12"), 12);
  assert.equal(encodeSlotValue({ kind: "scalar", type: "id" }, "12abc"), "12abc", "not a number: matches no id, never an error");
  assert.deepEqual(encodeSlotValue({ kind: "asOf" }, "1700000000000"), new Date(1700000000000));
  assert.deepEqual(encodeSlotValue({ kind: "asOf" }, "2024-01-01T00:00:00Z"), new Date("2024-01-01T00:00:00Z"));
  assert.throws(() => encodeSlotValue({ kind: "asOf" }, { $gt: "" }), { status: 400 });
  assert.deepEqual(encodeSlotValue({ kind: "list", type: "uuid" }, ["A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", null]), ["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"]);
  assert.deepEqual(encodeSlotValue({ kind: "scalar", type: "string" }, { $ne: null }), { $ne: null }, "an object stays an object value (it sits under $eq)");
  assert.equal(encodeSlotValue({ kind: "like" }, null), "(?!)", "a null pattern matches nothing");
});

test("a list field is stored as a native array (element match in filters), read back as is", () => {
  const tags = { name: "tags", type: "json" as const, items: "string" as const, optional: true, unique: false, index: false };
  assert.deepEqual(encodeFieldValue(tags, ["b", "a"]), ["b", "a"]);
  assert.equal(encodeFieldValue(tags, null), null);
  assert.deepEqual(decodeValue("json", ["b", "a"]), ["b", "a"]);
  assert.throws(() => encodeFieldValue(tags, ["a", 1]), /tags\[1\]/);
  // Other json stays JSON text (its keys may start with $).
  const { items: _items, ...plain } = tags;
  assert.equal(encodeFieldValue(plain, { $x: 1 }), '{"$x":1}');
});
