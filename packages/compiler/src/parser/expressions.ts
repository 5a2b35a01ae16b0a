import type {
  HttpMethod,
  RequestExpr,
  AggregateExpr,
  AggregateFunction,
  ArrayExpr,
  BinaryOperator,
  ComprehensionExpr,
  Expression,
  HasExpr,
  Identifier,
  ObjectExpr,
  Property,
  Span,
  SpreadElement,
  FieldRemoval,
  StringLiteral,
  TemplateString,
} from "../ast/nodes.js";
import { scan } from "../scanner/scanner.js";
import { HTTP_METHODS, type Token } from "../scanner/tokens.js";
import { Cursor, MAX_DEPTH } from "./cursor.js";
import { startsDeclaration } from "./declarations.js";
import { isQueryStart, parseQuery } from "./queries.js";
import { reportMisspeltQueryKeyword } from "./misspelt.js";

/** Keywords that can only start a statement: an unclosed object literal ends before them. */
const STATEMENT_STARTS: ReadonlySet<string> = new Set(["RESPOND", "ERROR", "IF", "BROADCAST", "FOR", "RETURN"]);

/**
 * Operator precedence, lowest first (documented in docs/language.md):
 *   OR ||  ·  AND &&  ·  NOT !  ·  = == != <> < <= > >= IN LIKE IS [NOT] NULL  ·  ??  ·  + -  ·  * / %
 *   ·  unary -  ·  .name [index] call(…)
 */
export function parseExpression(c: Cursor): Expression {
  if (!c.enter()) return skipTooDeep(c);
  try {
    return parseConditional(c);
  } finally {
    c.leave();
  }
}

function skipTooDeep(c: Cursor): Expression {
  const start = c.token.start;
  // Skip the rest of the runaway nesting so the caller can recover at a sane token.
  while (!c.atEnd && !(c.token.newlineBefore && c.token.start > start)) c.advance();
  return { kind: "Missing", span: c.spanFrom(start) };
}

/**
 * Loops build left-nested trees (a + b + c …), one level per operator. Counting those levels
 * against the same limit as recursion keeps every later pass (checker, printer) off the stack limit.
 */
function chainTooLong(c: Cursor, links: number): boolean {
  if (c.depth + links < MAX_DEPTH) return false;
  c.error("NestingTooDeep", c.tokenSpan(c.token), `an expression chained deeper than ${MAX_DEPTH} levels`, {
    suggestion: "split the expression into named steps",
  });
  while (!c.atEnd && !c.token.newlineBefore) c.advance();
  return true;
}

function binary(c: Cursor, start: number, operator: BinaryOperator, left: Expression, right: Expression): Expression {
  return { kind: "Binary", span: c.spanFrom(start), operator, left, right };
}

/** `test ? then : otherwise`, the loosest form; the `?` must be on the test's line. Right-associative. */
function parseConditional(c: Cursor): Expression {
  const start = c.token.start;
  const test = parseOr(c);
  if (!c.isPunct("?") || c.token.newlineBefore) return test;
  c.advance();
  const then = parseExpression(c);
  if (!c.matchPunct(":")) {
    c.error("ExpectedFunctionPart", c.tokenSpan(c.token), "expected ':' and the value for when the test is false", {
      suggestion: "write test ? value_if_true : value_if_false",
    });
    return { kind: "Conditional", span: c.spanFrom(start), test, then, otherwise: { kind: "Missing", span: c.emptySpanHere() } };
  }
  const otherwise = parseExpression(c);
  return { kind: "Conditional", span: c.spanFrom(start), test, then, otherwise };
}

function parseOr(c: Cursor): Expression {
  const start = c.token.start;
  let left = parseAnd(c);
  for (let links = 1; c.matchOperatorWord("OR") || c.matchPunct("||"); links++) {
    if (chainTooLong(c, links)) break;
    left = binary(c, start, "OR", left, parseAnd(c));
  }
  return left;
}

function parseAnd(c: Cursor): Expression {
  const start = c.token.start;
  let left = parseNot(c);
  for (let links = 1; c.matchOperatorWord("AND") || c.matchPunct("&&"); links++) {
    if (chainTooLong(c, links)) break;
    left = binary(c, start, "AND", left, parseNot(c));
  }
  return left;
}

