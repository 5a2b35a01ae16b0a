/**
 * The keyword groups of the Kova TextMate grammar (editors/vscode), read at build time so that the
 * playground's CodeMirror mode highlights exactly the words VS Code does: one list, two editors.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const GRAMMAR = fileURLToPath(new URL("../../../../../editors/vscode/syntaxes/kova.tmLanguage.json", import.meta.url));

export interface KeywordGroup {
  /** The TextMate scope, e.g. keyword.control.kova. */
  scope: string;
  words: string[];
}

/** The grammar's `#keywords` patterns, each `\b(A|B|…)\b`, as word lists with their scope. */
export function grammarKeywords(path = GRAMMAR): KeywordGroup[] {
  const grammar = JSON.parse(readFileSync(path, "utf8")) as { repository: { keywords: { patterns: { name: string; match: string }[] } } };
  return grammar.repository.keywords.patterns.map(({ name, match }) => {
    const group = /^\\b\(([A-Z_|]+)\)\\b/.exec(match);
    if (group === null) throw new Error(`${path}: keyword pattern ${match} is not \\b(WORD|…)\\b`);
    return { scope: name, words: group[1].split("|") };
  });
}
