/**
 * Generic helpers over the JSON AST, used by several test files. They treat the tree as plain
 * JSON (any object with a string `kind` and a `span` is a node), exactly as an outside tool
 * reading `kova ast` output would, so they also catch fields that nodes.ts does not declare.
 */
import assert from "node:assert/strict";
import type { AssignStmt, EndpointDecl, Expression, Position, Program, Span, Statement } from "../../src/ast/nodes.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { parse } from "../../src/parser/parser.js";
import { SourceFile } from "../../src/scanner/source-file.js";

export interface JsonNode {
  kind: string;
  span: Span;
  [field: string]: unknown;
}

export function isNode(value: unknown): value is JsonNode {
  return typeof value === "object" && value !== null && typeof (value as JsonNode).kind === "string" && "span" in value;
}

/** The nodes directly below `node`, in field order (arrays flattened). */
export function childNodes(node: JsonNode): JsonNode[] {
  const out: JsonNode[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === "span") continue;
    if (isNode(value)) out.push(value);
    else if (Array.isArray(value)) for (const item of value) if (isNode(item)) out.push(item);
  }
  return out;
}

/** Visits every node depth-first, parents before children. */
export function forEachNode(root: JsonNode, visit: (node: JsonNode, parent: JsonNode | null) => void): void {
  const stack: Array<[JsonNode, JsonNode | null]> = [[root, null]];
  while (stack.length > 0) {
    const [node, parent] = stack.pop()!;
    visit(node, parent);
    const children = childNodes(node);
    for (let i = children.length - 1; i >= 0; i--) stack.push([children[i], node]);
  }
}

export function kindsIn(root: JsonNode): Set<string> {
  const kinds = new Set<string>();
  forEachNode(root, (node) => kinds.add(node.kind));
  return kinds;
}

const within = (inner: Span, outer: Span) =>
  inner.start.offset >= outer.start.offset && inner.end.offset <= outer.end.offset;

function describe(node: JsonNode): string {
  const s = node.span;
  return `${node.kind}@${s.start.line}:${s.start.column}-${s.end.line}:${s.end.column} [${s.start.offset},${s.end.offset})`;
}

/**
 * Span invariants a tool relies on: start ≤ end, line/column agree with the offset (checked
 * against the text), every child (and the Import's sourceSpan) lies inside its parent.
 * Returns one line per violation; an empty list means the tree is sound.
 */
export function spanProblems(root: JsonNode, text: string): string[] {
  const source = new SourceFile(root.span.file, text);
  const problems: string[] = [];
  const samePosition = (a: Position, b: Position) => a.line === b.line && a.column === b.column && a.offset === b.offset;
  const checkSpan = (owner: JsonNode, span: Span, label: string) => {
    if (span.start.offset > span.end.offset) problems.push(`${label} of ${describe(owner)} ends before it starts`);
    if (span.end.offset > text.length) problems.push(`${label} of ${describe(owner)} ends past the text (${text.length})`);
    if (!samePosition(span.start, source.position(span.start.offset)) || !samePosition(span.end, source.position(span.end.offset))) {
      problems.push(`${label} of ${describe(owner)} has line/column that disagree with its offsets`);
    }
  };
  forEachNode(root, (node, parent) => {
    checkSpan(node, node.span, "span");
    if (parent !== null && !within(node.span, parent.span)) problems.push(`${describe(node)} lies outside its parent ${describe(parent)}`);
    const sourceSpan = node.sourceSpan as Span | undefined;
    if (sourceSpan !== undefined) {
      checkSpan(node, sourceSpan, "sourceSpan");
      if (!within(sourceSpan, node.span)) problems.push(`sourceSpan of ${describe(node)} lies outside the node`);
    }
  });
  return problems;
}

/**
 * A compact, readable rendering of an expression's tree shape, for precedence tests:
 * `1 + 2 * 3` → `(+ 1 (* 2 3))`, `a.b[0]` → `(index (. a b) 0)`, `f(x)` → `(call f x)`.
 */
export function sexpr(e: Expression | { kind: "Spread"; argument: Expression } | { kind: "Property"; key: { name: string }; value: Expression } | { kind: "Removal"; name: { name: string } }): string {
  switch (e.kind) {
    case "Number":
    case "Duration":
      return e.raw;
    case "String":
      return JSON.stringify(e.value);
    case "Template":
      return `(template ${e.parts.map((p) => sexpr(p)).join(" ")})`;
    case "Boolean":
      return String(e.value);
    case "Null":
      return "null";
    case "Name":
      return e.name;
    case "Param":
      return `$${e.name}`;
    case "Missing":
      return "?";
    case "Object":
      return `{${e.entries.map((p) => sexpr(p)).join(" ")}}`;
    case "Property":
      return `${e.key.name}:${sexpr(e.value)}`;
    case "Spread":
      return `...${sexpr(e.argument)}`;
    case "Removal":
      return `-${e.name.name}`;
    case "Array":
      return `[${e.elements.map((x) => sexpr(x)).join(" ")}]`;
    case "Member":
      return `(. ${sexpr(e.object)} ${e.property.name})`;
    case "Index":
      return `(index ${sexpr(e.object)} ${sexpr(e.index)})`;
    case "Call":
      return `(call ${e.callee.name}${e.args.map((a) => ` ${sexpr(a)}`).join("")})`;
    case "Unary":
      return `(${e.operator} ${sexpr(e.operand)})`;
    case "Binary":
      return `(${e.operator} ${sexpr(e.left)} ${sexpr(e.right)})`;
    case "IsNull":
      return `(${e.negated ? "is-not-null" : "is-null"} ${sexpr(e.operand)})`;
    default:
      return `<${e.kind}>`;
  }
}

/** `code line:column` for each diagnostic, the compact form assertions compare. */
export function diagnosticSummary(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column}`);
}

/** Parses text that must be valid: fails the test with the diagnostics (or span problems) otherwise. */
export function parseClean(text: string, file = "test.kova"): Program {
  const result = parse(text, file);
  assert.deepEqual(result.diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column} ${d.message}`), [], `diagnostics for:\n${text}`);
  assert.deepEqual(spanProblems(result.program as unknown as JsonNode, text), [], `span problems for:\n${text}`);
  return result.program;
}

/** The statements of a one-endpoint program whose body is `body` (starting on line 2). */
export function statementsOf(body: string): Statement[] {
  const program = parseClean(`GET /t {\n${body}\n}`);
  const endpoint = program.declarations[0] as EndpointDecl;
  return endpoint.body.statements;
}

/** Parses `x = <source>` inside an endpoint (line 2, column 5) and returns the assigned expression. */
export function expressionOf(source: string): Expression {
  const [statement] = statementsOf(`x = ${source}`);
  assert.equal(statement.kind, "Assign");
  return (statement as AssignStmt).value;
}