function parseNot(c: Cursor): Expression {
  const start = c.token.start;
  if (c.matchKeyword("NOT", false) || c.matchPunct("!")) {
    if (!c.enter()) return skipTooDeep(c);
    try {
      const operand = parseNot(c);
      return { kind: "Unary", span: c.spanFrom(start), operator: "NOT", operand };
    } finally {
      c.leave();
    }
  }
  return parseComparison(c);
}

const COMPARISON: Record<string, BinaryOperator> = {
  "=": "==", "==": "==", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
};

function parseComparison(c: Cursor): Expression {
  const start = c.token.start;
  const left = parseCoalesce(c);
  let result = parseComparisonTail(c, start, left);
  while (result !== left && (comparisonOperator(c) !== undefined || c.isKeyword("IS"))) {
    c.error("Expected", c.tokenSpan(c.token), "comparisons cannot be chained", {
      suggestion: "join the comparisons with AND, as in a < b AND b < c",
    });
    // Read the rest anyway, so one mistake gives one diagnostic.
    const before = c.mark;
    result = parseComparisonTail(c, start, result);
    if (c.mark === before) break;
  }
  return result;
}

function comparisonOperator(c: Cursor): BinaryOperator | undefined {
  const t = c.token;
  if (t.kind === "Punct") return COMPARISON[t.text];
  if (t.kind === "Keyword" && (t.text === "IN" || t.text === "LIKE")) return t.text;
  for (const word of ["IN", "LIKE"] as const) {
    if (c.isMiscasedKeyword(word) && !t.newlineBefore && !c.nextShowsName() && c.peek().kind !== "EOF") return word;
  }
  return undefined;
}

function parseComparisonTail(c: Cursor, start: number, left: Expression): Expression {
  if (c.matchOperatorWord("IS")) {
    const negated = c.matchKeyword("NOT", false);
    if (!c.matchKeyword("NULL", false) && !(c.token.kind === "Identifier" && c.token.text === "null" && c.advance())) {
      c.errorExpected("NULL after IS");
    }
    return { kind: "IsNull", span: c.spanFrom(start), operand: left, negated };
  }
  if (c.isKeyword("BETWEEN") || (c.isKeyword("NOT") && c.isKeyword("BETWEEN", c.peek()))) return parseBetween(c, start, left);
  // `a NOT IN list` and `a NOT LIKE pattern` read as NOT (a IN list).
  if (c.isKeyword("NOT") && (c.isKeyword("IN", c.peek()) || c.isKeyword("LIKE", c.peek()))) {
    c.advance();
    const operator = c.advance().text as BinaryOperator;
    const inner = binary(c, start, operator, left, parseCoalesce(c));
    return { kind: "Unary", span: c.spanFrom(start), operator: "NOT", operand: inner };
  }
  const operator = comparisonOperator(c);
  if (operator === undefined) return left;
  if (c.token.kind === "Identifier") c.reportMiscased(operator);
  c.advance();
  return binary(c, start, operator, left, parseCoalesce(c));
}

/** `x [NOT] BETWEEN low AND high`: the bounds are read above AND, so the AND is the range's own. */
function parseBetween(c: Cursor, start: number, operand: Expression): Expression {
  const negated = c.matchKeyword("NOT", false);
  c.advance();
  const low = parseCoalesce(c);
  if (!c.matchOperatorWord("AND")) {
    c.error("ExpectedFunctionPart", c.tokenSpan(c.token), "expected AND and the upper bound of BETWEEN", { suggestion: "write x BETWEEN low AND high" });
    return { kind: "Between", span: c.spanFrom(start), operand, low, high: { kind: "Missing", span: c.emptySpanHere() }, negated };
  }
  const high = parseCoalesce(c);
  return { kind: "Between", span: c.spanFrom(start), operand, low, high, negated };
}

function parseCoalesce(c: Cursor): Expression {
  const start = c.token.start;
  let left = parseAdditive(c);
  for (let links = 1; c.matchPunct("??"); links++) {
    if (chainTooLong(c, links)) break;
    left = binary(c, start, "??", left, parseAdditive(c));
  }
  return left;
}

