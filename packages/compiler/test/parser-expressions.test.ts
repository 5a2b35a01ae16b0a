import { test } from "node:test";
import assert from "node:assert/strict";
import { parse, type EndpointDecl, type Expression, type TemplateString } from "../src/index.js";
import { diagnosticSummary, expressionOf, sexpr } from "./support/ast-helpers.js";

/** Asserts the tree shape of each `source → expected` pair. */
function shapes(cases: Array<[string, string]>): void {
  for (const [source, expected] of cases) assert.equal(sexpr(expressionOf(source)), expected, source);
}

test("expressions: * / % bind tighter than + -, and both are left-associative", () => {
  shapes([
    ["1 + 2 * 3", "(+ 1 (* 2 3))"],
    ["1 * 2 + 3", "(+ (* 1 2) 3)"],
    ["1 - 2 - 3", "(- (- 1 2) 3)"],
    ["8 / 4 / 2", "(/ (/ 8 4) 2)"],
    ["a % b * c", "(* (% a b) c)"],
    ["(1 + 2) * 3", "(* (+ 1 2) 3)"],
  ]);
});

test("expressions: OR is lowest, then AND, then NOT, then comparisons", () => {
  shapes([
    ["a OR b AND c", "(OR a (AND b c))"],
    ["a AND b OR c", "(OR (AND a b) c)"],
    ["a OR b OR c", "(OR (OR a b) c)"],
    ["NOT a AND b", "(AND (NOT a) b)"],
    ["NOT a = b", "(NOT (== a b))"],
    ["NOT NOT a", "(NOT (NOT a))"],
    ["(a OR b) AND c", "(AND (OR a b) c)"],
    ["a = 1 AND b < 2 OR c >= 3", "(OR (AND (== a 1) (< b 2)) (>= c 3))"],
  ]);
});

test("expressions: operators are normalised (= → ==, <> → !=, && → AND, || → OR, ! → NOT)", () => {
  shapes([
    ["a = b", "(== a b)"],
    ["a == b", "(== a b)"],
    ["a <> b", "(!= a b)"],
    ["a != b", "(!= a b)"],
    ["a || b && c", "(OR a (AND b c))"],
    ["!a", "(NOT a)"],
    ["!a && !b", "(AND (NOT a) (NOT b))"],
  ]);
  const e = expressionOf("a <> b");
  assert.ok(e.kind === "Binary" && e.operator === "!=");
});

test("expressions: ?? sits between comparisons and + -", () => {
  shapes([
    ["a ?? b + c", "(?? a (+ b c))"],
    ["a + b ?? c", "(?? (+ a b) c)"],
    ["a ?? b ?? c", "(?? (?? a b) c)"],
    ["a ?? b = c", "(== (?? a b) c)"],
    ["$query.page ?? 1", "(?? (. $query page) 1)"],
  ]);
});

test("expressions: unary minus binds tighter than * and looser than postfix", () => {
  shapes([
    ["-a * b", "(* (- a) b)"],
    ["- -a", "(- (- a))"],
    ["-a.b", "(- (. a b))"],
    ["-a[0]", "(- (index a 0))"],
    ["1 - -1", "(- 1 (- 1))"],
  ]);
});

test("expressions: IN, LIKE, NOT IN, NOT LIKE, IS NULL and IS NOT NULL", () => {
  shapes([
    ["a IN [1, 2]", "(IN a [1 2])"],
    ["a LIKE \"x%\"", "(LIKE a \"x%\")"],
    ["a NOT IN [1]", "(NOT (IN a [1]))"],
    ["a NOT LIKE \"x%\"", "(NOT (LIKE a \"x%\"))"],
    ["a IS NULL", "(is-null a)"],
    ["a IS NOT NULL", "(is-not-null a)"],
    ["a IS null", "(is-null a)"],
    ["a.b IS NULL AND c", "(AND (is-null (. a b)) c)"],
    ["a + 1 IN xs", "(IN (+ a 1) xs)"],
    ["NOT a IN xs", "(NOT (IN a xs))"],
  ]);
  const e = expressionOf("a IS NOT NULL");
  assert.ok(e.kind === "IsNull" && e.negated && e.operand.kind === "Name");
});

