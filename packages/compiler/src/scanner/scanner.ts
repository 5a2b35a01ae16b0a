import { DiagnosticBag } from "../diagnostics/diagnostic.js";
import type { SourceFile } from "./source-file.js";
import { DURATION_UNITS, HTTP_METHODS, SIZE_UNITS, KEYWORD_SET, PUNCTUATION, type StringPart, type Token } from "./tokens.js";

/** A line or block comment as written (the formatter keeps them; the parser never sees them). */
export interface Comment {
  start: number;
  end: number;
  text: string;
}

const enum Ch {
  Tab = 9,
  LineFeed = 10,
  CarriageReturn = 13,
  Space = 32,
  DoubleQuote = 34,
  Dollar = 36,
  SingleQuote = 39,
  Slash = 47,
  Star = 42,
  Zero = 48,
  Nine = 57,
  Backslash = 92,
  Underscore = 95,
  OpenBrace = 123,
  CloseBrace = 125,
}

function isDigit(c: number): boolean {
  return c >= Ch.Zero && c <= Ch.Nine;
}

function isIdentifierStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === Ch.Underscore || (c > 127 && isUnicodeLetter(c));
}

function isIdentifierPart(c: number): boolean {
  return isIdentifierStart(c) || isDigit(c);
}

function isUnicodeLetter(c: number): boolean {
  // Surrogate halves are never letters on their own; this keeps lone surrogates from being accepted.
  if (c >= 0xd800 && c <= 0xdfff) return false;
  return /\p{L}/u.test(String.fromCharCode(c));
}

function isLineBreak(c: number): boolean {
  return c === Ch.LineFeed || c === Ch.CarriageReturn;
}

/** Whether the line ending at `pos` holds only spaces (the line break before it included). */
function isBlankLineEnd(text: string, pos: number): boolean {
  let i = pos - 1;
  while (i >= 0 && (text.charCodeAt(i) === Ch.Space || text.charCodeAt(i) === Ch.Tab || text.charCodeAt(i) === Ch.CarriageReturn)) i--;
  return i < 0 || text.charCodeAt(i) === Ch.LineFeed;
}

/**
 * Turns a range of a source file into tokens. Never throws: a bad character or literal is
 * reported and skipped, so the parser always gets a token stream ending in EOF.
 *
 * Two bits of context live here rather than in the parser: route paths (`GET /users/:id`) are
 * one token when a method keyword is followed by `/` on the same line, and the `{…}` holes of a
 * double-quoted string are recorded as source ranges that the parser reads as expressions.
 * Comments are skipped; a caller that wants them (the formatter) passes a `comments` array.
 */
