import { test } from "node:test";
import assert from "node:assert/strict";
import { DiagnosticBag, SourceFile, scan, type Diagnostic, type Token } from "../src/index.js";

function tokenize(text: string): { tokens: Token[]; diagnostics: Diagnostic[]; source: SourceFile } {
  const source = new SourceFile("t.kova", text);
  const bag = new DiagnosticBag();
  return { tokens: scan(source, bag), diagnostics: bag.items, source };
}

/** `Kind:text` for every token but EOF. */
function shape(text: string): string[] {
  return tokenize(text).tokens.filter((t) => t.kind !== "EOF").map((t) => `${t.kind}:${t.text}`);
}

function codes(text: string): string[] {
  return tokenize(text).diagnostics.map((d) => d.code);
}

test("scanner: an endpoint header becomes method, path and punctuation tokens with exact offsets", () => {
  const { tokens, diagnostics } = tokenize("GET /users/:id {\n  RESPOND $id\n}");
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(
    tokens.map((t) => [t.kind, t.text, t.start, t.end, t.newlineBefore]),
    [
      ["Keyword", "GET", 0, 3, true],
      ["Path", "/users/:id", 4, 14, false],
      ["Punct", "{", 15, 16, false],
      ["Keyword", "RESPOND", 19, 26, true],
      ["Param", "$id", 27, 30, false],
      ["Punct", "}", 31, 32, true],
      ["EOF", "", 32, 32, true],
    ],
  );
});

test("scanner: the token stream always ends in exactly one EOF at the end of the text", () => {
  for (const text of ["", "   ", "// only a comment", "x", "\n\n"]) {
    const { tokens } = tokenize(text);
    assert.equal(tokens.at(-1)?.kind, "EOF");
    assert.equal(tokens.at(-1)?.start, text.length);
    assert.equal(tokens.filter((t) => t.kind === "EOF").length, 1);
  }
});

test("scanner: line and column are 1-based, offsets 0-based, end exclusive", () => {
  const source = new SourceFile("f.kova", "ab\ncd");
  assert.deepEqual(source.position(0), { line: 1, column: 1, offset: 0 });
  assert.deepEqual(source.position(2), { line: 1, column: 3, offset: 2 }); // the \n itself
  assert.deepEqual(source.position(3), { line: 2, column: 1, offset: 3 });
  assert.deepEqual(source.span(3, 5), { file: "f.kova", start: { line: 2, column: 1, offset: 3 }, end: { line: 2, column: 3, offset: 5 } });
});

test("scanner: CRLF and lone CR each count as one line break", () => {
  const text = "ENTITY A {\r\n  x: int\r\n}\ry";
  const { tokens, source } = tokenize(text);
  const x = tokens.find((t) => t.text === "x")!;
  assert.equal(x.newlineBefore, true);
  assert.deepEqual(source.position(x.start), { line: 2, column: 3, offset: 14 });
  const close = tokens.find((t) => t.text === "}")!;
  assert.deepEqual(source.position(close.start), { line: 3, column: 1, offset: 22 });
  const y = tokens.find((t) => t.text === "y")!;
  assert.equal(y.newlineBefore, true);
  assert.deepEqual(source.position(y.start), { line: 4, column: 1, offset: 24 });
  assert.deepEqual(source.lineStarts, [0, 12, 22, 24]);
  assert.equal(source.lineText(2), "  x: int");
});

test("scanner: offsets and columns count UTF-16 code units", () => {
  const { tokens, source } = tokenize('"😀" x');
  const x = tokens.find((t) => t.text === "x")!;
  assert.equal(x.start, 5); // quote, two surrogate halves, quote, space
  assert.equal(source.position(x.start).column, 6);
});

test("scanner: keywords are upper case and case-sensitive; other spellings are plain names", () => {
  assert.deepEqual(shape("SELECT select Select ORDER_BY order_by"), [
    "Keyword:SELECT",
    "Identifier:select",
    "Identifier:Select",
    "Keyword:ORDER_BY",
    "Identifier:order_by",
  ]);
  assert.deepEqual(shape("true false null NULL"), ["Identifier:true", "Identifier:false", "Identifier:null", "Keyword:NULL"]);
  assert.deepEqual(shape("naïve _x x1"), ["Identifier:naïve", "Identifier:_x", "Identifier:x1"]);
});

test("scanner: comments are skipped; a comment spanning lines sets newlineBefore", () => {
  assert.deepEqual(shape("a // b c\nd /* e */ f"), ["Identifier:a", "Identifier:d", "Identifier:f"]);
  const { tokens } = tokenize("a /* one\ntwo */ b /* same line */ c");
  assert.deepEqual(tokens.map((t) => t.newlineBefore).slice(0, 3), [true, true, false]);
});