test("expressions: comparisons do not chain (KV1101 on the second operator)", () => {
  for (const [source, column] of [["a < b < c", 13], ["a == b != c", 14], ["a IS NULL IS NULL", 17], ["a IN b = c", 14]] as const) {
    const { diagnostics } = parse(`GET /t {\n  x = ${source}\n}`);
    assert.deepEqual(diagnosticSummary(diagnostics), [`KV1101 2:${column}`], source);
    assert.match(diagnostics[0].message, /comparisons cannot be chained/);
    assert.match(diagnostics[0].suggestion ?? "", /AND/);
  }
});

test("expressions: postfix member, index and call chains read left to right", () => {
  shapes([
    ["a.b.c", "(. (. a b) c)"],
    ["a[1][2]", "(index (index a 1) 2)"],
    ["a.b[0].c", "(. (index (. a b) 0) c)"],
    ["$headers[\"x-api-key\"]", "(index $headers \"x-api-key\")"],
    ["env(\"PORT\", 3000)", "(call env \"PORT\" 3000)"],
    ["f()", "(call f)"],
    ["f(a, b,)", "(call f a b)"],
    ["f(x).y", "(. (call f x) y)"],
    ["$query.LIMIT", "(. $query LIMIT)"],
    ["row.ORDER_BY", "(. row ORDER_BY)"],
  ]);
});

test("expressions: only a plain name can be called", () => {
  const { diagnostics } = parse("GET /t {\n  x = a.b(1)\n}");
  assert.deepEqual(diagnosticSummary(diagnostics), ["KV1101 2:10"]);
  assert.match(diagnostics[0].message, /only a named function can be called/);
});

test("expressions: [ and ( on a new line start a new expression; . continues the old one", () => {
  shapes([
    ["[a\n[1]]", "[a [1]]"],
    ["[a [1]]", "[(index a 1)]"],
    ["[f\n(1)]", "[f 1]"],
    ["[f (1)]", "[(call f 1)]"],
    ["a\n  .b", "(. a b)"],
  ]);
  // `(z)` on its own line is not a call of y (and not a statement either).
  const { program, diagnostics } = parse("GET /t {\n  x = y\n  (z)\n}");
  assert.deepEqual(diagnosticSummary(diagnostics), ["KV1103 3:3"]);
  const [first] = (program.declarations[0] as EndpointDecl).body.statements;
  assert.ok(first.kind === "Assign" && first.value.kind === "Name");
});

test("expressions: literals keep value and raw text", () => {
  const cases: Array<[string, Partial<Expression>]> = [
    ["1_000", { kind: "Number", value: 1000, raw: "1_000" }],
    ["1.5", { kind: "Number", value: 1.5, raw: "1.5" }],
    ["1e3", { kind: "Number", value: 1000, raw: "1e3" }],
    ["500ms", { kind: "Duration", value: 500, raw: "500ms" }],
    ["7d", { kind: "Duration", value: 604_800_000, raw: "7d" }],
    ["true", { kind: "Boolean", value: true }],
    ["false", { kind: "Boolean", value: false }],
    ["null", { kind: "Null" }],
    ["NULL", { kind: "Null" }],
    ["$id", { kind: "Param", name: "id" }],
    ["'a {b}'", { kind: "String", value: "a {b}" }],
    ['"a\\{b}"', { kind: "String", value: "a{b}" }],
  ];
  for (const [source, expected] of cases) {
    const actual = expressionOf(source);
    const { span, ...rest } = actual;
    assert.deepEqual(rest, expected, source);
    assert.deepEqual([span.start.line, span.start.column, span.end.column], [2, 5, 5 + source.length], `span of ${source}`);
  }
});

