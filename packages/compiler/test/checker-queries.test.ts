/** Checker findings about queries that used to check clean and fail (or silently misbehave) at run time. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, type Diagnostic } from "../src/index.js";

function check(text: string): Diagnostic[] {
  return checkText(text, "app.kova").diagnostics;
}

const ITEM = `
ENTITY Item {
  name: text
  code: text
}
VALIDATE ItemIn {
  name: text
  tags: text?
}
`;

test("issue 10 item 6: SAVE { ...$body, id: $id } with a shape field the entity lacks is KV2002 naming the field", () => {
  const diagnostics = check(`${ITEM}
PUT /items/:id VALIDATE ItemIn {
  RESPOND SAVE { ...$body, id: $id } INTO Item
}`);
  const d = diagnostics.find((x) => x.code === "KV2002");
  assert.ok(d, JSON.stringify(diagnostics));
  assert.match(d.message, /shape ItemIn's field 'tags', which entity Item does not have/);
  assert.match(d.suggestion ?? "", /'tags'/);
  assert.equal(d.span.start.line, 12);
});

test("a spread whose fields all belong to the entity checks clean", () => {
  const diagnostics = check(`
ENTITY Item {
  name: text
}
VALIDATE ItemIn {
  name: text
}
PUT /items/:id VALIDATE ItemIn {
  RESPOND SAVE { ...$body, id: $id } INTO Item
}`);
  assert.deepEqual(diagnostics, []);
});

test("issue 10 item 7: WHERE code = code, with a variable named like the field, is KV2018 once, saying to rename the variable", () => {
  const diagnostics = check(`${ITEM}
GET /items/:code {
  code = $code
  RESPOND SELECT * FROM Item WHERE code = code
}`);
  const ambiguous = diagnostics.filter((x) => x.code === "KV2018");
  assert.equal(ambiguous.length, 1, JSON.stringify(diagnostics));
  assert.match(ambiguous[0].message, /the field Item\.code, not the variable 'code' assigned on line 12/);
  assert.match(ambiguous[0].suggestion ?? "", /rename it/);
});

test("a variable that is not also a field is used in a WHERE without complaint", () => {
  const diagnostics = check(`${ITEM}
GET /items/:code {
  wanted = $code
  RESPOND SELECT * FROM Item WHERE code = wanted
}`);
  assert.deepEqual(diagnostics, []);
});

test("issue 10 item 17: KV3010 on a member read (WHERE name = name.id) does not talk about arithmetic", () => {
  const diagnostics = check(`${ITEM}
GET /items {
  RESPOND SELECT * FROM Item WHERE name = name.id
}`);
  const d = diagnostics.find((x) => x.code === "KV3010");
  assert.ok(d, JSON.stringify(diagnostics));
  assert.doesNotMatch(d.suggestion ?? "", /arithmetic/);
  assert.match(d.suggestion ?? "", /compares the field 'name' itself/);
});

test("KV3010 on arithmetic still says to move it to the value side", () => {
  const diagnostics = check(`
ENTITY Item {
  price: int
}
GET /items {
  RESPOND SELECT * FROM Item WHERE price * 2 < 100
}`);
  const d = diagnostics.find((x) => x.code === "KV3010");
  assert.match(d?.suggestion ?? "", /move the arithmetic to the value side/);
});
