import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, formatSource } from "@kova/compiler";
import { SCAFFOLD } from "../src/scaffold/scaffold.js";

// What `kova init` writes is what a newcomer copies from first: it must check clean and already be
// in the canonical style (so `kova fmt --check` passes on a fresh app).
test("the kova init scaffold checks clean and is canonically formatted", () => {
  const source = SCAFFOLD["app.kova"];
  assert.deepEqual(checkText(source, "app.kova").diagnostics.map((d) => `${d.code} ${d.message}`), []);
  assert.equal(formatSource(source, "app.kova").changed, false);
});

test("the scaffold's test file is canonically formatted", () => {
  assert.equal(formatSource(SCAFFOLD["app.test.kova"], "app.test.kova").changed, false);
});
