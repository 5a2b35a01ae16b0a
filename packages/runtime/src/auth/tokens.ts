/** sign_token and random_token: what a login endpoint hands out. */
import { createHash, randomBytes } from "node:crypto";
import { loadJose } from "./lazy.js";
import type { AppEnv } from "../app.js";
import { schemeKeys } from "./keys.js";
import type { JwtSchemeDefinition } from "./scheme.js";

/**
 * A token for `claims` (which must match the scheme's claims shape, `sub` included), signed with
 * the scheme's pinned algorithm and key, with `iat`, `exp` (now + ttl, a duration in milliseconds,
 * default the scheme's `expire`), and the scheme's `iss` and `aud`.
 */
export async function signToken(env: AppEnv, scheme: JwtSchemeDefinition, claims: unknown, ttlMs?: unknown): Promise<string> {
  if (claims === null || typeof claims !== "object" || Array.isArray(claims)) throw new TypeError("sign_token() takes the claims as an object, such as { sub: user.id }");
  const issues = scheme.validateClaims(claims);
  if (issues.length > 0) throw new TypeError(`sign_token(): the claims do not match the declared shape: ${issues.map((i) => `${i.field || "(claims)"} ${i.message}`).join("; ")}`);
  const ttl = ttlMs === undefined || ttlMs === null ? scheme.expireSeconds : Math.floor(Number(ttlMs) / 1000);
  if (!Number.isFinite(ttl) || ttl <= 0) throw new TypeError("sign_token(): the time to live must be a positive duration, such as 15m");
  const keys = await schemeKeys(scheme, env);
  if (keys.sign === null) throw new TypeError("sign_token(): this AUTH scheme verifies tokens from a JWKS and has no key to sign with");
  const { SignJWT } = await loadJose();
  const jwt = new SignJWT({ ...(claims as Record<string, unknown>) }).setProtectedHeader({ alg: scheme.algorithm, typ: "JWT" }).setIssuedAt().setExpirationTime(`${ttl}s`);
  if (scheme.issuer !== null) jwt.setIssuer(scheme.issuer);
  if (scheme.audience !== null) jwt.setAudience(scheme.audience);
  return jwt.sign(keys.sign as Uint8Array);
}

/** `n` random bytes (default 32, at most 1024) as URL-safe base64: reset links, API keys, refresh tokens. */
export function randomToken(n?: unknown): string {
  const bytes = n === undefined || n === null ? 32 : Number(n);
  if (!Number.isInteger(bytes) || bytes < 16 || bytes > 1024) throw new TypeError("random_token(n) takes a whole number of bytes from 16 to 1024");
  return randomBytes(bytes).toString("base64url");
}

/**
 * SHA-256 of a random token, as URL-safe base64: what to store for refresh tokens and API keys, so
 * a leaked table holds nothing a caller can present. (A fast hash is right here, unlike for
 * passwords: the token is 32 random bytes, so there is nothing to guess.)
 */
export function hashToken(token: unknown): string {
  if (typeof token !== "string" || token.length === 0) throw new TypeError("hash_token() needs a non-empty text");
  return createHash("sha256").update(token).digest("base64url");
}
