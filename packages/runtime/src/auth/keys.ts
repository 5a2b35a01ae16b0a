/**
 * Turns a scheme's key source into its token verifier and signing key, once per scheme and
 * environment (a server resolves its environment once; tests start several servers in a process).
 *
 * Verifying is `fast-jwt` (the library @fastify/jwt uses): synchronous `node:crypto` with the key
 * imported once, so a request costs one HMAC or signature check. `jose` verified through Web
 * Crypto, whose every call hops to the libuv thread pool and re-imports a raw secret: measured
 * with bench/auth.mjs it held an authenticated endpoint to under half of Fastify + @fastify/jwt.
 * `jose` still fetches and caches JWKS (`createRemoteJWKSet`) and signs `sign_token`'s tokens.
 */
import { KeyObject } from "node:crypto";
import type { CryptoKey } from "jose";
import type { AppEnv } from "../app.js";
import { loadFastJwt, loadJose } from "./lazy.js";
import type { JwtSchemeDefinition } from "./scheme.js";

/** HS256 with a short secret can be brute-forced offline from one token: 32 bytes is RFC 7518's floor. */
export const MIN_SECRET_BYTES = 32;

/** Verified payload, or a throw for any failure; a promise only for a JWKS (the key may need fetching). */
export type TokenVerifier = (token: string) => Record<string, unknown> | Promise<Record<string, unknown>>;

export interface SchemeKeys {
  verify: TokenVerifier;
  /** Null for a JWKS (the issuer holds the private key): sign_token then fails with a clear error. */
  sign: Uint8Array | CryptoKey | null;
}

export class AuthConfigError extends Error {
  override name = "AuthConfigError";
}

const cache = new WeakMap<JwtSchemeDefinition, WeakMap<AppEnv, Promise<SchemeKeys>>>();
const ready = new WeakMap<JwtSchemeDefinition, WeakMap<AppEnv, SchemeKeys>>();

export function schemeKeys(scheme: JwtSchemeDefinition, env: AppEnv): Promise<SchemeKeys> {
  let byEnv = cache.get(scheme);
  if (byEnv === undefined) cache.set(scheme, (byEnv = new WeakMap()));
  let keys = byEnv.get(env);
  if (keys === undefined) {
    byEnv.set(env, (keys = loadKeys(scheme, env)));
    keys.then((loaded) => {
      let readyByEnv = ready.get(scheme);
      if (readyByEnv === undefined) ready.set(scheme, (readyByEnv = new WeakMap()));
      readyByEnv.set(env, loaded);
    }, () => undefined);
  }
  return keys;
}

/** The keys once loaded, without a promise: the per-request path stays synchronous. */
export function loadedSchemeKeys(scheme: JwtSchemeDefinition, env: AppEnv): SchemeKeys | undefined {
  return ready.get(scheme)?.get(env);
}

async function loadKeys(scheme: JwtSchemeDefinition, env: AppEnv): Promise<SchemeKeys> {
  const source = scheme.key(env);
  switch (source.from) {
    case "secret": {
      const secret = new TextEncoder().encode(source.secret ?? "");
      if (secret.length < MIN_SECRET_BYTES) {
        throw new AuthConfigError(`the AUTH jwt secret is ${secret.length === 0 ? "not set" : `${secret.length} bytes`}; it needs at least ${MIN_SECRET_BYTES} random bytes (e.g. openssl rand -base64 48)`);
      }
      return { verify: await verifier(scheme, Buffer.from(secret)), sign: secret };
    }
    case "publicKey": {
      if (!source.publicKey) throw new AuthConfigError("the AUTH jwt public key is not set");
      const pem = (text: string) => text.replace(/\\n/g, "\n");
      const verify = await verifier(scheme, pem(source.publicKey)).catch((e: Error) => {
        throw new AuthConfigError(`the AUTH jwt public key is not a PEM ${scheme.algorithm} public key: ${e.message}`);
      });
      const { importPKCS8 } = await loadJose();
      const sign = source.privateKey
        ? await importPKCS8(pem(source.privateKey), scheme.algorithm).catch((e: Error) => {
            throw new AuthConfigError(`the AUTH jwt private key is not a PEM PKCS#8 ${scheme.algorithm} key: ${e.message}`);
          })
        : null;
      return { verify, sign };
    }
    case "jwks": {
      if (!source.url) throw new AuthConfigError("the AUTH jwt JWKS URL is not set");
      let url: URL;
      try {
        url = new URL(source.url);
      } catch {
        throw new AuthConfigError(`the AUTH jwt JWKS URL ${JSON.stringify(source.url)} is not a URL`);
      }
      const { createRemoteJWKSet } = await loadJose();
      const jwks = createRemoteJWKSet(url, { timeoutDuration: 5000, cooldownDuration: 30_000 });
      const pems = new WeakMap<object, string>();
      return {
        verify: await verifier(scheme, async ({ header }) => {
          // Checked before any fetch: a token naming another algorithm never makes the server ask the issuer.
          if (header.alg !== scheme.algorithm) throw new Error("unexpected algorithm");
          const key = (await jwks(header as Parameters<typeof jwks>[0])) as CryptoKey;
          let pem = pems.get(key);
          if (pem === undefined) pems.set(key, (pem = KeyObject.from(key).export({ type: "spki", format: "pem" }) as string));
          return pem;
        }),
        sign: null,
      };
    }
  }
}

type KeyFetcher = (decoded: { header: Record<string, unknown> }) => Promise<string>;

/**
 * One algorithm pinned (so `alg: none` and key confusion fail before the signature is looked at),
 * `exp` and `sub` required, and `iss` / `aud` required when declared (fast-jwt checks them only
 * when present, where jose required them: the requirement is spelled out here).
 */
async function verifier(scheme: JwtSchemeDefinition, key: Buffer | string | KeyFetcher): Promise<TokenVerifier> {
  const { createVerifier } = await loadFastJwt();
  const requiredClaims = ["exp", "sub"];
  if (scheme.issuer !== null) requiredClaims.push("iss");
  if (scheme.audience !== null) requiredClaims.push("aud");
  return createVerifier({
    key: key as string,
    algorithms: [scheme.algorithm],
    allowedIss: scheme.issuer ?? undefined,
    allowedAud: scheme.audience ?? undefined,
    clockTolerance: scheme.skewSeconds * 1000,
    requiredClaims,
    cache: false,
  }) as TokenVerifier;
}
