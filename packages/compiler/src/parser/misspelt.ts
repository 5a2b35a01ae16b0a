import { closestName } from "../diagnostics/suggest.js";
import type { Token } from "../scanner/tokens.js";
import type { Cursor } from "./cursor.js";

/**
 * Words from other languages that people type where a Kova statement belongs. Each gets a message
 * that says what Kova does instead, rather than the generic "a value on its own is not a statement".
 */
const FOREIGN_STATEMENTS: Readonly<Record<string, { message: (word: string) => string; suggestion: string }>> = {
  let: { message: (w) => `Kova has no '${w}': a variable is created by assigning it`, suggestion: "write the assignment without it, as in total = 0" },
  for: {
    message: (w) => (w.toLowerCase() === "for" ? "keywords are upper case: Kova's loop is FOR" : `Kova has no '${w}' loop`),
    suggestion: "write FOR row IN rows { … } (or a list: [row.title FOR row IN rows]); to change rows, a query acts on every matching row at once (UPDATE … SET … WHERE …)",
  },
  return: { message: (w) => `Kova has no '${w}' in an endpoint`, suggestion: "answer with RESPOND value (or RESPOND 201 value); an FN gives its result with RETURN" },
  throw: { message: (w) => `Kova has no '${w}'`, suggestion: 'stop with an error response: ERROR 400 "what went wrong"' },
  switch: { message: (w) => `Kova has no '${w}'`, suggestion: "write IF … { … } ELSE IF … { … }" },
};
const ALIASES: Readonly<Record<string, string>> = {
  var: "let", const: "let", val: "let",
  foreach: "for", while: "for", loop: "for", each: "for",
  raise: "throw", match: "switch",
};

/** Keywords a statement can start with, for "did you mean" on a misspelling (`SELEC`, `RESPONSE`). */
const STATEMENT_START_KEYWORDS = ["RESPOND", "REDIRECT", "ERROR", "IF", "BROADCAST", "SELECT", "INSERT", "UPDATE", "DELETE", "SAVE", "HISTORY", "RESTORE"];
const QUERY_KEYWORDS = ["SELECT", "INSERT", "UPDATE", "DELETE", "SAVE", "HISTORY", "RESTORE"];
/** Clauses that continue a query on its line: `… FROM Item WHRE name = x` ends the query at `WHRE`. */
const CLAUSE_KEYWORDS = ["WHERE", "ORDER_BY", "LIMIT", "OFFSET"];

/** Tokens after which an identifier is a value being used (a call, an assignment, an operand), not a statement word. */
const CONTINUES_VALUE = new Set(["=", "(", ".", "[", "?.", "??", "+", "-", "/", "%", "==", "!=", "<", ">", "<=", ">=", "}", ",", ")", "]", ":"]);

/** What the statement parser does after reportStatementWord. */
export type StatementWordOutcome =
  /** Nothing to report: parse the statement as usual. */
  | "none"
  /** Reported and skipped (with a block opened on its line). */
  | "skipped"
  /** `let x = 1`, `return x`: reported, the word consumed; parse the rest as the Kova statement it means. */
  | "assignment"
  | "respond";

/**
 * At the start of a statement: an identifier followed on its line by something that cannot follow a
 * value (`LET x = 1`, `SELEC * FROM Item`) is a misspelt or foreign keyword. Reports it
 * (KV1103) with what to write instead. Where the intent is plain (`let x = 1` is `x = 1`, `return x`
 * is `RESPOND x`) the word is dropped and the rest parsed as meant, so that `x` is still a variable
 * and later lines report nothing more; otherwise the statement is skipped.
 */