test("scanner: an unterminated block comment is KV1003 at its opening", () => {
  const { diagnostics } = tokenize("a\n/* never closed\nb");
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0].code, "KV1003");
  assert.deepEqual([diagnostics[0].span.start.line, diagnostics[0].span.start.column, diagnostics[0].span.end.column], [2, 1, 3]);
});

test("scanner: a route path is one token only right after a method on the same line", () => {
  assert.deepEqual(shape("POST /a/:b/c-d.json{"), ["Keyword:POST", "Path:/a/:b/c-d.json", "Punct:{"]);
  assert.deepEqual(shape("delete /x"), ["Identifier:delete", "Path:/x"]);
  assert.deepEqual(shape("GET\n/x"), ["Keyword:GET", "Punct:/", "Identifier:x"]);
  assert.deepEqual(shape("GET // not a path"), ["Keyword:GET"]);
  assert.deepEqual(shape("a / b"), ["Identifier:a", "Punct:/", "Identifier:b"]);
});

test("scanner: punctuation is matched longest first", () => {
  assert.deepEqual(shape("...??==!=<><=>=&&||.?=<>+-*/%!"), [
    "Punct:...", "Punct:??", "Punct:==", "Punct:!=", "Punct:<>", "Punct:<=", "Punct:>=", "Punct:&&", "Punct:||",
    "Punct:.", "Punct:?", "Punct:=", "Punct:<>", "Punct:+", "Punct:-", "Punct:*", "Punct:/", "Punct:%", "Punct:!",
  ]);
});

test("scanner: numbers keep their raw text and carry their value", () => {
  const values = (text: string) => tokenize(text).tokens.filter((t) => t.kind === "Number").map((t) => [t.text, t.value]);
  assert.deepEqual(values("0 42 1_000_000 1.5 .5 1e3 2.5E-3 7e+2"), [
    ["0", 0], ["42", 42], ["1_000_000", 1_000_000], ["1.5", 1.5], [".5", 0.5], ["1e3", 1000], ["2.5E-3", 0.0025], ["7e+2", 700],
  ]);
  assert.deepEqual(codes("0 42 1_000_000 1.5 .5 1e3 2.5E-3"), []);
  // `1.` is a number followed by a dot (member access), not a malformed number.
  assert.deepEqual(shape("1.x"), ["Number:1", "Punct:.", "Identifier:x"]);
});

test("scanner: durations are a number glued to ms, s, m, h or d, valued in milliseconds", () => {
  const { tokens, diagnostics } = tokenize("500ms 30s 10m 1h 7d 1.5h 1_000ms");
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(
    tokens.filter((t) => t.kind === "Duration").map((t) => [t.text, t.value]),
    [["500ms", 500], ["30s", 30_000], ["10m", 600_000], ["1h", 3_600_000], ["7d", 604_800_000], ["1.5h", 5_400_000], ["1_000ms", 1000]],
  );
});

test("scanner: malformed numbers and unknown units are KV1005 with the literal's span", () => {
  const { diagnostics } = tokenize("1__0 2_ 5x 3y 1_.5");
  assert.deepEqual(diagnostics.map((d) => [d.code, d.span.start.column, d.span.end.column]), [
    ["KV1005", 1, 5],
    ["KV1005", 6, 8],
    ["KV1005", 9, 11],
    ["KV1005", 12, 14],
    ["KV1005", 15, 19],
  ]);
  assert.match(diagnostics[2].message, /"5x" is neither a number nor a duration/);
  assert.ok(diagnostics[2].suggestion?.includes("10m"));
});

test("scanner: plain strings are cooked: escapes resolved, one text part", () => {
  const { tokens, diagnostics } = tokenize(String.raw`"a\tb\nc\\d\"e\{f\}g\u00e9\u{1F600}\0\$"`);
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(tokens[0].parts, [{ kind: "text", value: 'a\tb\nc\\d"e{f}gé😀\0$', start: 1, end: 39 }]);
});

test("scanner: single-quoted strings do not interpolate", () => {
  const { tokens, diagnostics } = tokenize(String.raw`'a {b} \'c\''`);
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(tokens[0].parts, [{ kind: "text", value: "a {b} 'c'", start: 1, end: 12 }]);
});

