/**
 * Reading and verifying a request's credential. Every failure — missing parts, bad base64, wrong
 * signature, `alg: none`, another algorithm, expired, not yet valid, wrong issuer or audience,
 * claims that do not match the declared shape, oversized — comes back as the same `invalid`, so a
 * 401 never tells a caller which check failed.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { AppEnv } from "../app.js";
import { loadedSchemeKeys, schemeKeys, type SchemeKeys } from "./keys.js";
import type { AuthClaims, AuthSchemeDefinition, JwtSchemeDefinition } from "./scheme.js";

/** Far above any real token (a few hundred bytes to ~2 KB), far below the header limit. */
export const MAX_TOKEN_LENGTH = 8192;

export type Credential = { state: "none" } | { state: "invalid" } | { state: "valid"; claims: AuthClaims };

const NONE: Credential = Object.freeze({ state: "none" });
const INVALID: Credential = Object.freeze({ state: "invalid" });
const BEARER = /^bearer +/i;

/** The token where the scheme says it is; anywhere else it is not looked for. */
export function tokenOf(scheme: JwtSchemeDefinition, headers: IncomingHttpHeaders): string | undefined {
  if (scheme.token.from === "header") {
    const value = headers.authorization;
    if (value === undefined) return undefined;
    // RFC 6750: `Bearer <token>`, the scheme name case-insensitive. Anything else is a bad credential.
    return BEARER.test(value) ? value.replace(BEARER, "").trim() : "";
  }
  return cookieValue(headers.cookie, scheme.token.name);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The request's credential, synchronously once the scheme's keys are loaded (a promise only for
 * the first request, and for a JWKS whose key may need fetching): no promise per request.
 */
export function verifyCredential(scheme: JwtSchemeDefinition, env: AppEnv, headers: IncomingHttpHeaders): Credential | Promise<Credential> {
  const token = tokenOf(scheme, headers);
  if (token === undefined) return NONE;
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return INVALID;
  const keys = loadedSchemeKeys(scheme, env);
  if (keys === undefined) return schemeKeys(scheme, env).then((loaded) => check(scheme, loaded, token));
  return check(scheme, keys, token);
}

function check(scheme: JwtSchemeDefinition, keys: SchemeKeys, token: string): Credential | Promise<Credential> {
  let payload: Record<string, unknown> | Promise<Record<string, unknown>>;
  try {
    payload = keys.verify(token);
  } catch {
    return INVALID;
  }
  if (payload instanceof Promise) return payload.then((p) => claimsOf(scheme, p), () => INVALID);
  return claimsOf(scheme, payload);
}

/** The declared claims only, checked against their shape: a signed token with a `role: "root"` fails too. */
function claimsOf(scheme: JwtSchemeDefinition, payload: Record<string, unknown>): Credential {
  const claims: Record<string, unknown> = {};
  for (const name of scheme.claimNames) if (Object.hasOwn(payload, name)) claims[name] = payload[name];
  if (typeof claims.sub !== "string" || scheme.validateClaims(claims).length > 0) return INVALID;
  return { state: "valid", claims: claims as AuthClaims };
}

/** Does the caller hold one of `roles`? The role claim may be one text or a list of texts. */
export function hasRole(scheme: AuthSchemeDefinition, claims: AuthClaims, roles: readonly string[]): boolean {
  if (roles.length === 0) return true;
  const held = scheme.roleClaim === null ? undefined : claims[scheme.roleClaim];
  if (typeof held === "string") return roles.includes(held);
  return Array.isArray(held) && held.some((r) => typeof r === "string" && roles.includes(r));
}