export function reportStatementWord(c: Cursor): StatementWordOutcome {
  const t = c.token;
  const next = c.peek();
  if (t.kind !== "Identifier" || next.newlineBefore || next.kind === "EOF") return "none";
  if (next.kind === "Punct" && CONTINUES_VALUE.has(next.text)) return "none";
  if (next.kind === "Keyword" && ["AND", "OR", "IN", "LIKE", "IS"].includes(next.text)) return "none";
  const lower = t.text.toLowerCase();
  const word = ALIASES[lower] ?? lower;
  const foreign = FOREIGN_STATEMENTS[word];
  if (foreign) {
    c.error("ExpectedStatement", c.tokenSpan(t), foreign.message(t.text), { suggestion: foreign.suggestion });
    if (word === "let" && next.kind === "Identifier" && c.isPunct("=", c.peek(2))) {
      c.advance();
      return "assignment";
    }
    if (word === "return") {
      c.advance();
      return "respond";
    }
  } else {
    // A word on the line of a statement that just ended is most likely a misspelt clause of it.
    const guess = misspeltKeyword(t, t.newlineBefore ? STATEMENT_START_KEYWORDS : [...STATEMENT_START_KEYWORDS, ...CLAUSE_KEYWORDS]);
    if (guess === undefined) return "none";
    c.error("ExpectedStatement", c.tokenSpan(t), `'${t.text}' is not a Kova keyword`, { suggestion: `did you mean ${guess}?`, replacement: guess });
  }
  skipStatement(c);
  return "skipped";
}

/**
 * Where a value is expected: `x = SELEC * FROM Item`. When the rest of the line reads like a query,
 * reports the misspelt query keyword (KV1104), skips the would-be query and returns true (the
 * caller puts a Missing expression in its place, so no "unknown name" follows).
 */
export function reportMisspeltQueryKeyword(c: Cursor): boolean {
  const t = c.token;
  if (t.kind !== "Identifier") return false;
  const guess = misspeltKeyword(t, queryKeywordsThatFit(c));
  if (guess === undefined) return false;
  const rest = restOfLine(c, t);
  if (!/\b(FROM|INTO|WHERE|SET)\b/.test(rest)) return false;
  c.error("ExpectedExpression", c.tokenSpan(t), `'${t.text}' is not a Kova keyword`, { suggestion: `did you mean ${guess}?`, replacement: guess });
  skipStatement(c);
  return true;
}

/**
 * Which query keywords the word after a would-be keyword allows. A real variable such as `updated`
 * or `saved` is followed by an operator or a clause (`SET done = updated WHERE …`), never by one of
 * these, so only a word in a place where a name cannot stand is taken for a misspelling.
 */
function queryKeywordsThatFit(c: Cursor): readonly string[] {
  const next = c.peek();
  if (next.newlineBefore) return [];
  if (c.isPunct("*", next)) return c.isKeyword("FROM", c.peek(2)) ? ["SELECT"] : [];
  if (c.isKeyword("FROM", next) || c.isKeyword("INTO", next)) return QUERY_KEYWORDS;
  if (next.kind === "Identifier" || c.isPunct("{", next)) return QUERY_KEYWORDS;
  return [];
}

/** The closest keyword, unless the word is that keyword in another case (KV1105 handles those). */
export function misspeltKeyword(t: Token, keywords: readonly string[]): string | undefined {
  const upper = t.text.toUpperCase();
  if (keywords.includes(upper)) return undefined;
  return closestName(upper, keywords);
}

function restOfLine(c: Cursor, t: Token): string {
  const text = c.source.text;
  const end = text.indexOf("\n", t.end);
  return text.slice(t.end, end === -1 ? text.length : end);
}

/** Skips the rest of the line, and a `{ … }` block opened on it, so a `for x in xs { … }` body is not read as statements of the endpoint. */
function skipStatement(c: Cursor): void {
  c.advance();
  let depth = 0;
  while (!c.atEnd) {
    if (depth === 0 && (c.token.newlineBefore || c.isPunct("}"))) return;
    if (c.isPunct("{")) depth++;
    else if (c.isPunct("}")) depth--;
    c.advance();
  }
}
