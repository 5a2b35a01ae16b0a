// DEFAULT uuid() and DEFAULT slug(title) (issue 13 item 4) in the compiler: good and bad programs
// with their diagnostics, the schema the IR carries, and the formatter.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, formatSource, lower, type Diagnostic } from "../src/index.js";

function check(text: string): Diagnostic[] {
  return checkText(text, "/app/app.kova", { readFile: () => undefined }).diagnostics;
}

const GOOD = `ENTITY Article {
  title: text
  slug: text UNIQUE DEFAULT slug(title)
  ref: uuid DEFAULT uuid()
  code: text DEFAULT uuid()
}

POST /articles {
  RESPOND 201 INSERT INTO Article { title: "Hello" }
}
`;

test("checker: uuid() and slug(field) are accepted DEFAULTs; an INSERT may leave those fields out", () => {
  assert.deepEqual(check(GOOD), []);
});

test("IR: the schema carries the computed default (no constant default)", () => {
  const result = checkText(GOOD, "/app/app.kova", { readFile: () => undefined });
  const app = lower(result.programs[0].model, { name: "app" });
  const fields = app.entities[0].fields;
  assert.deepEqual(fields.map((f) => [f.name, f.computed ?? null, f.default ?? null]), [
    ["title", null, null],
    ["slug", { slug: "title" }, null],
    ["ref", { uuid: true }, null],
    ["code", { uuid: true }, null],
  ]);
});

test("checker: a wrong computed default names what is wrong, with did-you-mean for the field", () => {
  const bad = check(`ENTITY A {\n  title: text\n  n: int\n  s: text DEFAULT slug(titel)\n  u: int DEFAULT uuid()\n  v: text DEFAULT slug(n)\n  w: text DEFAULT slug("x")\n  x: text DEFAULT uuid(1)\n  y: text DEFAULT lower("A")\n}\n`);
  assert.deepEqual(bad.map((d) => d.code), ["KV2002", "KV3002", "KV3002", "KV3132", "KV3007", "KV3002"]);
  assert.equal(bad[0].suggestion, "did you mean 'title'?");
  assert.match(bad[1].message, /uuid\(\) is text, but 'u' is int/);
  assert.match(bad[2].message, /slug\(\) makes text from text: 'n' is int/);
  assert.match(bad[5].message, /a DEFAULT must be a constant, now\(\), uuid\(\) or slug\(field\)/);
});

test("formatter: computed defaults print as written", () => {
  const out = formatSource("ENTITY A {\n  t : text\n  s: text   DEFAULT   slug( t )\n  u: uuid DEFAULT uuid( )\n}\n", "app.kova");
  assert.equal(out.text, "ENTITY A {\n  t: text\n  s: text DEFAULT slug(t)\n  u: uuid DEFAULT uuid()\n}\n");
});
