import type { Declaration, Program } from "../ast/nodes.js";
import { DiagnosticBag, type Diagnostic } from "../diagnostics/diagnostic.js";
import { scan } from "../scanner/scanner.js";
import { SourceFile } from "../scanner/source-file.js";
import { Cursor } from "./cursor.js";
import { parseDeclaration, startsDeclaration } from "./declarations.js";

export interface ParseResult {
  program: Program;
  source: SourceFile;
  diagnostics: Diagnostic[];
}

/**
 * Parses one file. Never throws: every problem becomes a diagnostic, and the returned program
 * holds every declaration that could be read (with Missing nodes where an expression was not).
 */
export function parse(text: string, file = "<input>"): ParseResult {
  const source = new SourceFile(file, text);
  const diagnostics = new DiagnosticBag();
  const cursor = new Cursor(source, scan(source, diagnostics), diagnostics);
  const declarations: Declaration[] = [];
  while (!cursor.atEnd) {
    const before = cursor.mark;
    const errors = cursor.errorCount;
    const declaration = parseDeclaration(cursor);
    if (declaration !== null) declarations.push(declaration);
    if (cursor.errorCount > errors || cursor.mark === before) recover(cursor, before);
  }
  const program: Program = { kind: "Program", span: source.span(0, text.length), file, declarations };
  return { program, source, diagnostics: diagnostics.items };
}

/** Skips to the next token that starts a declaration on a new line. Always makes progress. */
function recover(cursor: Cursor, before: number): void {
  if (cursor.mark === before) cursor.advance();
  while (!cursor.atEnd && !(cursor.token.newlineBefore && startsDeclaration(cursor))) cursor.advance();
}
