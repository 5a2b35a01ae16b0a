/**
 * `AUTH api_key`: the caller sends a key (from random_token()) in a header or a query parameter;
 * the app stores only hash_token(key), so a leaked table holds nothing a caller can present.
 *
 * The key's SHA-256 is looked up by the database through the entity's UNIQUE index, then compared
 * once more with `timingSafeEqual`: the lookup compares hashes, never the key, so its timing says
 * nothing about a key (finding a key from its hash is a SHA-256 preimage), and the second compare
 * keeps a case-insensitive collation (MariaDB's default) from matching a hash that differs in case.
 * Every request looks the row up: deleting it (or changing its hash) revokes the key at once.
 * AUTH session (sessions.ts) reads its token from a signed cookie and then does the same.
 */
import { timingSafeEqual } from "node:crypto";
import type { Exchange } from "../exchange.js";
import type { AuthClaims, ApiKeySchemeDefinition, SessionSchemeDefinition, StoredCredentialScheme } from "./scheme.js";
import { verifiedSessionToken } from "./sessions.js";
import { hashToken } from "./tokens.js";
import type { Credential } from "./verify.js";

/** random_token() keys are 43 characters; anything past this is not a key and is not hashed. */
export const MAX_API_KEY_LENGTH = 1024;

const NONE: Credential = Object.freeze({ state: "none" });
const INVALID: Credential = Object.freeze({ state: "invalid" });

/** The key where the scheme says it is; anywhere else it is not looked for. Sent twice: a bad credential. */
export function apiKeyOf(scheme: ApiKeySchemeDefinition, ex: Exchange): string | undefined {
  const value = scheme.location.from === "header" ? ex.headers[scheme.location.name] : ex.query[scheme.location.name];
  if (value === undefined) return undefined;
  return typeof value === "string" ? value.trim() : "";
}

export async function verifyApiKey(scheme: ApiKeySchemeDefinition, ex: Exchange): Promise<Credential> {
  const key = apiKeyOf(scheme, ex);
  if (key === undefined) return NONE;
  if (key.length === 0 || key.length > MAX_API_KEY_LENGTH) return INVALID;
  return storedCredential(scheme, ex, key);
}

/** AUTH session: the cookie's signature first (no database read for a forged one), then the session's row. */
export async function verifySession(scheme: SessionSchemeDefinition, ex: Exchange): Promise<Credential> {
  const value = ex.cookies[scheme.cookie];
  if (value === undefined) return NONE;
  const token = verifiedSessionToken(scheme, ex.env, value);
  if (token === null) return INVALID;
  return storedCredential(scheme, ex, token);
}

/** The row whose hash field holds hash_token(secret), compared again in constant time, as claims. */
async function storedCredential(scheme: StoredCredentialScheme, ex: Exchange, secret: string): Promise<Credential> {
  const hash = hashToken(secret);
  const row = (await scheme.lookup((source) => ex.db(source), hash)) as Record<string, unknown> | null | undefined;
  if (row === null || row === undefined || typeof row !== "object") return INVALID;
  const stored = row[scheme.hashField];
  if (typeof stored !== "string" || stored.length !== hash.length || !timingSafeEqual(Buffer.from(stored), Buffer.from(hash))) return INVALID;
  const claims: Record<string, unknown> = {};
  for (const name of scheme.claimNames) {
    const value = name === "sub" ? row[scheme.subjectField] : row[name];
    if (value !== null && value !== undefined) claims[name] = name === "sub" ? String(value) : value;
  }
  // The row is the program's own data, but a role column holding an undeclared role still fails closed.
  if (typeof claims.sub !== "string" || scheme.validateClaims(claims).length > 0) return INVALID;
  return { state: "valid", claims: claims as AuthClaims };
}
