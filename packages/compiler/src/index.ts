export * from "./ast/nodes.js";
export { parse, type ParseResult } from "./parser/parser.js";
export { scan } from "./scanner/scanner.js";
export { SourceFile } from "./scanner/source-file.js";
export type { Token, TokenKind } from "./scanner/tokens.js";
export { KEYWORDS } from "./scanner/tokens.js";
export { Codes, type CodeName, type Severity } from "./diagnostics/codes.js";
export { type Diagnostic, DiagnosticBag, sortDiagnostics } from "./diagnostics/diagnostic.js";
export { closestName, editDistance } from "./diagnostics/suggest.js";