function parseAdditive(c: Cursor): Expression {
  const start = c.token.start;
  let left = parseMultiplicative(c);
  for (let links = 1; ; links++) {
    if ((c.isPunct("+") || c.isPunct("-")) && chainTooLong(c, links)) return left;
    if (c.matchPunct("+")) left = binary(c, start, "+", left, parseMultiplicative(c));
    else if (c.matchPunct("-")) left = binary(c, start, "-", left, parseMultiplicative(c));
    else return left;
  }
}

function parseMultiplicative(c: Cursor): Expression {
  const start = c.token.start;
  let left = parseUnary(c);
  for (let links = 1; ; links++) {
    const t = c.token;
    if (t.kind !== "Punct" || (t.text !== "*" && t.text !== "/" && t.text !== "%")) return left;
    if (chainTooLong(c, links)) return left;
    c.advance();
    left = binary(c, start, t.text as BinaryOperator, left, parseUnary(c));
  }
}

function parseUnary(c: Cursor): Expression {
  const start = c.token.start;
  // SPAWN and AWAIT bind as tightly as unary minus: `AWAIT a + AWAIT b` adds two results.
  if (c.isKeyword("SPAWN") || c.isKeyword("AWAIT")) {
    const keyword = c.advance().text;
    if (!c.enter()) return skipTooDeep(c);
    try {
      const operand = parseUnary(c);
      return keyword === "SPAWN" ? { kind: "Spawn", span: c.spanFrom(start), call: operand } : { kind: "Await", span: c.spanFrom(start), task: operand };
    } finally {
      c.leave();
    }
  }
  if (c.matchPunct("-")) {
    if (!c.enter()) return skipTooDeep(c);
    try {
      const operand = parseUnary(c);
      return { kind: "Unary", span: c.spanFrom(start), operator: "-", operand };
    } finally {
      c.leave();
    }
  }
  return parsePostfix(c);
}

/** Member access, indexing and calls. `[` and `(` must be on the operand's line, as in Go. */
function parsePostfix(c: Cursor): Expression {
  const start = c.token.start;
  let expr = parsePrimary(c);
  for (let links = 1; ; links++) {
    if ((c.isPunct(".") || c.isPunct("[") || c.isPunct("(")) && links > 1 && chainTooLong(c, links)) return expr;
    if (c.isPunct(".") || isOptionalDot(c)) {
      const optional = c.isPunct("?");
      if (optional) c.advance();
      c.advance();
      const property = parsePropertyName(c);
      expr = { kind: "Member", span: c.spanFrom(start), object: expr, property, optional };
    } else if (c.isPunct("[") && !c.token.newlineBefore) {
      c.advance();
      const index = parseExpression(c);
      c.expectPunct("]", "to close the index");
      expr = { kind: "Index", span: c.spanFrom(start), object: expr, index };
    } else if (c.isPunct("(") && !c.token.newlineBefore) {
      const openToken = c.token;
      const callee: Identifier =
        expr.kind === "Name"
          ? { kind: "Identifier", span: expr.span, name: expr.name }
          : { kind: "Identifier", span: expr.span, name: "" };
      if (expr.kind !== "Name") {
        c.error("Expected", c.tokenSpan(openToken), "only a named function can be called", {
          suggestion: "call a built-in such as env(…) or a function you IMPORT",
        });
      }
      c.advance();
      const args = parseArguments(c, openToken);
      if (callee.name === "has") expr = hasExpression(c, args, c.spanFrom(start)) ?? { kind: "Call", span: c.spanFrom(start), callee, args };
      else expr = { kind: "Call", span: c.spanFrom(start), callee, args };
    } else {
      return expr;
    }
  }
}

/** `?.` written together (the scanner gives `?` and `.`); `a ? .5 : 1` stays a conditional. */
function isOptionalDot(c: Cursor): boolean {
  const next = c.peek();
  return c.isPunct("?") && next.kind === "Punct" && next.text === "." && next.start === c.token.end;
}

/** After `.`: any word, keywords included (`$query.limit`, `row.ORDER`). */
function parsePropertyName(c: Cursor): Identifier {
  const t = c.token;
  if ((t.kind === "Identifier" || t.kind === "Keyword") && !t.newlineBefore) {
    c.advance();
    return { kind: "Identifier", span: c.tokenSpan(t), name: t.text };
  }
  c.errorExpected("a property name after '.'");
  return { kind: "Identifier", span: c.emptySpanHere(), name: "" };
}

