/**
 * Kova in CodeMirror 6: a stream tokenizer whose keywords are the TextMate grammar's (given by the
 * bundler from editors/vscode/syntaxes/kova.tmLanguage.json), each group styled by its scope.
 */
import { StreamLanguage, type StringStream } from "@codemirror/language";
import groups from "kova:grammar-keywords";

/** TextMate scope → the CodeMirror highlight tag name the stream parser returns. */
function styleOf(scope: string): string {
  if (scope.startsWith("storage.type")) return "definitionKeyword";
  if (scope.startsWith("keyword.control")) return "controlKeyword";
  if (scope.startsWith("keyword.operator")) return "operatorKeyword";
  if (scope.startsWith("storage.modifier")) return "modifier";
  if (scope.startsWith("support.function")) return "standard";
  return "keyword";
}

/** Word → style; a word in two groups keeps the first (the grammar's own order). */
export const KEYWORD_STYLES: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>();
  for (const group of groups) for (const word of group.words) if (!map.has(word)) map.set(word, styleOf(group.scope));
  return map;
})();

interface State {
  inComment: boolean;
}

export const kovaLanguage = StreamLanguage.define<State>({
  name: "kova",
  startState: () => ({ inComment: false }),
  token(stream: StringStream, state: State): string | null {
    if (state.inComment) {
      if (stream.skipTo("*/")) {
        stream.pos += 2;
        state.inComment = false;
      } else stream.skipToEnd();
      return "comment";
    }
    if (stream.eatSpace()) return null;
    if (stream.match("//")) {
      stream.skipToEnd();
      return "comment";
    }
    if (stream.match("/*")) {
      state.inComment = true;
      return "comment";
    }
    if (stream.match(/^"(?:[^"\\]|\\.)*"?/)) return "string";
    if (stream.match(/^\d[\d_]*(?:\.\d[\d_]*)?(?:ms|s|m|h|d|B|KB|MB|GB)?\b/)) return "number";
    if (stream.match(/^\$[A-Za-z_]\w*/)) return "variableName.special";
    if (stream.match(/^(?:true|false|null|NULL)\b/)) return "bool";
    const word = stream.match(/^[A-Za-z_]\w*/) as RegExpMatchArray | null;
    if (word) return KEYWORD_STYLES.get(word[0]) ?? (/^[A-Z]/.test(word[0]) ? "typeName" : "variableName");
    stream.next();
    return null;
  },
  languageData: { commentTokens: { line: "//", block: { open: "/*", close: "*/" } } },
});
