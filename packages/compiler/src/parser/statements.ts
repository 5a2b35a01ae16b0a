import type { Block, Expression, IfStmt, NumberLiteral, ObjectExpr, RoomRef, Statement } from "../ast/nodes.js";
import type { Cursor } from "./cursor.js";
import { startsDeclaration } from "./declarations.js";
import { closeBracket, parseExpression, skipSeparator, startsRequest } from "./expressions.js";
import { reportStatementWord } from "./misspelt.js";
import { isQueryStart, parseCondition } from "./queries.js";
import { parseEnqueue } from "./tasks.js";

/** Keywords that begin a statement (used for "did you mean" on lower-case spellings and for recovery). */
const STATEMENT_KEYWORDS = ["RESPOND", "REDIRECT", "ERROR", "IF", "BROADCAST", "FOR", "RETURN", "ENQUEUE", "JOIN", "LEAVE", "SEND", "STREAM", "EMIT"];

/**
 * `{ statements }`. When a declaration keyword appears at the start of a line inside the block,
 * the closing brace was most likely forgotten: report that and end the block there, so the rest
 * of the file still parses as declarations (what an editor needs from half-typed code).
 */
export function parseBlock(c: Cursor, context: string): Block {
  const start = c.token.start;
  const open = c.token;
  if (!c.matchPunct("{")) {
    c.errorExpected(`'{' to start ${context}`);
    return { kind: "Block", span: c.emptySpanHere(), statements: [] };
  }
  const statements: Statement[] = [];
  if (!c.enter()) return { kind: "Block", span: c.spanFrom(start), statements };
  try {
    while (!c.isPunct("}") && !c.atEnd) {
      if (c.token.newlineBefore && startsDeclaration(c) && !(c.inTest && startsRequest(c))) {
        c.error("UnclosedBlock", c.tokenSpan(open), `this '{' of ${context} is never closed`, { suggestion: "add '}' before the next declaration" });
        return { kind: "Block", span: c.spanFrom(start), statements };
      }
      const before = c.mark;
      const errorsBefore = c.errorCount;
      const statement = parseStatement(c);
      if (statement !== null) statements.push(statement);
      skipSeparator(c);
      if (c.errorCount > errorsBefore || c.mark === before) synchronize(c, before);
    }
    if (!c.matchPunct("}")) {
      c.error("UnclosedBlock", c.tokenSpan(open), `this '{' of ${context} is never closed`, { suggestion: "add '}' at the end of the block" });
    }
  } finally {
    c.leave();
  }
  return { kind: "Block", span: c.spanFrom(start), statements };
}

/** Skips to the next plausible statement start: a new line, a `}` or the end. Always makes progress. */
function synchronize(c: Cursor, before: number): void {
  if (c.mark === before && !c.atEnd && !c.isPunct("}")) c.advance();
  while (!c.atEnd && !c.isPunct("}") && !c.token.newlineBefore) c.advance();
}

