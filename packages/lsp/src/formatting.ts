import { formatSource } from "@kova/compiler";
import type { TextEdit } from "vscode-languageserver";

/**
 * Edits that format the whole document with the compiler's formatter (`kova fmt`'s layout): one
 * edit replacing everything, or none when the text is already formatted or has syntax errors (the
 * formatter leaves such text alone rather than guess). A FormatterError (a formatter bug caught by
 * its own verification) propagates to the server's handler wrapper, which logs it and answers "no edits".
 */
export function formatDocument(text: string, file: string, fullRange: TextEdit["range"]): TextEdit[] {
  const result = formatSource(text, file);
  if (!result.changed) return [];
  return [{ range: fullRange, newText: result.text }];
}
