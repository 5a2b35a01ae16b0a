/** Issue 23 item 18: a code frame shows a window around the error, not a whole (possibly huge) line. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, formatDiagnostic } from "../src/index.js";

test("a diagnostic on a 5 MB single-line file prints a short window around the error", () => {
  const filler = "x".repeat(5_000_000);
  const text = `GET /a { RESPOND 200 "${filler}" + nmae }`;
  const result = checkText(text, "big.kova");
  const d = result.diagnostics.find((x) => x.code === "KV2003");
  assert.ok(d, JSON.stringify(result.diagnostics.map((x) => x.message)));
  const out = formatDiagnostic(d, result.files[0].source, { color: false });
  assert.ok(out.length < 1000, `printed ${out.length} characters`);
  const lines = out.split("\n");
  const code = lines.find((l) => l.startsWith("1 |"))!;
  const carets = lines[lines.indexOf(code) + 1];
  // The caret still sits under the misspelt name.
  const at = carets.indexOf("^");
  assert.equal(code.slice(at, at + 4), "nmae", out);
  assert.match(code, /^1 \| …x+" \+ nmae }$/);
});

test("short lines are printed whole, as before", () => {
  const result = checkText("GET /a { RESPOND 200 nmae }", "small.kova");
  const out = formatDiagnostic(result.diagnostics[0], result.files[0].source, { color: false });
  assert.ok(out.includes("1 | GET /a { RESPOND 200 nmae }"), out);
});