export function parseStatement(c: Cursor): Statement | null {
  const t = c.token;
  const start = t.start;

  if (t.kind === "Identifier" && c.isPunct("=", c.peek())) {
    c.advance();
    c.advance();
    const value = parseExpression(c);
    return { kind: "Assign", span: c.spanFrom(start), target: { kind: "Identifier", span: c.tokenSpan(t), name: t.text }, value };
  }
  if (c.matchKeyword("RESPOND")) return parseRespond(c, start);
  if (c.matchKeyword("REDIRECT")) return parseRedirect(c, start);
  if (c.matchKeyword("ERROR")) {
    const status = parseStatus(c, "after ERROR");
    const detail = startsValueOnLine(c) ? parseExpression(c) : null;
    return { kind: "Error", span: c.spanFrom(start), status: status ?? missingStatus(c), detail };
  }
  if (c.matchKeyword("IF")) return parseIf(c, start);
  // Lower-case `for` / `return` go to reportStatementWord below, whose help says what Kova writes.
  if (c.matchKeyword("FOR", false)) {
    const variable = c.expectIdentifier("a name for each item after FOR, as in FOR post IN posts { … }");
    if (!c.matchOperatorWord("IN")) c.error("ExpectedFunctionPart", c.tokenSpan(c.token), "expected IN and the list after FOR name", { suggestion: "write FOR item IN list { … }" });
    const list = parseExpression(c);
    const body = parseBlock(c, "the FOR body");
    return { kind: "For", span: c.spanFrom(start), variable, list, body };
  }
  if (c.matchKeyword("RETURN", false)) {
    const value = startsValueOnLine(c) ? parseExpression(c) : null;
    return { kind: "Return", span: c.spanFrom(start), value };
  }
  if (c.matchKeyword("ENQUEUE")) return parseEnqueue(c, start);
  if (c.matchKeyword("EMIT")) {
    const event = c.expectIdentifier("the EVENT to emit, as in EMIT order_shipped { order: order.id }");
    let payload: Expression;
    if (startsValueOnLine(c)) payload = parseExpression(c);
    else {
      c.errorExpected(`'{' and the event's payload, as in EMIT ${event.name || "order_shipped"} { order: order.id }`);
      payload = { kind: "Missing", span: c.emptySpanHere() };
    }
    return { kind: "Emit", span: c.spanFrom(start), event, payload };
  }
  if (c.matchKeyword("EXPECT")) {
    const condition = parseExpression(c);
    return { kind: "Expect", span: c.spanFrom(start), condition };
  }
  if (startsRequest(c)) return { kind: "ExpressionStatement", span: c.spanFrom(start), expression: parseExpression(c) };
  // `AWAIT t` on its own line waits for a task; a SPAWN on its own is read too, so the checker can say its task is never awaited (KV2914).
  if (c.isKeyword("AWAIT") || c.isKeyword("SPAWN")) {
    const expression = parseExpression(c);
    return { kind: "ExpressionStatement", span: c.spanFrom(start), expression };
  }
  if (c.matchKeyword("BROADCAST")) {
    const room = c.matchKeyword("TO") ? parseRoomRef(c, "BROADCAST TO") : null;
    const value = parseExpression(c);
    return { kind: "Broadcast", span: c.spanFrom(start), room, value };
  }
  // (The room is parsed before the span is taken: the statement's span ends after it.)
  if (c.matchKeyword("JOIN")) {
    const room = parseRoomRef(c, "JOIN");
    return { kind: "Join", span: c.spanFrom(start), room };
  }
  if (c.matchKeyword("LEAVE")) {
    const room = parseRoomRef(c, "LEAVE");
    return { kind: "Leave", span: c.spanFrom(start), room };
  }
  if (c.matchKeyword("STREAM")) {
    if (c.matchKeyword("LIVE")) {
      const live = parseExpression(c);
      return { kind: "Stream", span: c.spanFrom(start), room: null, live };
    }
    const room = parseRoomRef(c, "STREAM");
    return { kind: "Stream", span: c.spanFrom(start), room, live: null };
  }
  if (c.matchKeyword("SEND")) {
    const value = parseExpression(c);
    return { kind: "Send", span: c.spanFrom(start), value };
  }
  const word = reportStatementWord(c);
  if (word === "skipped") return null;
  if (word === "assignment") return parseStatement(c);
  if (word === "respond") return parseRespond(c, c.token.start);
  if (isQueryStart(c) || t.kind === "Identifier" || t.kind === "Param") {
    const expression = parseExpression(c);
    if (expression.kind === "Call" || expression.kind.endsWith("Query") || expression.kind === "Missing") {
      return { kind: "ExpressionStatement", span: c.spanFrom(start), expression };
    }
    // A value on its own does nothing: most likely a typo'd keyword (`ORDER BY`, `respond x`).
    const upper = t.text.toUpperCase();
    const keyword = [...STATEMENT_KEYWORDS, "SELECT", "INSERT", "UPDATE", "DELETE", "SAVE", "HISTORY", "RESTORE"].find((k) => k === upper);
    const orderBy = upper === "ORDER" && c.source.text.slice(t.end).trimStart().toUpperCase().startsWith("BY");
    c.error("ExpectedStatement", expression.span, `a value on its own is not a statement`, {
      suggestion: orderBy ? "write ORDER_BY (one word), as in SELECT * FROM Book ORDER_BY title"
        : keyword ? `write ${keyword}` : "assign it (x = …), RESPOND it, or call a function",
    });
    return null;
  }
  const keyword = STATEMENT_KEYWORDS.find((k) => c.isMiscasedKeyword(k));
  c.error("ExpectedStatement", c.tokenSpan(t), `expected a statement, found ${t.kind === "EOF" ? "the end of the file" : `'${t.text}'`}`, {
    suggestion: keyword
      ? `write ${keyword}`
      : "a statement is an assignment (x = …), RESPOND, ERROR, IF, or a query such as SELECT / INSERT / UPDATE / DELETE / SAVE",
  });
  return null;
}

