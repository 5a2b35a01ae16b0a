import assert from "node:assert/strict";
import { test } from "node:test";
import { asOfMs, checkFieldValue, diffSchemas, QueryError, type EntitySchema, type FieldSchema } from "../src/index.js";

const field = (name: string, type: FieldSchema["type"], extra: Partial<FieldSchema> = {}): FieldSchema => ({
  name, type, optional: false, unique: false, index: false, ...extra,
});

// These checks are shared by every driver: one place decides what a value to be stored must be.
test("write values: each type accepts its values in one standard form", () => {
  assert.equal(checkFieldValue(field("n", "int"), 9007199254740991), 9007199254740991);
  assert.equal(checkFieldValue(field("u", "uuid"), "0F8FAD5B-D9CB-469F-A165-70867728950E"), "0f8fad5b-d9cb-469f-a165-70867728950e");
  assert.equal(checkFieldValue(field("t", "datetime"), "2026-01-01T10:00:00+02:00"), "2026-01-01T08:00:00.000Z");
  assert.equal(checkFieldValue(field("t", "datetime"), 0), "1970-01-01T00:00:00.000Z");
  assert.equal(checkFieldValue(field("d", "date"), "2024-02-29"), "2024-02-29");
  assert.equal(checkFieldValue(field("j", "json"), { a: [1, 2] }), '{"a":[1,2]}');
  assert.equal(checkFieldValue(field("s", "string"), null), null);
});

test("write values: a wrong value is a 400 naming the field and what it must be", () => {
  const rejects = (f: FieldSchema, value: unknown, pattern: RegExp) =>
    assert.throws(() => checkFieldValue(f, value), (e: unknown) => e instanceof QueryError && e.status === 400 && e.field === f.name && pattern.test(e.message));
  rejects(field("qty", "int"), 1.5, /qty.*integer/);
  rejects(field("qty", "int"), 9007199254740993, /between/);
  rejects(field("qty", "int"), "3", /integer/);
  rejects(field("day", "date"), "2023-02-29", /date/);
  rejects(field("at", "datetime"), "yesterday", /ISO-8601/);
  rejects(field("role", "string", { enumValues: ["admin", "member"] }), "root", /one of "admin", "member"/);
  rejects(field("ok", "boolean"), "true", /true or false/);
  rejects(field("price", "float"), Number.NaN, /finite/);
});

test("AS OF: ISO text and epoch milliseconds (also as digits) name an instant; anything else is a 400", () => {
  assert.equal(asOfMs("2026-01-01T00:00:00Z"), Date.UTC(2026, 0, 1));
  assert.equal(asOfMs(1767225600000), 1767225600000);
  assert.equal(asOfMs("1767225600000"), 1767225600000);
  assert.throws(() => asOfMs("last tuesday"), (e: unknown) => e instanceof QueryError && e.status === 400);
  assert.throws(() => asOfMs({}), (e: unknown) => e instanceof QueryError && e.status === 400);
});

test("schema diff: new entities and fields, changed and removed fields, removed entities", () => {
  const book: EntitySchema = { name: "Book", table: "book", fields: [field("title", "string"), field("isbn", "string", { unique: true })] };
  const shelf: EntitySchema = { name: "Shelf", table: "shelf", fields: [field("label", "string")] };
  assert.deepEqual(diffSchemas([], [book]).map((c) => c.kind), ["createEntity"]);
  assert.deepEqual(diffSchemas([book], [book]), []);
  const changed: EntitySchema = { ...book, fields: [field("title", "string", { index: true }), field("pages", "int", { optional: true })] };
  assert.deepEqual(
    diffSchemas([book, shelf], [changed]).map((c) => `${c.kind}:${"field" in c ? c.field.name : "to" in c ? c.to.name : c.entity.name}`),
    ["alterField:title", "addField:pages", "dropField:isbn", "dropEntity:Shelf"],
  );
});
