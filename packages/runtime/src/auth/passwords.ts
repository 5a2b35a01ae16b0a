/**
 * hash_password / verify_password on node:crypto scrypt (measured against @node-rs/argon2 on this
 * machine: see docs/security.md). Hashes are self-describing PHC-style strings,
 * `$scrypt$ln=15,r=8,p=1$<salt>$<hash>`, so the cost can be raised later and old hashes still
 * verify (and `passwordNeedsRehash` says which to upgrade at the next login).
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/** OWASP's scrypt floor (2023): N = 2^15 with r = 8, p = 1 is ≈ 32 MiB per hash. */
export const SCRYPT_COST = { ln: 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** Longer inputs are refused: scrypt hashes any length, but a megabyte "password" is only load. */
export const MAX_PASSWORD_LENGTH = 1024;

interface Parsed {
  ln: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function derive(password: string, salt: Buffer, cost: { ln: number; r: number; p: number }): Promise<Buffer> {
  const N = 2 ** cost.ln;
  const options: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 128 * N * cost.r * 2 };
  return new Promise((resolve, reject) => scrypt(password.normalize("NFC"), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: unknown): Promise<string> {
  const text = passwordText(password);
  const salt = randomBytes(SALT_LENGTH);
  const hash = await derive(text, salt, SCRYPT_COST);
  return `$scrypt$ln=${SCRYPT_COST.ln},r=${SCRYPT_COST.r},p=${SCRYPT_COST.p}$${salt.toString("base64url")}$${hash.toString("base64url")}`;
}

// Verified against when there is no stored hash (an unknown user), so that answer takes as long as a wrong password.
let dummy: Promise<string> | undefined;

/**
 * True when `password` matches `hash`. A missing hash (null: no such user) or an unreadable one
 * still costs one full scrypt run, against a dummy hash, and is false — a login probe cannot tell
 * "no such user" from "wrong password" by the time the answer takes.
 */
export async function verifyPassword(password: unknown, hash: unknown): Promise<boolean> {
  const acceptable = typeof password === "string" && password.length <= MAX_PASSWORD_LENGTH;
  const text = acceptable ? password : "";
  const parsed = typeof hash === "string" ? parseHash(hash) : undefined;
  if (parsed === undefined) {
    const fallback = parseHash(await (dummy ??= hashPassword("kova-dummy-password")))!;
    await derive(text, fallback.salt, fallback);
    return false;
  }
  const derived = await derive(text, parsed.salt, parsed);
  return derived.length === parsed.hash.length && timingSafeEqual(derived, parsed.hash) && acceptable;
}

/** True for a hash made with a lower cost than today's: rehash it once the password verified. */
export function passwordNeedsRehash(hash: unknown): boolean {
  const parsed = typeof hash === "string" ? parseHash(hash) : undefined;
  return parsed === undefined || parsed.ln < SCRYPT_COST.ln || parsed.r < SCRYPT_COST.r;
}

const FORMAT = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{16,})$/;

function parseHash(hash: string): Parsed | undefined {
  const m = FORMAT.exec(hash);
  if (m === null) return undefined;
  const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Bounds keep a planted hash from asking for gigabytes of memory.
  if (ln < 10 || ln > 20 || r < 1 || r > 16 || p < 1 || p > 4) return undefined;
  return { ln, r, p, salt: Buffer.from(m[4], "base64url"), hash: Buffer.from(m[5], "base64url") };
}

function passwordText(password: unknown): string {
  if (typeof password !== "string" || password.length === 0) throw new TypeError("hash_password() needs a non-empty text");
  if (password.length > MAX_PASSWORD_LENGTH) throw new TypeError(`hash_password() takes at most ${MAX_PASSWORD_LENGTH} characters`);
  return password;
}