test("expressions: objects take key: value, shorthand, quoted keys, spreads, and optional commas", () => {
  shapes([
    ["{ a: 1, b, ...$body }", "{a:1 b:b ...$body}"],
    ["{ a: 1\n  b: 2 }", "{a:1 b:2}"],
    ["{ a: 1; b: 2, }", "{a:1 b:2}"],
    ["{ \"content-type\": \"json\" }", "{content-type:\"json\"}"],
    ["{ limit: 5, ORDER_BY: 1 }", "{limit:5 ORDER_BY:1}"],
    ["{}", "{}"],
  ]);
  const e = expressionOf("{ a: 1, b }");
  assert.ok(e.kind === "Object");
  const [a, b] = e.entries;
  assert.ok(a.kind === "Property" && !a.shorthand);
  assert.ok(b.kind === "Property" && b.shorthand && b.value.kind === "Name" && b.value.name === "b");
  assert.deepEqual(b.value.span, b.key.span, "a shorthand's value points at its key");
});

test("expressions: arrays take elements and spreads, commas optional", () => {
  shapes([
    ["[1, ...xs, 2]", "[1 ...xs 2]"],
    ["[1 2 3]", "[1 2 3]"],
    ["[]", "[]"],
    ["[[1], [2, [3]]]", "[[1] [2 [3]]]"],
  ]);
});

test("expressions: a string with {…} becomes a Template whose parts have exact spans", () => {
  const source = '"user:{id} {a + 1}!"';
  const e = expressionOf(source) as TemplateString;
  assert.equal(e.kind, "Template");
  assert.equal(sexpr(e), '(template "user:" id " " (+ a 1) "!")');
  // `x = ` puts the string's quote at column 5 of line 2 (offset 9 + 4 = 13).
  const base = 13;
  const offsets = e.parts.map((p) => [p.span.start.offset - base, p.span.end.offset - base]);
  assert.deepEqual(offsets, [[1, 6], [7, 9], [10, 11], [12, 17], [18, 19]]);
  for (const [i, part] of e.parts.entries()) {
    const [from, to] = offsets[i];
    const written = source.slice(from, to);
    if (part.kind === "String") assert.equal(part.value, written);
    else assert.equal(written, ["id", "a + 1"][i === 1 ? 0 : 1]);
  }
  assert.deepEqual([e.span.start.offset - base, e.span.end.offset - base], [0, source.length]);
});

test("expressions: interpolations nest (a string inside a hole may interpolate too)", () => {
  assert.equal(sexpr(expressionOf('"a{f("b{c}")}d"')), '(template "a" (call f (template "b" c)) "d")');
  assert.equal(sexpr(expressionOf('"{x}"')), '(template "" x)');
});

test("expressions: an empty or unparsable hole is reported at the hole", () => {
  const empty = parse('GET /t {\n  x = "a{}b"\n}');
  assert.deepEqual(diagnosticSummary(empty.diagnostics), ["KV1104 2:9"]);
  assert.match(empty.diagnostics[0].message, /empty \{\} in a string/);
  const extra = parse('GET /t {\n  x = "a{b c}d"\n}');
  assert.deepEqual(diagnosticSummary(extra.diagnostics), ["KV1101 2:12"]);
  assert.match(extra.diagnostics[0].message, /to end the interpolation/);
});

test("expressions: a query can be used as a value", () => {
  const e = expressionOf("SELECT * FROM User WHERE id = $id");
  assert.equal(e.kind, "SelectQuery");
  const n = expressionOf("(SELECT * FROM User) ?? []");
  assert.ok(n.kind === "Binary" && n.left.kind === "SelectQuery");
});

test("expressions: very deep nesting is cut off with KV1107, not a stack overflow", () => {
  const deep = `GET /t {\n  x = ${"(".repeat(5000)}1${")".repeat(5000)}\n}`;
  const { diagnostics } = parse(deep);
  assert.ok(diagnostics.some((d) => d.code === "KV1107"));
  const deepNot = `GET /t {\n  x = ${"NOT ".repeat(5000)}a\n}`;
  assert.ok(parse(deepNot).diagnostics.some((d) => d.code === "KV1107"));
  const deepArray = `GET /t {\n  x = ${"[".repeat(5000)}\n}`;
  assert.ok(parse(deepArray).diagnostics.some((d) => d.code === "KV1107"));
});
