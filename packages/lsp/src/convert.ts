import type { Diagnostic as KovaDiagnostic, Span } from "@kova/compiler";
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic, type Range } from "vscode-languageserver";

/** Kova spans are 1-based lines/columns counted in UTF-16 units, as LSP's default encoding is. */
export function toRange(span: Span): Range {
  return {
    start: { line: span.start.line - 1, character: span.start.column - 1 },
    end: { line: span.end.line - 1, character: span.end.column - 1 },
  };
}

export function toLspDiagnostic(d: KovaDiagnostic): Diagnostic {
  const message = d.suggestion ? `${d.message}\n${d.suggestion}` : d.message;
  const out: Diagnostic = {
    range: toRange(d.span),
    severity: d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: "kova",
    message,
  };
  if (d.code === "KV2010") out.tags = [DiagnosticTag.Unnecessary];
  // Kept so a code action can be built from the client's copy of the diagnostic too.
  if (d.replacement !== undefined) out.data = { replacement: d.replacement };
  return out;
}

export function rangesOverlap(a: Range, b: Range): boolean {
  const before = (p: Range["start"], q: Range["start"]) => p.line < q.line || (p.line === q.line && p.character <= q.character);
  return before(a.start, b.end) && before(b.start, a.end);
}