/** The value of RESPOND or ERROR must start on the keyword's line (as `return` in JavaScript). */
function startsValueOnLine(c: Cursor): boolean {
  const t = c.token;
  if (t.newlineBefore || t.kind === "EOF") return false;
  if (t.kind === "Punct") return ["{", "[", "(", "-", "!"].includes(t.text);
  if (t.kind === "Keyword") return ["SELECT", "INSERT", "UPDATE", "DELETE", "SAVE", "HISTORY", "RESTORE", "NOT", "NULL", "SPAWN", "AWAIT"].includes(t.text);
  return true;
}

function parseStatus(c: Cursor, context: string): NumberLiteral | null {
  const t = c.token;
  if (t.kind !== "Number" || t.newlineBefore) {
    c.errorExpected(`an HTTP status such as 404 ${context}`);
    return null;
  }
  c.advance();
  return { kind: "Number", span: c.tokenSpan(t), value: t.value ?? 0, raw: t.text };
}

function missingStatus(c: Cursor): NumberLiteral {
  return { kind: "Number", span: c.emptySpanHere(), value: 500, raw: "" };
}

/** `RESPOND [status] [value] [HEADERS {…}] [COOKIES {…}]`: a whole number right after RESPOND is the status. */
function parseRespond(c: Cursor, start: number): Statement {
  let status: NumberLiteral | null = null;
  if (c.token.kind === "Number" && !c.token.newlineBefore && Number.isInteger(c.token.value)) {
    status = parseStatus(c, "after RESPOND");
  }
  let value: Expression | null = null;
  if (startsValueOnLine(c) && !c.isKeyword("HEADERS")) value = parseExpression(c);
  let headers: ObjectExpr | null = null;
  let cookies: ObjectExpr | null = null;
  // HEADERS and COOKIES in either order, each once.
  for (;;) {
    if (headers === null && c.matchKeyword("HEADERS")) headers = parseObjectAfter(c, "HEADERS", 'HEADERS { location: "/users/1" }');
    else if (cookies === null && c.matchKeyword("COOKIES")) cookies = parseObjectAfter(c, "COOKIES", 'COOKIES { theme: "dark" }');
    else break;
  }
  return { kind: "Respond", span: c.spanFrom(start), status, value, headers, cookies };
}

/** `REDIRECT [status] location [COOKIES {…}]`; the location starts on REDIRECT's line. */
function parseRedirect(c: Cursor, start: number): Statement {
  let status: NumberLiteral | null = null;
  if (c.token.kind === "Number" && !c.token.newlineBefore && Number.isInteger(c.token.value)) status = parseStatus(c, "after REDIRECT");
  let location: Expression;
  if (startsValueOnLine(c) && !c.isKeyword("COOKIES")) location = parseExpression(c);
  else {
    c.errorExpected('the address to redirect to, on REDIRECT\'s line, as in REDIRECT 303 "/posts"');
    location = { kind: "Missing", span: c.emptySpanHere() };
  }
  const cookies = c.matchKeyword("COOKIES") ? parseObjectAfter(c, "COOKIES", 'COOKIES { theme: "dark" }') : null;
  return { kind: "Redirect", span: c.spanFrom(start), status, location, cookies };
}

/** The `{ … }` after HEADERS or COOKIES; anything else is reported and dropped. */
function parseObjectAfter(c: Cursor, keyword: string, example: string): ObjectExpr | null {
  const value = parseExpression(c);
  if (value.kind === "Object") return value;
  c.error("Expected", value.span, `${keyword} takes an object, as in ${example}`);
  return null;
}

function parseIf(c: Cursor, start: number): IfStmt {
  const condition = parseCondition(c);
  const then = parseBlock(c, "the IF branch");
  let otherwise: IfStmt["else"] = null;
  const elseToken = c.token;
  if (c.matchKeyword("ELSE")) {
    if (c.isKeyword("IF") || c.isMiscasedKeyword("IF")) {
      const ifStart = c.token.start;
      c.matchKeyword("IF");
      otherwise = parseIf(c, ifStart);
    } else {
      otherwise = parseBlock(c, `the ELSE branch (line ${c.source.position(elseToken.start).line})`);
    }
  }
  return { kind: "If", span: c.spanFrom(start), condition, then, else: otherwise };
}

/** `lobby` or `room(key)` after JOIN, LEAVE, STREAM or BROADCAST TO. */
function parseRoomRef(c: Cursor, after: string): RoomRef {
  const start = c.token.start;
  const name = c.expectIdentifier(`a room after ${after}, as in ${after} lobby or ${after} room($id)`);
  let key: Expression | null = null;
  if (c.isPunct("(") && !c.token.newlineBefore) {
    const paren = c.advance();
    key = parseExpression(c);
    closeBracket(c, paren, ")");
  }
  return { kind: "RoomRef", span: c.spanFrom(start), name, key };
}
