import type { Identifier, Span } from "../ast/nodes.js";
import type { CodeName } from "../diagnostics/codes.js";
import type { DiagnosticBag } from "../diagnostics/diagnostic.js";
import { closestName } from "../diagnostics/suggest.js";
import type { SourceFile } from "../scanner/source-file.js";
import type { Token } from "../scanner/tokens.js";

/** How deep expressions and blocks may nest before the parser stops descending (no stack overflow on any input). */
export const MAX_DEPTH = 256;

/**
 * The parser's view of the token stream: lookahead, consumption, spans and error reporting.
 * The grammar itself lives in the sibling modules, as functions over a cursor.
 */
export class Cursor {
  private index = 0;
  /** End offset of the last consumed token; node spans end here. */
  lastEnd = 0;
  depth = 0;
  /** Parsing a TEST body: a line starting `POST /path` is a request there, not a new endpoint. */
  inTest = false;
  /** Offset of the last reported error, so one bad token gives one diagnostic, not a cascade. */
  private lastErrorAt = -1;
  private lastErrorLine = -1;

  constructor(
    readonly source: SourceFile,
    readonly tokens: Token[],
    readonly diagnostics: DiagnosticBag,
  ) {
    this.lastEnd = tokens[0]?.start ?? 0;
  }

  get token(): Token {
    return this.tokens[this.index];
  }

  peek(ahead = 1): Token {
    return this.tokens[Math.min(this.index + ahead, this.tokens.length - 1)];
  }

  get atEnd(): boolean {
    return this.token.kind === "EOF";
  }

  /** A position marker; compare two to see whether a parse step consumed anything. */
  get mark(): number {
    return this.index;
  }

  advance(): Token {
    const token = this.token;
    if (token.kind !== "EOF") {
      this.index++;
      this.lastEnd = token.end;
    }
    return token;
  }

  isPunct(text: string, token: Token = this.token): boolean {
    return token.kind === "Punct" && token.text === text;
  }

  isKeyword(text: string, token: Token = this.token): boolean {
    return token.kind === "Keyword" && token.text === text;
  }

  /** A keyword typed in the wrong case (`select`, `Respond`), which we accept with a diagnostic. */
  isMiscasedKeyword(keyword: string, token: Token = this.token): boolean {
    return token.kind === "Identifier" && token.text !== keyword && token.text.toUpperCase() === keyword;
  }

  matchPunct(text: string): boolean {
    if (!this.isPunct(text)) return false;
    this.advance();
    return true;
  }

  /**
   * Consumes `keyword` if it is next. A lower-case spelling is accepted too (reported as KV1105)
   * unless the next token shows the word is really a name (`limit = 5`, `order.id`, `save(x)`).
   */
  matchKeyword(keyword: string, allowMiscased = true): boolean {
    if (this.isKeyword(keyword)) {
      this.advance();
      return true;
    }
    if (allowMiscased && this.isMiscasedKeyword(keyword) && !this.nextShowsName()) {
      this.reportMiscased(keyword);
      this.advance();
      return true;
    }
    return false;
  }

  /**
   * An operator keyword (AND, OR, NOT, IN, LIKE, IS): also accepts a miscased spelling when it sits
   * on the same line as what came before and is not itself used as a name (KV1105).
   */
  matchOperatorWord(keyword: string): boolean {
    if (this.isKeyword(keyword)) {
      this.advance();
      return true;
    }
    if (this.isMiscasedKeyword(keyword) && !this.token.newlineBefore && !this.nextShowsName() && this.peek().kind !== "EOF") {
      this.reportMiscased(keyword);
      this.advance();
      return true;
    }
    return false;
  }

  /** True when the token after the current one means the current word is used as a name. */
  nextShowsName(): boolean {
    const next = this.peek();
    if (next.kind !== "Punct") return false;
    if (next.text === "=" || next.text === "." || next.text === ":" || next.text === ",") return true;
    return (next.text === "(" || next.text === "[") && !next.newlineBefore;
  }

