// Serialisers compiled from a query's result columns write exactly what JSON.stringify writes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rowSerializer } from "../src/index.js";

const columns = [{ name: "id" }, { name: "name" }, { name: "score" }, { name: "active" }, { name: "note" }];
const write = rowSerializer(columns)!;

test("rowSerializer: rows, lists of rows and null come out as JSON.stringify writes them", () => {
  const row = { id: 1, name: "Ada", score: 2.5, active: true, note: null };
  const samples: unknown[] = [
    row,
    [row, { ...row, id: 2, active: false, score: -0 }],
    [],
    null,
    { id: 3, name: 'quote " backslash \\ newline \n tab \t', score: 1e21, active: false, note: "é ✓ 😀" },
    { id: 4, name: "lone \ud800 surrogate", score: Number.NaN, active: true, note: "x".repeat(1000) },
    { id: 5, name: "\u0000\u001f control", score: Infinity, active: true, note: "" },
  ];
  for (const body of samples) assert.equal(write(body), JSON.stringify(body), JSON.stringify(body));
});

test("rowSerializer: a row that is not exactly the columns is written by JSON.stringify, keys and all", () => {
  const samples: unknown[] = [
    { id: 1, name: "a", score: 1, active: true }, // a column missing
    { id: 1, name: "a", score: 1, active: true, note: null, extra: "kept" }, // a key the columns do not name
    { id: 1, name: "a", score: 1, active: true, note: undefined }, // undefined: the key is left out
    { id: 1, name: "a", score: 1, active: true, note: { nested: [1, "two"] } }, // a JSON column
    { id: 1, name: "a", score: 1, active: true, note: new Date(0) }, // toJSON
    [1, "two", null, undefined, { id: 1 }], // not rows at all
    "text",
    42,
  ];
  for (const body of samples) assert.equal(write(body), JSON.stringify(body), JSON.stringify(body));
});

test("rowSerializer: a BigInt fails as JSON.stringify fails (the pipeline turns it into a 500)", () => {
  assert.throws(() => write({ id: 1n, name: "a", score: 1, active: true, note: null }), TypeError);
});

test("rowSerializer: column names that need escaping are written as JSON.stringify writes them", () => {
  const odd = rowSerializer([{ name: 'we"ird' }, { name: "back\\slash" }, { name: "${x}`" }])!;
  const row = { 'we"ird': 1, "back\\slash": "b", "${x}`": true };
  assert.equal(odd(row), JSON.stringify(row));
});

test("rowSerializer: without columns there is no serialiser (the reply falls back to JSON.stringify)", () => {
  assert.equal(rowSerializer(undefined), undefined);
  assert.equal(rowSerializer([]), undefined);
});
