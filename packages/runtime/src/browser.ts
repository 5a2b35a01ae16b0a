/**
 * @kova/runtime/browser: the request pipeline without a server, for hosts that are not node:http —
 * the playground runs a compiled app in a web worker through it (packages/playground). It names what
 * generated code imports (as ./serve does) and what a host needs to route a request and run it
 * through the same stages: the router, the Pipeline, the Exchange to subclass, problems, security.
 * Nothing here starts a server or loads a Node-only feature; the modules it reaches still import
 * some Node built-ins (node:crypto for hashes, node:http's status texts), which the playground's
 * bundle maps to the browser's equivalents or to functions that say they are not available there.
 */
export { HttpError, type AppDefinition, type AppEnv, type QueryValues, type Reply, type RequestContext, type RouteDefinition } from "./app.js";
export * as builtins from "./builtins.js";
export { KovaTypeError } from "./builtins.js";
export { isCalendarDate, ParamFailure, parseParam, badlyEncodedQueryParam } from "./params.js";
export { rowSerializer } from "./serialize.js";
export { hashPassword, verifyPassword, passwordNeedsRehash } from "./auth/passwords.js";
export { hashToken, signToken, randomToken } from "./auth/tokens.js";
export { startSession, endSession } from "./auth/sessions.js";

export { Pipeline } from "./pipeline.js";
export { Exchange, type Serving, type StageOutcome } from "./exchange.js";
export { buildRouter, allowedMethods, type RouteStore } from "./routing.js";
export { CompiledRoute, JSON_CONTENT_TYPE, problemReply, type SerializedReply } from "./route.js";
export { makeProblem, badQueryEncodingProblem, ProblemType, type Problem } from "./problem.js";
export { checkJsonContentType, parseJsonBody, requestHasBody } from "./body.js";
export { requestIdFor, pathOf } from "./context.js";
export { DataSources } from "./data-sources.js";
export { HttpSecurity } from "./security/index.js";
export { DEFAULT_ERROR_FORMAT } from "./error-shape.js";
export type { FileStore } from "./uploads/store.js";
// pino's own browser build (its package.json "browser" field): loggers print to the console, or to a `write` function.
export { pino, type Logger } from "pino";