  reportMiscased(keyword: string, token: Token = this.token): void {
    this.error("LowercaseKeyword", this.tokenSpan(token), `keywords are written in upper case: '${token.text}' should be '${keyword}'`, {
      suggestion: `write ${keyword}`,
      replacement: keyword,
    });
  }

  expectPunct(text: string, context: string): boolean {
    if (this.matchPunct(text)) return true;
    this.errorExpected(`'${text}' ${context}`);
    return false;
  }

  expectKeyword(keyword: string, context: string): boolean {
    if (this.matchKeyword(keyword)) return true;
    const token = this.token;
    // `SELECT * FORM User`: the same message, with the keyword it was meant to be.
    if (token.kind === "Identifier" && closestName(token.text.toUpperCase(), [keyword]) !== undefined) {
      this.error("Expected", this.tokenSpan(token), `expected ${keyword} ${context}, found '${token.text}'`, { suggestion: `did you mean ${keyword}?`, replacement: keyword });
      return false;
    }
    this.errorExpected(`${keyword} ${context}`);
    return false;
  }

  /** Reads a name. On failure reports and returns an Identifier with an empty name, consuming nothing. */
  expectIdentifier(what: string): Identifier {
    const token = this.token;
    if (token.kind === "Identifier") {
      this.advance();
      return { kind: "Identifier", span: this.tokenSpan(token), name: token.text };
    }
    if (token.kind === "Keyword" && !token.newlineBefore && /^[A-Z_]+$/.test(token.text) && this.peekIsNameContext()) {
      this.error("Expected", this.tokenSpan(token), `${token.text} is a keyword and cannot be used as ${what}`, {
        suggestion: `choose another name, e.g. ${token.text.toLowerCase()}_`,
      });
      this.advance();
      return { kind: "Identifier", span: this.tokenSpan(token), name: token.text };
    }
    this.errorExpected(what);
    return { kind: "Identifier", span: this.emptySpanHere(), name: "" };
  }

  /** After a keyword used where a name belongs, the next token is what would follow a name. */
  private peekIsNameContext(): boolean {
    const next = this.peek();
    return next.kind === "Punct" && ["{", ":", "(", "=", ","].includes(next.text);
  }

  errorExpected(what: string): void {
    const token = this.token;
    const found = token.kind === "EOF" ? "the end of the file" : `'${token.text}'`;
    this.error("Expected", this.tokenSpan(token), `expected ${what}, found ${found}`);
  }

  error(name: CodeName, span: Span, message: string, extra: { suggestion?: string; replacement?: string } = {}): void {
    const cascades = name === "Expected" || name === "ExpectedDeclaration" || name === "ExpectedStatement" || name === "ExpectedExpression";
    if (cascades) {
      // One syntax error per line: the rest of a broken line is usually fallout from the first.
      if (span.start.offset === this.lastErrorAt || span.start.line === this.lastErrorLine) return;
      this.lastErrorAt = span.start.offset;
      this.lastErrorLine = span.start.line;
    }
    this.diagnostics.report(name, span, message, extra);
  }

  get errorCount(): number {
    return this.diagnostics.items.length;
  }

  tokenSpan(token: Token): Span {
    return this.source.span(token.start, token.end);
  }

  /** The span from `start` (an offset) to the end of the last consumed token. */
  spanFrom(start: number): Span {
    // Nothing consumed since `start`: the node is a placeholder, placed just after what came before.
    if (start > this.lastEnd) return this.source.span(this.lastEnd, this.lastEnd);
    return this.source.span(start, this.lastEnd);
  }

  /** A zero-width span just after the last consumed token: where a missing piece belongs. */
  emptySpanHere(): Span {
    return this.source.span(this.lastEnd, this.lastEnd);
  }

  /** Guards recursion: returns false (after reporting) when nesting is too deep to follow. */
  enter(): boolean {
    if (this.depth >= MAX_DEPTH) {
      this.error("NestingTooDeep", this.tokenSpan(this.token), `nesting deeper than ${MAX_DEPTH} levels`, {
        suggestion: "split the expression into named steps",
      });
      return false;
    }
    this.depth++;
    return true;
  }

  leave(): void {
    this.depth--;
  }
}
