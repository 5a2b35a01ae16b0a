import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDiagnostic, formatSummary } from "../src/diagnostics/format.js";
import type { Diagnostic } from "../src/diagnostics/diagnostic.js";
import { SourceFile } from "../src/scanner/source-file.js";
import { parse } from "../src/parser/parser.js";

/** A diagnostic over [start, end) of `source`, with positions computed the way the compiler does. */
function diag(source: SourceFile, start: number, end: number, extra: Partial<Diagnostic> = {}): Diagnostic {
  return { code: "KV2002", severity: "error", message: "unknown field 'nmae' on entity User", span: source.span(start, end), ...extra };
}

const line12 = "  users = SELECT * FROM User WHERE nmae = $id";
const text = "\n".repeat(11) + line12 + "\n  RESPOND users\n";
const source = new SourceFile("examples/todo/app.kova", text);
const at = text.indexOf("nmae");

test("prints header, location, code frame, carets under the span and the help line", () => {
  const out = formatDiagnostic(diag(source, at, at + 4, { suggestion: "did you mean 'name'?" }), source, { color: false });
  assert.equal(
    out,
    [
      "error[KV2002]: unknown field 'nmae' on entity User",
      "  --> examples/todo/app.kova:12:36",
      "   |",
      "12 |   users = SELECT * FROM User WHERE nmae = $id",
      "   |                                    ^^^^",
      "   = help: did you mean 'name'?",
    ].join("\n"),
  );
});

test("no colour codes unless asked; with colour, ANSI codes appear and the plain text is unchanged", () => {
  const d = diag(source, at, at + 4, { severity: "warning" });
  const plain = formatDiagnostic(d, source, { color: false });
  const colored = formatDiagnostic(d, source, { color: true });
  assert.ok(!plain.includes("\x1b["));
  assert.ok(colored.includes("\x1b[1;33mwarning[KV2002]"));
  assert.equal(colored.replace(/\x1b\[[0-9;]*m/g, ""), plain);
  assert.ok(plain.startsWith("warning[KV2002]: "));
});

test("an empty span still gets one caret, at its column", () => {
  const src = new SourceFile("a.kova", "GET /x {\n  RESPOND 1\n");
  const end = src.text.length - 1; // just after "1"
  const out = formatDiagnostic(diag(src, end, end), src, { color: false }).split("\n");
  assert.equal(out[1], " --> a.kova:2:12");
  assert.equal(out[3], "2 |   RESPOND 1");
  assert.equal(out[4], "  |            ^");
});

test("tabs are expanded so the carets stay under the text", () => {
  const src = new SourceFile("t.kova", "\tx =\tnmae\n");
  const start = src.text.indexOf("nmae");
  const out = formatDiagnostic(diag(src, start, start + 4), src, { color: false }).split("\n");
  assert.equal(out[3], "1 |     x = nmae");
  assert.equal(out[4], "  |         ^^^^");
  assert.equal(out[3].indexOf("nmae"), out[4].indexOf("^"));
});

test("a span over several lines is underlined to the end of its first line", () => {
  const src = new SourceFile("m.kova", "ENTITY User {\n  name: text\n}\n");
  const out = formatDiagnostic(diag(src, 7, src.text.length - 1), src, { color: false }).split("\n");
  assert.equal(out[3], "1 | ENTITY User {");
  assert.equal(out[4], "  |        ^^^^^^");
});

test("the gutter widens with the line number", () => {
  const src = new SourceFile("w.kova", "\n".repeat(99) + "oops\n");
  const out = formatDiagnostic(diag(src, 99, 103), src, { color: false }).split("\n");
  assert.deepEqual(out.slice(1), ["   --> w.kova:100:1", "    |", "100 | oops", "    | ^^^^"]);
});

test("formats a real parser diagnostic with its suggestion", () => {
  const result = parse("entity User {\n  name: text\n}\n", "k.kova");
  const lowercase = result.diagnostics.find((d) => d.code === "KV1105");
  assert.ok(lowercase, "the parser reports a lower-case keyword");
  const out = formatDiagnostic(lowercase, result.source, { color: false }).split("\n");
  assert.equal(out[1], " --> k.kova:1:1");
  assert.equal(out[4], "  | ^^^^^^");
  assert.match(out[5], /^ {2}= help: .*ENTITY/);
});

test("without the source text, prints the header and location only", () => {
  const out = formatDiagnostic(diag(source, at, at + 4), undefined, { color: false });
  assert.equal(out, "error[KV2002]: unknown field 'nmae' on entity User\n  --> examples/todo/app.kova:12:36");
});

test("summary counts errors and warnings with plurals", () => {
  const e = diag(source, at, at + 4);
  const w = diag(source, at, at + 4, { severity: "warning" });
  assert.equal(formatSummary([e, e, w]), "2 errors, 1 warning");
  assert.equal(formatSummary([e, w, w]), "1 error, 2 warnings");
  assert.equal(formatSummary([]), "0 errors, 0 warnings");
});
