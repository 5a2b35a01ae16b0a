/**
 * Turns a scheme's key source into what `jose` verifies and signs with, once per scheme and
 * environment (a server resolves its environment once; tests start several servers in a process).
 */
import type { CryptoKey, JWTVerifyGetKey } from "jose";
import type { AppEnv } from "../app.js";
import { loadJose } from "./lazy.js";
import type { AuthSchemeDefinition } from "./scheme.js";

/** HS256 with a short secret can be brute-forced offline from one token: 32 bytes is RFC 7518's floor. */
export const MIN_SECRET_BYTES = 32;

export interface SchemeKeys {
  verify: Uint8Array | CryptoKey | JWTVerifyGetKey;
  /** Null for a JWKS (the issuer holds the private key): sign_token then fails with a clear error. */
  sign: Uint8Array | CryptoKey | null;
}

export class AuthConfigError extends Error {
  override name = "AuthConfigError";
}

const cache = new WeakMap<AuthSchemeDefinition, WeakMap<AppEnv, Promise<SchemeKeys>>>();

export function schemeKeys(scheme: AuthSchemeDefinition, env: AppEnv): Promise<SchemeKeys> {
  let byEnv = cache.get(scheme);
  if (byEnv === undefined) cache.set(scheme, (byEnv = new WeakMap()));
  let keys = byEnv.get(env);
  if (keys === undefined) byEnv.set(env, (keys = loadKeys(scheme, env)));
  return keys;
}

async function loadKeys(scheme: AuthSchemeDefinition, env: AppEnv): Promise<SchemeKeys> {
  const source = scheme.key(env);
  const { createRemoteJWKSet, importPKCS8, importSPKI } = await loadJose();
  switch (source.from) {
    case "secret": {
      const secret = new TextEncoder().encode(source.secret ?? "");
      if (secret.length < MIN_SECRET_BYTES) {
        throw new AuthConfigError(`the AUTH jwt secret is ${secret.length === 0 ? "not set" : `${secret.length} bytes`}; it needs at least ${MIN_SECRET_BYTES} random bytes (e.g. openssl rand -base64 48)`);
      }
      return { verify: secret, sign: secret };
    }
    case "publicKey": {
      if (!source.publicKey) throw new AuthConfigError("the AUTH jwt public key is not set");
      const pem = (text: string) => text.replace(/\\n/g, "\n");
      const verify = await importSPKI(pem(source.publicKey), scheme.algorithm).catch((e: Error) => {
        throw new AuthConfigError(`the AUTH jwt public key is not a PEM ${scheme.algorithm} public key: ${e.message}`);
      });
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
      return { verify: createRemoteJWKSet(url, { timeoutDuration: 5000, cooldownDuration: 30_000 }), sign: null };
    }
  }
}
