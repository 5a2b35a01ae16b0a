/** VALIDATE Name(unknown: "drop") (issue 13 item 5): parser, checker, formatter, IR, emitted validator. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, formatSource, lower, parse } from "../src/index.js";

const GOOD = `VALIDATE Lenient(unknown: "drop") {
  name: string
}

VALIDATE Strict(unknown: "reject") {
  name: string
}

POST /a VALIDATE Lenient {
  RESPOND $body
}

POST /b VALIDATE Strict {
  RESPOND $body
}
`;

test("parser: options in parentheses after the shape's name", () => {
  const { program, diagnostics } = parse(GOOD, "app.kova");
  assert.deepEqual(diagnostics, []);
  const shape = program.declarations[0];
  assert.deepEqual(shape.kind === "Validate" ? shape.options.map((o) => o.key.name) : [], ["unknown"]);
});

test("checker: unknown options and values are KV2205 with did-you-mean", () => {
  assert.deepEqual(checkText(GOOD, "app.kova").diagnostics, []);
  const [name] = checkText('VALIDATE A(unknwn: "drop") {\n  x: int\n}\n', "app.kova").diagnostics;
  assert.equal(name.code, "KV2205");
  assert.equal(name.suggestion, "did you mean 'unknown'?");
  const [value] = checkText('VALIDATE A(unknown: "dorp") {\n  x: int\n}\n', "app.kova").diagnostics;
  assert.equal(value.code, "KV2205");
  assert.equal(value.suggestion, 'did you mean "drop"?');
});

test("formatter and IR: the option prints back; the shape says what happens to unknown fields", () => {
  const out = formatSource(GOOD, "app.kova");
  assert.equal(out.text, GOOD);
  const app = lower(checkText(GOOD, "app.kova").programs[0].model, { name: "app" });
  assert.deepEqual(app.shapes.map((s) => [s.name, s.unknown]), [["Lenient", "drop"], ["Strict", "reject"]]);
});
