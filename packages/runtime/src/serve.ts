/**
 * @kova/runtime/serve: the slim entry a compiled app imports (its generated app.js and server.js).
 * The package index re-exports every feature for library users; loading it would load GraphQL,
 * gRPC, tasks, backups and the rest into every app at start. This entry names only what generated
 * code calls; start.ts and server.ts load each feature with import() when the app or its
 * configuration uses it.
 */
export { HttpError, type AppDefinition, type Reply, type RequestContext } from "./app.js";
export * as builtins from "./builtins.js";
export { KovaTypeError } from "./builtins.js";
export { isCalendarDate, ParamFailure, parseParam } from "./params.js";
export { rowSerializer } from "./serialize.js";
export { hashPassword, verifyPassword, passwordNeedsRehash } from "./auth/passwords.js";
export { hashToken, signToken, randomToken } from "./auth/tokens.js";
export { startSession, endSession } from "./auth/sessions.js";
export { startApp } from "./start.js";
export { runClustered } from "./cluster.js";
