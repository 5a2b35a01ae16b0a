/**
 * The `auth` pipeline stage: after the inputs are typed and BEFORE the body is read, so an
 * anonymous or forged request never makes the server read (or parse) its body.
 *
 *   no credential      → 401 (or, with `AUTH optional`, the handler runs with `$auth` null)
 *   bad credential     → 401, the same body and header whatever was wrong with it
 *   wrong role         → 403
 *
 * Ownership (`AUTH owner(field)`) is not decided here: the compiler adds `field = $auth.sub` to
 * the endpoint's queries, so it holds inside the database statement itself.
 */
import type { Reply } from "../app.js";
import type { Exchange, StageOutcome } from "../exchange.js";
import type { PipelineStage } from "../pipeline.js";
import { verifyApiKey, verifySession } from "./api-key.js";
import { AuthConfigError } from "./keys.js";
import type { RouteAuthDefinition } from "./scheme.js";
import { hasRole, verifyCredential, type Credential } from "./verify.js";

export const AuthProblemType = {
  unauthorized: "urn:kova:problem:unauthorized",
  forbidden: "urn:kova:problem:forbidden",
} as const;

/** One detail for every 401: which check failed is not the caller's business. */
export const UNAUTHORIZED_DETAIL = "this endpoint needs a valid credential";

export const authStage: PipelineStage = {
  name: "auth",
  run(ex: Exchange): StageOutcome | Promise<StageOutcome> {
    const auth = ex.route.definition.auth;
    if (auth === undefined) return undefined;
    let credential: Credential | Promise<Credential>;
    try {
      const scheme = auth.scheme;
      credential = scheme.kind === "jwt" ? verifyCredential(scheme, ex.env, ex.headers)
        : scheme.kind === "api_key" ? verifyApiKey(scheme, ex)
        : verifySession(scheme, ex);
    } catch (error) {
      return misconfigured(ex, error);
    }
    // Synchronous once the keys are loaded: most requests decide here without a promise.
    if (!(credential instanceof Promise)) return decide(ex, auth, credential);
    return credential.then((c) => decide(ex, auth, c), (error: unknown) => misconfigured(ex, error));
  },
};

function misconfigured(ex: Exchange, error: unknown): never {
  // A missing or malformed key is the operator's problem: log it (it holds no token), answer 500.
  if (error instanceof AuthConfigError) ex.log.error({ err: { message: error.message } }, "AUTH is misconfigured");
  throw error instanceof AuthConfigError ? new Error("authentication is not configured on this server") : error;
}

function decide(ex: Exchange, auth: RouteAuthDefinition, credential: Credential): StageOutcome {
  if (credential.state === "none") {
    if (auth.optional) return undefined;
    return unauthorized(ex, auth, false);
  }
  if (credential.state === "invalid") return unauthorized(ex, auth, true);
  if (!hasRole(auth.scheme, credential.claims, auth.roles)) {
    return ex.problem(403, `this endpoint needs the role ${auth.roles.join(" or ")}`, AuthProblemType.forbidden);
  }
  ex.auth = credential.claims;
  return undefined;
}

function unauthorized(ex: Exchange, auth: RouteAuthDefinition, presented: boolean): Reply {
  const scheme = auth.scheme;
  if (scheme.kind === "session") {
    // No registered scheme for cookie sessions either: this names the cookie that signs the caller in.
    ex.setHeader("www-authenticate", `Cookie realm="kova", name="${scheme.cookie}"`);
  } else if (scheme.kind === "api_key") {
    // No registered scheme for API keys: this names where the key goes (as OpenAPI's apiKey does), the same for a missing or a bad one.
    ex.setHeader("www-authenticate", `ApiKey realm="kova", in="${scheme.location.from}", name="${scheme.location.name}"`);
  } else {
    // RFC 6750 §3: a presented but rejected token adds error="invalid_token".
    ex.setHeader("www-authenticate", presented ? 'Bearer realm="kova", error="invalid_token"' : 'Bearer realm="kova"');
  }
  return ex.problem(401, UNAUTHORIZED_DETAIL, AuthProblemType.unauthorized);
}
