/**
 * The compiler's browser entry (the playground bundles it with esbuild for the browser): the front
 * end, the checker, lowering, plan compilation and the JS emitter, reading files through a
 * CompilerHost the caller supplies. Nothing reachable from here may import a Node built-in other
 * than node:path (mapped to pathe in the bundle); the playground's bundle test fails if one is.
 */
export * from "./ast/nodes.js";
export { parse, type ParseResult } from "./parser/parser.js";
export { scan } from "./scanner/scanner.js";
export { SourceFile } from "./scanner/source-file.js";
export type { Token, TokenKind } from "./scanner/tokens.js";
export { KEYWORDS } from "./scanner/tokens.js";
export { Codes, type CodeName, type Severity } from "./diagnostics/codes.js";
export { type Diagnostic, DiagnosticBag, sortDiagnostics } from "./diagnostics/diagnostic.js";
export { formatDiagnostic, formatSummary, type FormatOptions } from "./diagnostics/format.js";
export { checkFiles, checkText, type CheckResult, type CheckedFile, type CheckedProgram } from "./project/check-files.js";
export { type CompilerHost, memoryHost, readSource } from "./project/host.js";
export { checkWithDialects, type DialectLoader } from "./build/check-with-dialects.js";
export { compilePlans, type CompiledPlans } from "./build/compile-plans.js";
export type { SemanticModel, EndpointInfo, EntityInfo } from "./checker/model.js";
export * as ir from "./ir/nodes.js";
export type { AppModel } from "./ir/nodes.js";
export { lower } from "./ir/lower.js";
export { emitApp, type EmitOptions, type EmittedApp } from "./emit/js/emit-app.js";
