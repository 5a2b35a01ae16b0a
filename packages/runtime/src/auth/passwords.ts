/**
 * hash_password / verify_password on Argon2id (`@node-rs/argon2`, prebuilt binaries, no compiler
 * needed). Chosen over node:crypto scrypt by measurement on the project machine at OWASP's
 * minimum settings for each: argon2id (19 MiB, t=2) ≈ 66–71 ms per hash or verify, scrypt
 * (N=2^15, r=8 — already below OWASP's 2^17) ≈ 610 ms; see docs/security.md. Hashes are PHC
 * strings (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) carrying their own cost, so the cost can be
 * raised later: old hashes still verify, and `passwordNeedsRehash` says which to upgrade.
 */
import { loadArgon2 } from "./lazy.js";

/** OWASP Password Storage Cheat Sheet (2023) minimum for Argon2id. */
export const ARGON2_COST = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;
// Algorithm.Argon2id is an ambient const enum (2); spelled as its value since it cannot be imported.
const ARGON2ID = 2;
const OPTIONS = { algorithm: ARGON2ID, ...ARGON2_COST };
/** Longer inputs are refused: a megabyte "password" is only load. */
export const MAX_PASSWORD_LENGTH = 1024;

export async function hashPassword(password: unknown): Promise<string> {
  if (typeof password !== "string" || password.length === 0) throw new TypeError("hash_password() needs a non-empty text");
  if (password.length > MAX_PASSWORD_LENGTH) throw new TypeError(`hash_password() takes at most ${MAX_PASSWORD_LENGTH} characters`);
  const { hash } = await loadArgon2();
  return hash(password.normalize("NFC"), OPTIONS);
}

// Verified against when there is no usable stored hash (an unknown user), so that answer costs a full verify too.
let dummy: Promise<string> | undefined;

/**
 * True when `password` matches `hash` (the comparison inside argon2 is constant time). A missing
 * hash (null: no such user) or an unreadable one still costs one full Argon2id run, against a
 * dummy hash, and is false: a login probe cannot tell "no such user" from "wrong password" by time.
 */
export async function verifyPassword(password: unknown, stored: unknown): Promise<boolean> {
  const acceptable = typeof password === "string" && password.length > 0 && password.length <= MAX_PASSWORD_LENGTH;
  const text = acceptable ? password.normalize("NFC") : "not a password";
  const usable = typeof stored === "string" && readCost(stored) !== undefined;
  const { hash, verify } = await loadArgon2();
  const target = usable ? (stored as string) : await (dummy ??= hash("kova dummy password", OPTIONS));
  let matches: boolean;
  try {
    matches = await verify(target, text);
  } catch {
    matches = false;
  }
  return matches && usable && acceptable;
}

/** True for a hash made with a lower cost than today's (or unreadable): rehash it once the password verified. */
export function passwordNeedsRehash(stored: unknown): boolean {
  const cost = typeof stored === "string" ? readCost(stored) : undefined;
  return cost === undefined || cost.m < ARGON2_COST.memoryCost || cost.t < ARGON2_COST.timeCost;
}

const PHC = /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,2}),p=(\d{1,2})\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{16,}$/;

function readCost(stored: string): { m: number; t: number; p: number } | undefined {
  const match = PHC.exec(stored);
  if (match === null) return undefined;
  const [m, t, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // Bounds keep a planted hash from asking for gigabytes of memory or minutes of CPU per login.
  if (m < 8192 || m > 262_144 || t < 1 || t > 10 || p < 1 || p > 8) return undefined;
  return { m, t, p };
}
