import type { Program } from "../ast/nodes.js";
import { sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import { parse } from "../parser/parser.js";
import type { SourceFile } from "../scanner/source-file.js";
import { nodeHost, type CompilerHost } from "./host.js";

export interface CheckedFile {
  file: string;
  program: Program;
  source: SourceFile;
}

export interface CheckResult {
  /** Every file read: the roots and what they import. */
  files: CheckedFile[];
  /** Sorted by file and position. */
  diagnostics: Diagnostic[];
}

/**
 * Parses and checks the given `.kova` files and everything they IMPORT. Files that no other
 * given file imports are roots: each root with its imports is one program (one server), which is
 * the unit in which routes must be unique.
 */
export function checkFiles(paths: readonly string[], host: CompilerHost = nodeHost): CheckResult {
  // TEMPORARY (until the checker lands in this commit series): parse only.
  const files: CheckedFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const file of paths) {
    const text = host.readFile(file) ?? "";
    const result = parse(text, file);
    files.push({ file, program: result.program, source: result.source });
    diagnostics.push(...result.diagnostics);
  }
  return { files, diagnostics: sortDiagnostics(diagnostics) };
}

/** Checks one file's text (imports are read through the host). */
export function checkText(text: string, file = "<input>.kova", host: CompilerHost = nodeHost): CheckResult {
  const overlay: CompilerHost = { readFile: (path) => (path === file ? text : host.readFile(path)) };
  return checkFiles([file], overlay);
}
