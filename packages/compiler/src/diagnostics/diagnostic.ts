import type { Span } from "../ast/nodes.js";
import { Codes, type CodeName, type Severity } from "./codes.js";

/** A problem found in Kova source, in the shape `kova check --format json` prints. */
export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  span: Span;
  /** A concrete fix, e.g. "did you mean 'name'?". */
  suggestion?: string;
  /** When the fix is a replacement of the span's text, the replacement (quick-fixes use it). */
  replacement?: string;
}

export function diagnostic(
  name: CodeName,
  span: Span,
  message: string,
  extra: { suggestion?: string; replacement?: string } = {},
): Diagnostic {
  const info = Codes[name];
  const d: Diagnostic = { code: info.code, severity: info.severity, message, span };
  if (extra.suggestion !== undefined) d.suggestion = extra.suggestion;
  if (extra.replacement !== undefined) d.replacement = extra.replacement;
  return d;
}

/** Collects diagnostics for one pass; passes never throw on bad input, they report here. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];

  report(name: CodeName, span: Span, message: string, extra: { suggestion?: string; replacement?: string } = {}): void {
    this.items.push(diagnostic(name, span, message, extra));
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === "error");
  }
}

/** Sorts by file, then position, then code: the order every printer uses, so output is stable. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) =>
      (a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : 0) ||
      a.span.start.offset - b.span.start.offset ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}