test("scanner: {…} in a double-quoted string becomes an expression part with its source range", () => {
  const text = '"user:{id} is {a + {b: 1}.b}!"';
  const { tokens, diagnostics } = tokenize(text);
  assert.deepEqual(diagnostics, []);
  const parts = tokens[0].parts!;
  assert.deepEqual(parts.map((p) => p.kind), ["text", "expr", "text", "expr", "text"]);
  assert.deepEqual(parts.map((p) => text.slice(p.start, p.end)), ["user:", "id", " is ", "a + {b: 1}.b", "!"]);
  assert.equal(tokens.length, 2, "the whole string is one token");
});

test("scanner: a string that starts with a hole begins with an empty text part; adjacent holes have none between", () => {
  const parts = tokenize('"{a}{b}"').tokens[0].parts!;
  assert.deepEqual(parts, [
    { kind: "text", value: "", start: 1, end: 1 },
    { kind: "expr", start: 2, end: 3 },
    { kind: "expr", start: 5, end: 6 },
  ]);
  const empty = tokenize('""').tokens[0].parts!;
  assert.deepEqual(empty, [{ kind: "text", value: "", start: 1, end: 1 }]);
});

test("scanner: a string inside a hole may contain braces and quotes", () => {
  const text = String.raw`"x{f("}")}y"`;
  const { tokens, diagnostics } = tokenize(text);
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(tokens[0].parts!.map((p) => text.slice(p.start, p.end)), ["x", 'f("}")', "y"]);
});

test("scanner: an unterminated string stops at the line end (KV1002) and the next line scans normally", () => {
  const { tokens, diagnostics } = tokenize('x = "abc\ny = 2');
  assert.deepEqual(diagnostics.map((d) => [d.code, d.span.start.line, d.span.start.column, d.span.end.column]), [["KV1002", 1, 5, 9]]);
  assert.deepEqual(tokens.slice(3).map((t) => t.text), ["y", "=", "2", ""]);
  assert.equal(tokens[2].parts?.[0].kind === "text" && tokens[2].parts[0].value, "abc");
});

test("scanner: an unknown escape is KV1004 on the escape, keeping the character", () => {
  const { tokens, diagnostics } = tokenize(String.raw`"a\qb"`);
  assert.deepEqual(diagnostics.map((d) => [d.code, d.span.start.offset, d.span.end.offset]), [["KV1004", 2, 4]]);
  assert.ok(tokens[0].parts?.[0].kind === "text" && tokens[0].parts[0].value === "aqb");
  assert.deepEqual(codes(String.raw`"\u{110000}"`), ["KV1004"]);
});

test("scanner: an unclosed { in a string is KV1006 and the brace is kept as text", () => {
  const { tokens, diagnostics } = tokenize('"a{b"');
  assert.deepEqual(diagnostics.map((d) => [d.code, d.span.start.offset, d.span.end.offset]), [["KV1006", 2, 3]]);
  assert.ok(tokens[0].parts?.[0].kind === "text" && tokens[0].parts[0].value === "a{b");
});

test("scanner: $name is a Param token; a lone $ is KV1001", () => {
  assert.deepEqual(shape("$id $body.x $query"), ["Param:$id", "Param:$body", "Punct:.", "Identifier:x", "Param:$query"]);
  const { diagnostics } = tokenize("$ 1");
  assert.deepEqual(diagnostics.map((d) => [d.code, d.span.start.offset, d.span.end.offset]), [["KV1001", 0, 1]]);
});

test("scanner: a run of unknown characters is one KV1001, and scanning resumes after it", () => {
  const { tokens, diagnostics } = tokenize("a @#^ b ~ c");
  assert.deepEqual(diagnostics.map((d) => [d.code, d.span.start.offset, d.span.end.offset]), [
    ["KV1001", 2, 5],
    ["KV1001", 8, 9],
  ]);
  assert.match(diagnostics[0].message, /unexpected characters "@#\^"/);
  assert.deepEqual(tokens.map((t) => t.text), ["a", "b", "c", ""]);
});

test("scanner: a byte-order mark and other blanks are whitespace", () => {
  assert.deepEqual(shape("\uFEFFENTITY\tA\u000B\u000C{}"), ["Keyword:ENTITY", "Identifier:A", "Punct:{", "Punct:}"]);
});

test("scanner: scanning a range (as for an interpolation) yields tokens only inside it", () => {
  const source = new SourceFile("t", "xx a + b yy");
  const bag = new DiagnosticBag();
  const tokens = scan(source, bag, 3, 8);
  assert.deepEqual(tokens.map((t) => [t.text, t.start]), [["a", 3], ["+", 5], ["b", 7], ["", 8]]);
  assert.equal(tokens[0].newlineBefore, false, "a range that does not begin the file starts mid-line");
});