/** Arguments after an already-consumed `(`, through the closing `)`. */
export function parseArguments(c: Cursor, open: Token): Expression[] {
  const args: Expression[] = [];
  while (!c.isPunct(")") && !c.atEnd) {
    const before = c.mark;
    args.push(parseExpression(c));
    if (!c.matchPunct(",") && !c.isPunct(")")) {
      c.errorExpected("',' or ')' in the argument list");
      if (c.mark === before) break;
    }
  }
  closeBracket(c, open, ")");
  return args;
}

/** Consumes the closing bracket, or reports the unclosed opening one (KV1106). */
export function closeBracket(c: Cursor, open: Token, close: string): void {
  if (c.matchPunct(close)) return;
  c.error("UnclosedBlock", c.tokenSpan(open), `this '${open.text}' is never closed`, {
    suggestion: `add '${close}'`,
  });
}

const AGGREGATE_FUNCTIONS: ReadonlySet<string> = new Set(["COUNT", "SUM", "AVG", "MIN", "MAX"]);

/** `COUNT(*)`, `SUM(price)`, `COUNT(DISTINCT author)` (the cursor is on the function's name). */
function parseAggregate(c: Cursor): AggregateExpr {
  const start = c.token.start;
  const fn = c.advance().text as AggregateFunction;
  const open = c.advance();
  const distinct = c.matchKeyword("DISTINCT", false);
  let field: Identifier | null = null;
  if (fn === "COUNT" && !distinct && c.matchPunct("*")) field = null;
  else field = c.expectIdentifier(fn === "COUNT" ? "a field name or * in COUNT(…)" : `a field name in ${fn}(…)`);
  closeBracket(c, open, ")");
  return { kind: "Aggregate", span: c.spanFrom(start), function: fn, field, distinct };
}

function parsePrimary(c: Cursor): Expression {
  const t = c.token;
  const span = c.tokenSpan(t);
  switch (t.kind) {
    case "Number":
      c.advance();
      return { kind: "Number", span, value: t.value ?? 0, raw: t.text };
    case "Duration":
      c.advance();
      return { kind: "Duration", span, value: t.value ?? 0, raw: t.text };
    case "String":
      c.advance();
      return stringExpression(c, t);
    case "Param":
      c.advance();
      return { kind: "Param", span, name: t.text.slice(1) };
    case "Identifier":
      if (t.text === "true" || t.text === "false") {
        c.advance();
        return { kind: "Boolean", span, value: t.text === "true" };
      }
      if (t.text === "null") {
        c.advance();
        return { kind: "Null", span };
      }
      if (isQueryStart(c)) return parseQuery(c);
      if (reportMisspeltQueryKeyword(c)) return { kind: "Missing", span: c.spanFrom(t.start) };
      c.advance();
      return { kind: "Name", span, name: t.text };
    case "Keyword":
      if (startsRequest(c)) return parseRequest(c);
      if (t.text === "NULL") {
        c.advance();
        return { kind: "Null", span };
      }
      if (AGGREGATE_FUNCTIONS.has(t.text) && c.isPunct("(", c.peek())) return parseAggregate(c);
      if (isQueryStart(c)) return parseQuery(c);
      if (t.text === "EXISTS") return parseExists(c);
      break;
    case "Punct":
      if (t.text === "(") {
        c.advance();
        const inner = parseExpression(c);
        closeBracket(c, t, ")");
        return inner;
      }
      if (t.text === "{") return parseObject(c);
      if (t.text === "[") return parseArray(c);
      break;
    default:
      break;
  }
  c.error("ExpectedExpression", span, `expected an expression, found ${t.kind === "EOF" ? "the end of the file" : `'${t.text}'`}`);
  return { kind: "Missing", span: c.emptySpanHere() };
}

/** `POST /todos …` or `GET "/todos/{id}"`: a method keyword with a path right after it (in a TEST). */
export function startsRequest(c: Cursor): boolean {
  const t = c.token;
  if (t.kind !== "Keyword" || !HTTP_METHODS.has(t.text)) return false;
  const next = c.peek();
  return next.kind === "Path" || (next.kind === "String" && !next.newlineBefore && c.source.text.charAt(next.start + 1) === "/");
}

