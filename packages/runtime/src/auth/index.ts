export { authStage, AuthProblemType, UNAUTHORIZED_DETAIL } from "./stage.js";
export { hashPassword, verifyPassword, passwordNeedsRehash } from "./passwords.js";
export { hashToken, signToken, randomToken } from "./tokens.js";
export { MAX_TOKEN_LENGTH } from "./verify.js";
export { AuthConfigError, MIN_SECRET_BYTES } from "./keys.js";
export type { AuthClaims, AuthSchemeDefinition, JwtAlgorithm, RouteAuthDefinition } from "./scheme.js";
export { startSession, endSession } from "./sessions.js";
