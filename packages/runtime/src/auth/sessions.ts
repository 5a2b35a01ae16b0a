/**
 * `AUTH session`: server-side sessions in a signed cookie.
 *
 * The cookie's value is `token.expires.signature`: 32 random bytes (URL-safe base64), the instant the
 * session ends (Unix seconds: issue time + the scheme's `expire`) and the HMAC-SHA256 of both under
 * the scheme's secret. The expiry is checked on the server, not left to the browser's Max-Age: a
 * copied cookie stops working when the session's lifetime is over, even if its row is never deleted. The session entity holds `hash_token(token)` for each live
 * session. A request is signed in when the signature verifies (checked in constant time, so a
 * forged or edited cookie costs no database read) and a row with the token's hash exists — so
 * deleting the row (end_session() at logout, or an admin deleting a user's sessions) ends the
 * session at once, whatever the cookie's lifetime. The HMAC is node:crypto's; the cookie is
 * written by the shared cookie helpers (cookies.ts) with HttpOnly, SameSite=Lax, Path=/, and Secure
 * whenever the request came over TLS (or a trusted proxy says so) or NODE_ENV is production.
 *
 * start_session() always makes a new token (rotation at login: a token planted before login — session
 * fixation — is never the one that becomes signed in); the program deletes the old row with
 * end_session() first if it wants the previous session gone too.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { AppEnv } from "../app.js";
import type { CookieInput, RequestCookies } from "../cookies.js";
import { AuthConfigError, MIN_SECRET_BYTES } from "./keys.js";
import type { SessionSchemeDefinition } from "./scheme.js";
import { hashToken, randomToken } from "./tokens.js";

/** What start_session() and end_session() need of the request (the Exchange a handler gets). */
export interface SessionContext {
  readonly env: AppEnv;
  readonly cookies: RequestCookies;
  readonly https: boolean;
  setCookie(name: string, cookie: CookieInput): void;
}

const keys = new WeakMap<SessionSchemeDefinition, WeakMap<AppEnv, Buffer>>();

/** The scheme's secret for this environment, checked once: at least 32 bytes, or an AuthConfigError. */
export function sessionSecret(scheme: SessionSchemeDefinition, env: AppEnv): Buffer {
  let byEnv = keys.get(scheme);
  if (byEnv === undefined) keys.set(scheme, (byEnv = new WeakMap()));
  let key = byEnv.get(env);
  if (key === undefined) {
    key = Buffer.from(scheme.secret(env) ?? "", "utf8");
    if (key.length < MIN_SECRET_BYTES) {
      throw new AuthConfigError(`the AUTH session secret is ${key.length === 0 ? "not set" : `${key.length} bytes`}; it needs at least ${MIN_SECRET_BYTES} random bytes (e.g. openssl rand -base64 48)`);
    }
    byEnv.set(env, key);
  }
  return key;
}

const sign = (key: Buffer, token: string): string => createHmac("sha256", key).update(token).digest("base64url");

/**
 * The session token of a cookie value, if its signature verifies and (unless `ignoreExpiry`, which
 * logout uses so an expired session's row can still be deleted) its lifetime is not over; null for
 * a forged, malformed or expired one.
 */
export function verifiedSessionToken(scheme: SessionSchemeDefinition, env: AppEnv, value: string, ignoreExpiry = false): string | null {
  if (value.length > 512) return null;
  const first = value.indexOf(".");
  const second = value.indexOf(".", first + 1);
  if (first <= 0 || second <= first + 1 || value.indexOf(".", second + 1) !== -1) return null;
  const signed = value.slice(0, second);
  const given = Buffer.from(value.slice(second + 1));
  const expected = Buffer.from(sign(sessionSecret(scheme, env), signed));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const expires = Number(value.slice(first + 1, second));
  if (!ignoreExpiry && !(expires * 1000 > Date.now())) return null;
  return value.slice(0, first);
}

/** start_session(): a new token, its signed cookie set on the response; returns hash_token(token) to store. */
export function startSession(ctx: SessionContext, scheme: SessionSchemeDefinition): string {
  const token = randomToken();
  const signed = `${token}.${Math.floor(Date.now() / 1000) + scheme.expireSeconds}`;
  const value = `${signed}.${sign(sessionSecret(scheme, ctx.env), signed)}`;
  ctx.setCookie(scheme.cookie, {
    value,
    http_only: true,
    same_site: "lax",
    secure: ctx.https || process.env.NODE_ENV === "production",
    max_age: scheme.expireSeconds * 1000,
  });
  return hashToken(token);
}

/** end_session(): clears the cookie; returns the hash of the request's validly signed session token, or null. */
export function endSession(ctx: SessionContext, scheme: SessionSchemeDefinition): string | null {
  const value = ctx.cookies[scheme.cookie];
  ctx.setCookie(scheme.cookie, { value: null, http_only: true, same_site: "lax", secure: ctx.https || process.env.NODE_ENV === "production" });
  if (value === undefined) return null;
  const token = verifiedSessionToken(scheme, ctx.env, value, true);
  return token === null ? null : hashToken(token);
}