/** After the method: the path, then on the same line an optional body and `HEADERS { … }`. */
function parseRequest(c: Cursor): RequestExpr {
  const start = c.token.start;
  const method = c.advance().text as HttpMethod;
  const p = c.advance();
  const path: StringLiteral | TemplateString = p.kind === "Path" ? { kind: "String", span: c.tokenSpan(p), value: p.text } : stringExpression(c, p);
  let body: Expression | null = null;
  let headers: Expression | null = null;
  // A body starts on the same line with a value: an object, a list, a string, a number or a name.
  const next = c.token;
  const startsBody = c.isPunct("{") || c.isPunct("[") || next.kind === "String" || next.kind === "Number" || next.kind === "Param" || (next.kind === "Identifier" && !c.isMiscasedKeyword("HEADERS"));
  if (!next.newlineBefore && startsBody) body = parseExpression(c);
  if (!c.token.newlineBefore && c.matchKeyword("HEADERS")) headers = parseExpression(c);
  return { kind: "Request", span: c.spanFrom(start), method, path, body, headers };
}

/** A double-quoted string with `{…}` holes becomes a Template; each hole is parsed as an expression. */
function stringExpression(c: Cursor, t: Token): StringLiteral | TemplateString {
  const parts = t.parts ?? [];
  const span = c.tokenSpan(t);
  if (parts.length === 1 && parts[0].kind === "text") return { kind: "String", span, value: parts[0].value };
  const nodes: TemplateString["parts"] = [];
  for (const part of parts) {
    if (part.kind === "text") {
      nodes.push({ kind: "String", span: c.source.span(part.start, part.end), value: part.value });
      continue;
    }
    const tokens = scan(c.source, c.diagnostics, part.start, part.end);
    const inner = new Cursor(c.source, tokens, c.diagnostics);
    inner.depth = c.depth;
    if (inner.atEnd) {
      c.error("ExpectedExpression", c.source.span(part.start - 1, part.end + 1), "empty {} in a string", {
        suggestion: "put an expression between the braces, or write \\{ for a literal brace",
      });
      nodes.push({ kind: "Missing", span: c.source.span(part.start, part.end) });
      continue;
    }
    nodes.push(parseExpression(inner));
    if (!inner.atEnd) inner.errorExpected("'}' to end the interpolation");
  }
  return { kind: "Template", span, parts: nodes };
}

/** Separators between entries are optional: a comma, a semicolon or just a line break. */
export function skipSeparator(c: Cursor): boolean {
  return c.matchPunct(",") || c.matchPunct(";");
}

/**
 * After one line of a braced block (an entity's fields, a read model's columns): when it reported
 * an error (more than `errors`) or consumed nothing since `before`, skip the rest of the line, so
 * the next line parses on its own and one mistake is reported once.
 */
export function recoverToNextLine(c: Cursor, errors: number, before: number): void {
  if (c.errorCount === errors && c.mark !== before) return;
  if (c.mark === before) c.advance();
  while (!c.atEnd && !c.isPunct("}") && !c.token.newlineBefore) c.advance();
}

function parseObject(c: Cursor): ObjectExpr {
  const open = c.advance();
  const entries: ObjectExpr["entries"] = [];
  if (!c.enter()) {
    skipTooDeep(c);
    return { kind: "Object", span: c.spanFrom(open.start), entries };
  }
  try {
    while (!c.isPunct("}") && !c.atEnd) {
      if (c.token.newlineBefore && (startsDeclaration(c) || (c.token.kind === "Keyword" && STATEMENT_STARTS.has(c.token.text)))) break;
      const before = c.mark;
      if (c.isPunct("...")) entries.push(parseSpread(c));
      else if (c.isPunct("-") && c.peek().kind === "Identifier") entries.push(parseRemoval(c));
      else entries.push(parseProperty(c));
      skipSeparator(c);
      if (c.mark === before) {
        c.errorExpected("a property such as name: value");
        c.advance();
      }
    }
    closeBracket(c, open, "}");
  } finally {
    c.leave();
  }
  return { kind: "Object", span: c.spanFrom(open.start), entries };
}

/** `-password` in an object: remove that field from what the entries before it made. */
function parseRemoval(c: Cursor): FieldRemoval {
  const start = c.advance().start;
  const name = c.expectIdentifier("the field to remove after -");
  return { kind: "Removal", span: c.spanFrom(start), name };
}

