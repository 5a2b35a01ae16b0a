/**
 * The Kova formatter: one canonical layout, printed from the AST plus the file's comments.
 *
 * Style (see also the printers): 2-space indent; keywords upper case; one blank line between
 * declarations and at most one (where the user had one) between statements, fields and entries;
 * entity and shape fields one per line; objects and arrays on one line when they fit in 100
 * columns, else one entry per line with trailing commas; queries on one line when they fit, else
 * one clause per line indented under the query, in the order AS OF, WHERE, ORDER_BY, LIMIT, OFFSET
 * (ASC is kept where it was written); strings, templates, numbers and durations exactly as written.
 *
 * Operators: the parser reads `=` and `==` alike (and `<>` as `!=`, `&&` as AND, `||` as OR, `!`
 * as NOT). The formatter prints a comparison as `=` inside a Condition — a query's WHERE or an
 * IF's test — and as `==` everywhere else (assignments, RESPOND values, arguments, SET values), so
 * `x = a == b` never reads like two assignments. `<>` prints `!=`; `&&`, `||`, `!` print AND, OR, NOT.
 *
 * Every result is checked before it is returned: it must parse without errors to the same AST
 * (spans aside) and hold every comment of the input exactly once. A formatter bug therefore shows
 * up as a FormatterError, never as a silently changed program or a lost comment.
 */
import type { Program } from "../ast/nodes.js";
import { parse } from "../parser/parser.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { DiagnosticBag } from "../diagnostics/diagnostic.js";
import { Codes } from "../diagnostics/codes.js";
import { scan, type Comment } from "../scanner/scanner.js";
import { SourceFile } from "../scanner/source-file.js";
import { firstDifference, sameProgram, stripSpans } from "./ast-compare.js";
import { CommentTracker } from "./comments.js";
import { printProgram } from "./declarations.js";
import { layout } from "./doc.js";
import { Printer } from "./printer.js";

/** The line width the layout aims for. */
export const FORMAT_WIDTH = 100;

export interface FormatResult {
  /** The formatted text, or the input unchanged when it has syntax errors. */
  text: string;
  changed: boolean;
  /** The parser's diagnostics for the input (syntax errors mean nothing was formatted). */
  diagnostics: Diagnostic[];
}

/** The formatter produced something it must not (a changed program, a lost comment): a bug in Kova. */
export class FormatterError extends Error {
  override name = "FormatterError";
}

/**
 * True for a diagnostic that stops formatting: any error the parser reports (syntax, KV1xxx, and
 * KV2700, a declaration inside an API block, which the parser skips): the tree then lacks text
 * the file has, and printing it would drop that text.
 */
export function isSyntaxError(d: Diagnostic): boolean {
  return d.severity === "error" && (d.code.startsWith("KV1") || d.code === Codes.ApiBlockContent.code);
}

export function formatSource(text: string, file = "<input>.kova"): FormatResult {
  const parsed = parse(text, file);
  if (parsed.diagnostics.some(isSyntaxError)) return { text, changed: false, diagnostics: parsed.diagnostics };
  const comments = collectComments(text, file);
  const tracker = new CommentTracker(comments, text);
  const output = layout(printProgram(new Printer(text, tracker), parsed.program), FORMAT_WIDTH);
  const lost = tracker.unused();
  if (lost.length > 0) throw new FormatterError(`${file}: the formatter dropped a comment: ${lost[0].text}`);
  verify(parsed.program, output, file, comments);
  return { text: output, changed: output !== text, diagnostics: parsed.diagnostics };
}

/** Every line and block comment of a file, in order (comments inside string interpolations excluded). */
export function collectComments(text: string, file = "<input>.kova"): Comment[] {
  const comments: Comment[] = [];
  scan(new SourceFile(file, text), new DiagnosticBag(), 0, text.length, comments);
  return comments;
}

/** The comparable text of a comment: trailing spaces after a line comment are formatting. */
export function commentKey(c: Comment): string {
  return c.text.startsWith("//") ? c.text.trimEnd() : c.text;
}

function verify(before: Program, output: string, file: string, inputComments: readonly Comment[]): void {
  const after = parse(output, file);
  const errors = after.diagnostics.filter(isSyntaxError);
  if (errors.length > 0) {
    throw new FormatterError(`${file}: the formatted text does not parse (${errors[0].code} ${errors[0].message} at line ${errors[0].span.start.line})`);
  }
  if (!sameProgram(before, after.program)) {
    throw new FormatterError(`${file}: formatting changed the program at ${firstDifference(stripSpans(before), stripSpans(after.program))}`);
  }
  const expected = inputComments.map(commentKey).sort();
  const actual = collectComments(output, file).map(commentKey).sort();
  if (expected.length !== actual.length || expected.some((c, i) => c !== actual[i])) {
    throw new FormatterError(`${file}: formatting did not keep every comment exactly once`);
  }
}

export { sameProgram, stripSpans } from "./ast-compare.js";