export function scan(
  source: SourceFile,
  diagnostics: DiagnosticBag,
  rangeStart = 0,
  rangeEnd = source.text.length,
  comments?: Comment[],
): Token[] {
  const text = source.text;
  const tokens: Token[] = [];
  let pos = rangeStart;
  let newlineBefore = rangeStart === 0;
  // `///` lines waiting for the token they document (the next one); a blank line drops them.
  let doc: string[] | undefined;

  const report = (start: number, end: number, name: Parameters<DiagnosticBag["report"]>[0], message: string, suggestion?: string) =>
    diagnostics.report(name, source.span(start, end), message, suggestion === undefined ? {} : { suggestion });

  // Tokens share one object shape (no spread), which keeps the scanner's hot path monomorphic.
  const push = (token: Omit<Token, "newlineBefore" | "text">) => {
    tokens.push({
      kind: token.kind,
      text: text.slice(token.start, token.end),
      start: token.start,
      end: token.end,
      newlineBefore,
      parts: token.parts,
      value: token.value,
      doc: doc?.join("\n"),
    });
    newlineBefore = false;
    doc = undefined;
  };

  while (pos < rangeEnd) {
    const c = text.charCodeAt(pos);

    if (c === Ch.Space || c === Ch.Tab || c === 0xfeff || c === 0x0b || c === 0x0c) {
      pos++;
      continue;
    }
    if (isLineBreak(c)) {
      // A blank line between doc comments and a declaration detaches them.
      if (doc !== undefined && isBlankLineEnd(text, pos)) doc = undefined;
      newlineBefore = true;
      pos++;
      continue;
    }
    if (c === Ch.Slash && text.charCodeAt(pos + 1) === Ch.Slash) {
      const commentStart = pos;
      while (pos < rangeEnd && !isLineBreak(text.charCodeAt(pos))) pos++;
      if (comments !== undefined) comments.push({ start: commentStart, end: pos, text: text.slice(commentStart, pos) });
      // `/// text` documents the next declaration or field; `////…` is an ordinary comment.
      if (text.charCodeAt(commentStart + 2) === Ch.Slash && text.charCodeAt(commentStart + 3) !== Ch.Slash) {
        (doc ??= []).push(text.slice(commentStart + 3, pos).replace(/^ /, "").trimEnd());
      }
      continue;
    }
    if (c === Ch.Slash && text.charCodeAt(pos + 1) === Ch.Star) {
      const close = text.indexOf("*/", pos + 2);
      const end = close === -1 || close + 2 > rangeEnd ? rangeEnd : close + 2;
      if (close === -1 || close + 2 > rangeEnd) {
        report(pos, pos + 2, "UnterminatedComment", "this comment is never closed", "add */ where the comment ends");
      }
      for (let i = pos; i < end; i++) if (isLineBreak(text.charCodeAt(i))) newlineBefore = true;
      if (comments !== undefined) comments.push({ start: pos, end, text: text.slice(pos, end) });
      pos = end;
      continue;
    }

    const start = pos;

    if (isIdentifierStart(c)) {
      while (pos < rangeEnd && isIdentifierPart(text.charCodeAt(pos))) pos++;
      const word = text.slice(start, pos);
      const atLineStart = newlineBefore;
      push({ kind: KEYWORD_SET.has(word) ? "Keyword" : "Identifier", start, end: pos });
      // `GET /users` starts a route. A lower-case `get` only does at the start of a line, so that
      // `y = post / 2` stays a division.
      if (HTTP_METHODS.has(word) || (HTTP_METHODS.has(word.toUpperCase()) && atLineStart) || word === "SOCKET") pos = maybeScanPath(pos);
      continue;
    }

    if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(pos + 1)))) {
      pos = scanNumber(start);
      continue;
    }

    if (c === Ch.DoubleQuote || c === Ch.SingleQuote) {
      pos = scanString(start, c);
      continue;
    }

    if (c === Ch.Dollar) {
      pos++;
      if (pos < rangeEnd && isIdentifierStart(text.charCodeAt(pos))) {
        while (pos < rangeEnd && isIdentifierPart(text.charCodeAt(pos))) pos++;
        push({ kind: "Param", start, end: pos });
      } else {
        report(start, pos, "UnexpectedCharacter", "'$' must be followed by a name, as in $id or $body");
      }
      continue;
    }

    const punct = PUNCTUATION.find((p) => text.startsWith(p, pos) && pos + p.length <= rangeEnd);
    if (punct !== undefined) {
      pos += punct.length;
      push({ kind: "Punct", start, end: pos });
      continue;
    }

    // One diagnostic for a run of characters that cannot start a token, not one per character.
    pos++;
    while (pos < rangeEnd && !startsToken(pos)) pos++;
    const bad = text.slice(start, pos);
    report(start, pos, "UnexpectedCharacter", `unexpected ${bad.length === 1 ? "character" : "characters"} ${JSON.stringify(bad)}`);
  }

  tokens.push({ kind: "EOF", text: "", start: rangeEnd, end: rangeEnd, newlineBefore: true });
  return tokens;

  function startsToken(at: number): boolean {
    const ch = text.charCodeAt(at);
    return (
      ch === Ch.Space || ch === Ch.Tab || isLineBreak(ch) || isIdentifierStart(ch) || isDigit(ch) ||
      ch === Ch.DoubleQuote || ch === Ch.SingleQuote || ch === Ch.Dollar ||
      PUNCTUATION.some((p) => text.startsWith(p, at))
    );
  }

  /** After a method keyword: `/users/:id` up to whitespace or `{` is one Path token. */
  function maybeScanPath(from: number): number {
    let p = from;
    while (p < rangeEnd && (text.charCodeAt(p) === Ch.Space || text.charCodeAt(p) === Ch.Tab)) p++;
    if (p >= rangeEnd || text.charCodeAt(p) !== Ch.Slash) return from;
    const next = text.charCodeAt(p + 1);
    if (next === Ch.Slash || next === Ch.Star) return from; // a comment, not a path
    const start = p;
    // A `)` with no `(` before it in the path closes a bracket around a request, `(GET /todos).status`;
    // balanced ones are a parameter's type, `/users/:id(int)`.
    let open = 0;
    while (p < rangeEnd) {
      const ch = text.charCodeAt(p);
      if (ch === Ch.Space || ch === Ch.Tab || isLineBreak(ch) || ch === Ch.OpenBrace) break;
      if (ch === 40) open++;
      else if (ch === 41 && open-- === 0) break;
      p++;
    }
    push({ kind: "Path", start, end: p });
    return p;
  }

  function scanNumber(from: number): number {
    let p = from;
    const digits = () => {
      while (p < rangeEnd && (isDigit(text.charCodeAt(p)) || text.charCodeAt(p) === Ch.Underscore)) p++;
    };
    digits();
    if (text.charCodeAt(p) === 46 && isDigit(text.charCodeAt(p + 1))) {
      p++;
      digits();
    }
    const lower = text.charCodeAt(p) | 0x20;
    if (lower === 101 /* e */) {
      let q = p + 1;
      if (text.charCodeAt(q) === 43 || text.charCodeAt(q) === 45) q++;
      if (isDigit(text.charCodeAt(q))) {
        p = q;
        digits();
      }
    }
    const numberEnd = p;
    const raw = text.slice(from, numberEnd);
    const cleaned = raw.replace(/_/g, "");
    let value = Number(cleaned);
    const badUnderscore = raw.endsWith("_") || raw.includes("__") || /_\.|\._|_e|e_/i.test(raw);
    if (!badUnderscore && !Number.isNaN(value) && !Number.isFinite(value)) {
      report(from, numberEnd, "InvalidNumber", `${raw} is too large to represent`, "numbers must fit a 64-bit float (up to about 1.8e308)");
      value = 0;
    }
    if (badUnderscore || Number.isNaN(value)) {
      report(from, numberEnd, "InvalidNumber", `malformed number ${JSON.stringify(raw)}`, "separate digits with single underscores, as in 1_000_000");
      if (Number.isNaN(value)) value = 0;
    }
    // A unit glued to the number makes a duration: 500ms, 30s, 10m, 1h, 7d.
    if (p < rangeEnd && isIdentifierStart(text.charCodeAt(p))) {
      while (p < rangeEnd && isIdentifierPart(text.charCodeAt(p))) p++;
      const unit = text.slice(numberEnd, p);
      const factor = DURATION_UNITS[unit];
      const bytes = SIZE_UNITS[unit];
      if (bytes !== undefined) {
        // A size is a plain number of bytes (`max: 5MB`); the token keeps its text for the formatter.
        push({ kind: "Number", start: from, end: p, value: value * bytes });
      } else if (factor === undefined) {
        report(from, p, "InvalidNumber", `${JSON.stringify(text.slice(from, p))} is neither a number nor a duration`, "durations use ms, s, m, h or d, as in 10m; sizes B, KB, MB or GB, as in 5MB");
        push({ kind: "Number", start: from, end: p, value });
      } else {
        push({ kind: "Duration", start: from, end: p, value: value * factor });
      }
      return p;
    }
    push({ kind: "Number", start: from, end: p, value });
    return p;
  }

  function scanString(from: number, quote: number): number {
    const interpolates = quote === Ch.DoubleQuote;
    const parts: StringPart[] = [];
    let p = from + 1;
    let chunk = "";
    let chunkStart = p;
    let closed = false;
    while (p < rangeEnd) {
      const ch = text.charCodeAt(p);
      if (ch === quote) {
        closed = true;
        break;
      }
      if (isLineBreak(ch)) break;
      if (ch === Ch.Backslash) {
        const [cooked, next] = readEscape(p);
        chunk += cooked;
        p = next;
        continue;
      }
      if (interpolates && ch === Ch.OpenBrace) {
        const close = findInterpolationEnd(p + 1);
        if (close === -1) {
          report(p, p + 1, "UnterminatedInterpolation", "this '{' in a string is never closed", "close it with '}', or write \\{ for a literal brace");
          chunk += "{";
          p++;
          continue;
        }
        if (chunk !== "" || parts.length === 0) parts.push({ kind: "text", value: chunk, start: chunkStart, end: p });
        parts.push({ kind: "expr", start: p + 1, end: close });
        chunk = "";
        p = close + 1;
        chunkStart = p;
        continue;
      }
      chunk += text[p];
      p++;
    }
    if (!closed) {
      report(from, p, "UnterminatedString", "this string is never closed", `add the closing ${String.fromCharCode(quote)} before the end of the line`);
    }
    if (chunk !== "" || parts.length === 0) parts.push({ kind: "text", value: chunk, start: chunkStart, end: p });
    const end = closed ? p + 1 : p;
    push({ kind: "String", start: from, end, parts });
    return end;
  }

  /** Returns the cooked text of the escape at `p` (a backslash) and the offset after it. */
  function readEscape(p: number): [string, number] {
    const e = text[p + 1];
    const simple: Record<string, string> = { n: "\n", r: "\r", t: "\t", "0": "\0", "\\": "\\", '"': '"', "'": "'", "{": "{", "}": "}", $: "$" };
    if (e !== undefined && p + 1 < rangeEnd && simple[e] !== undefined) return [simple[e], p + 2];
    if (e === "u") {
      const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(text.slice(p + 2, Math.min(rangeEnd, p + 10)));
      const plain = /^[0-9a-fA-F]{4}/.exec(text.slice(p + 2, Math.min(rangeEnd, p + 6)));
      const hex = braced ? braced[1] : plain ? plain[0] : undefined;
      const length = braced ? braced[0].length : 4;
      const code = hex === undefined ? NaN : parseInt(hex, 16);
      if (hex !== undefined && code <= 0x10ffff) return [String.fromCodePoint(code), p + 2 + length];
    }
    const end = e === undefined || isLineBreak(text.charCodeAt(p + 1)) ? p + 1 : p + 2;
    report(p, end, "InvalidEscape", `unknown escape sequence ${JSON.stringify(text.slice(p, end))}`, "use \\n \\t \\\\ \\\" \\{ or \\u{hex}; write \\\\ for a backslash");
    return [text.slice(p + 1, end), end];
  }

  /** Finds the `}` closing an interpolation that starts at `p`, skipping nested braces and strings. */
  function findInterpolationEnd(p: number): number {
    let depth = 0;
    while (p < rangeEnd) {
      const ch = text.charCodeAt(p);
      if (isLineBreak(ch)) return -1;
      if (ch === Ch.DoubleQuote || ch === Ch.SingleQuote) {
        p++;
        while (p < rangeEnd && text.charCodeAt(p) !== ch && !isLineBreak(text.charCodeAt(p))) {
          p += text.charCodeAt(p) === Ch.Backslash ? 2 : 1;
        }
        if (p >= rangeEnd || text.charCodeAt(p) !== ch) return -1;
        p++;
        continue;
      }
      if (ch === Ch.OpenBrace) depth++;
      else if (ch === Ch.CloseBrace) {
        if (depth === 0) return p;
        depth--;
      }
      p++;
    }
    return -1;
  }
}