function parseSpread(c: Cursor): SpreadElement {
  const start = c.advance().start;
  const argument = parseExpression(c);
  return { kind: "Spread", span: c.spanFrom(start), argument };
}

/** `key: value`, `"quoted key": value`, or the shorthand `key`. */
export function parseProperty(c: Cursor): Property {
  const t = c.token;
  const start = t.start;
  let key: Identifier;
  if (t.kind === "Identifier" || t.kind === "Keyword") {
    c.advance();
    key = { kind: "Identifier", span: c.tokenSpan(t), name: t.text };
  } else if (t.kind === "String" && t.parts?.length === 1 && t.parts[0].kind === "text") {
    c.advance();
    key = { kind: "Identifier", span: c.tokenSpan(t), name: t.parts[0].value };
  } else {
    c.errorExpected("a property name");
    return { kind: "Property", span: c.emptySpanHere(), key: { kind: "Identifier", span: c.emptySpanHere(), name: "" }, value: { kind: "Missing", span: c.emptySpanHere() }, shorthand: true };
  }
  if (!c.matchPunct(":")) {
    if (t.kind !== "Identifier") c.errorExpected(`':' after the property name`);
    return { kind: "Property", span: c.spanFrom(start), key, value: { kind: "Name", span: key.span, name: key.name }, shorthand: true };
  }
  const value = parseExpression(c);
  return { kind: "Property", span: c.spanFrom(start), key, value, shorthand: false };
}

function parseArray(c: Cursor): ArrayExpr | ComprehensionExpr {
  const open = c.advance();
  const elements: ArrayExpr["elements"] = [];
  if (!c.enter()) {
    skipTooDeep(c);
    return { kind: "Array", span: c.spanFrom(open.start), elements };
  }
  try {
    while (!c.isPunct("]") && !c.atEnd) {
      const before = c.mark;
      elements.push(c.isPunct("...") ? parseSpread(c) : parseExpression(c));
      if (elements.length === 1 && elements[0].kind !== "Spread" && c.isKeyword("FOR")) return parseComprehension(c, open, elements[0]);
      skipSeparator(c);
      if (c.mark === before) c.advance();
    }
    closeBracket(c, open, "]");
  } finally {
    c.leave();
  }
  return { kind: "Array", span: c.spanFrom(open.start), elements };
}

/** After `[element`: `FOR name IN list [IF condition] ]`. The caller has entered the nesting level. */
function parseComprehension(c: Cursor, open: Token, element: Expression): ComprehensionExpr {
  c.advance();
  const variable = c.expectIdentifier("a name for each item after FOR, as in [a.title FOR a IN articles]");
  if (!c.matchOperatorWord("IN")) c.error("ExpectedFunctionPart", c.tokenSpan(c.token), "expected IN and the list after FOR name", { suggestion: "write [item.name FOR item IN list]" });
  const list = parseExpression(c);
  const condition = c.matchKeyword("IF") ? parseExpression(c) : null;
  closeBracket(c, open, "]");
  return { kind: "Comprehension", span: c.spanFrom(open.start), element, variable, list, condition };
}

/** `EXISTS comments` or `EXISTS comments(approved = true)`: a related row (matching the condition) exists. */
function parseExists(c: Cursor): Expression {
  const start = c.token.start;
  c.advance();
  const relation = c.expectIdentifier("a relation name after EXISTS, as in EXISTS comments(approved = true)");
  let condition: Expression | null = null;
  if (c.isPunct("(") && !c.token.newlineBefore) {
    const open = c.advance();
    condition = parseExpression(c);
    closeBracket(c, open, ")");
  }
  return { kind: "Exists", span: c.spanFrom(start), relation, condition };
}

/**
 * `has(x.field)` is its own node, not a call: a call would receive the field's value, and absent and
 * null are the same value. Anything but one field read is reported (and kept as a call for tools).
 */
function hasExpression(c: Cursor, args: Expression[], span: Span): HasExpr | null {
  const target = args[0];
  if (args.length === 1 && (target.kind === "Member" || target.kind === "Index")) return { kind: "Has", span, target };
  c.error("InvalidHas", args.length === 1 ? target.span : span, "has(…) takes one field read, as in has($body.bio)", {
    suggestion: "name the object and the field: has($body.bio) is true when the body holds the key bio (even as null)",
  });
  return null;
}
