/**
 * The AUTH scheme as the compiled app describes it (emit/js/auth.ts writes one), and the keys it
 * resolves to once per server: the contract between the emitter and the auth stage.
 */
import type { Driver } from "@kova/query";
import type { AppEnv, ValidationIssue } from "../app.js";

export type JwtAlgorithm = "HS256" | "HS384" | "HS512" | "RS256" | "RS384" | "RS512" | "PS256" | "ES256" | "ES384" | "EdDSA";

export type JwtKeySource =
  | { from: "secret"; secret: string | null }
  | { from: "publicKey"; publicKey: string | null; privateKey: string | null }
  | { from: "jwks"; url: string | null };

/** The scheme an endpoint's AUTH checks: bearer JWTs or API keys stored hashed in an entity. */
export type AuthSchemeDefinition = JwtSchemeDefinition | ApiKeySchemeDefinition | SessionSchemeDefinition;

export interface JwtSchemeDefinition {
  kind: "jwt";
  /** The only `alg` accepted: `none` and every other algorithm fail, so key confusion cannot happen. */
  algorithm: JwtAlgorithm;
  /** Built from the resolved environment when the server first needs it. */
  key: (env: AppEnv) => JwtKeySource;
  issuer: string | null;
  audience: string | null;
  /** sign_token's default time to live. */
  expireSeconds: number;
  /** Clock tolerance for `exp` and `nbf`. */
  skewSeconds: number;
  token: { from: "header" } | { from: "cookie"; name: string };
  /** The claim holding the caller's role(s); null when the program declares no roles. */
  roleClaim: string | null;
  /**
   * The claims shape's fields. A verified token's claims are cut down to these before they are
   * validated and handed to the handler: registered claims (iat, exp, iss, …) and any others the
   * issuer adds are not the program's business.
   */
  claimNames: string[];
  /** The claims shape's compiled validator: a signed token with malformed claims is refused too. */
  validateClaims: (claims: unknown) => ValidationIssue[];
}

/**
 * `AUTH api_key { entity: ApiKey, … }`: the key's SHA-256 (hash_token) is looked up in the entity;
 * the row, if any, gives the claims (sub from `subjectField`, the others by name).
 */
export interface ApiKeySchemeDefinition extends StoredCredentialScheme {
  kind: "api_key";
  /** Where the key is read: a header (lower-case name) or a query parameter. Nowhere else. */
  location: { from: "header" | "query"; name: string };
  /** The row whose `hashField` equals `hash`, or null; runs on the entity's data source. */
  lookup: (db: (source: string) => Driver, hash: string) => Promise<unknown>;
  hashField: string;
  subjectField: string;
  roleClaim: string | null;
  claimNames: string[];
  validateClaims: (claims: unknown) => ValidationIssue[];
}

/** What api_key and session schemes share: a row found by the credential's hash gives the claims. */
export interface StoredCredentialScheme {
  lookup: (db: (source: string) => Driver, hash: string) => Promise<unknown>;
  hashField: string;
  subjectField: string;
  roleClaim: string | null;
  claimNames: string[];
  validateClaims: (claims: unknown) => ValidationIssue[];
}

/**
 * `AUTH session USING secret(…) { entity: Session, … }`: the cookie holds `token.signature`
 * (HMAC-SHA256 of the token with the secret); the entity holds hash_token(token) per live session.
 */
export interface SessionSchemeDefinition extends StoredCredentialScheme {
  kind: "session";
  /** The signing secret from the resolved environment (at least 32 bytes). */
  secret: (env: AppEnv) => string | null;
  cookie: string;
  /** The cookie's Max-Age. */
  expireSeconds: number;
}

/** An endpoint's `AUTH …` modifier. */
export interface RouteAuthDefinition {
  scheme: AuthSchemeDefinition;
  /** A caller without a credential passes with `$auth` null; a bad credential is still a 401. */
  optional: boolean;
  /** One of these roles is required (403 otherwise); empty: any signed-in caller. */
  roles: string[];
}

/** The verified claims a handler reads as `$auth`. */
export type AuthClaims = Record<string, unknown> & { sub: string };
