/**
 * Envelope encryption for ENCRYPTED fields (docs/entities.md, "Encrypted fields"): AES-256-GCM
 * through the Web Crypto API, so the same code runs on Node (globalThis.crypto is node:crypto's
 * webcrypto) and in the playground's browser.
 *
 * Two kinds of key:
 * - a master key, 32 random bytes from the environment (`KOVA_DATA_KEY`, base64), known by its
 *   id (the first 8 hex digits of its SHA-256), never stored; retired master keys
 *   (`KOVA_DATA_KEYS_RETIRED`, comma-separated) stay readable until `kova db rotate-keys` has
 *   re-wrapped every data key with the current one;
 * - data keys, 32 random bytes each, one per written record version, stored wrapped (encrypted) by
 *   a master key in the data source's key table (data-keys.ts), linked to the record (the data
 *   subject). Destroying a subject's data keys (`kova db forget`) makes every version of its
 *   encrypted values unreadable — crypto-shredding — while other records are untouched.
 *
 * A stored value is text: `kova1:<data key id>:<base64 of iv ‖ ciphertext ‖ tag>`, versioned by its
 * prefix. The value is bound to its entity and field (GCM's additional data), so a ciphertext
 * copied into another field does not decrypt there.
 */

// Types only (erased): the functions are the Web Crypto global's, on Node and in browsers alike.
import type { webcrypto } from "node:crypto";

type CryptoKey = webcrypto.CryptoKey;

/** The prefix of every encrypted value: the format's version. */
export const CIPHERTEXT_PREFIX = "kova1:";

const CIPHERTEXT_FORM = /^kova1:([0-9a-f-]{36}):([A-Za-z0-9+/]+={0,2})$/;

/** The environment variable holding the current master key. */
export const DATA_KEY_ENV = "KOVA_DATA_KEY";
/** The environment variable holding retired master keys, still readable (comma-separated). */
export const RETIRED_DATA_KEYS_ENV = "KOVA_DATA_KEYS_RETIRED";

const subtle = (): webcrypto.SubtleCrypto => globalThis.crypto.subtle as webcrypto.SubtleCrypto;

/** Why a master key or an encrypted value could not be used (names the variable or the key). */
export class DataKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataKeyError";
  }
}

/** Whether a stored value is an encrypted one (the codec refuses plaintext in an ENCRYPTED field). */
export function isCiphertext(value: unknown): value is string {
  return typeof value === "string" && CIPHERTEXT_FORM.test(value);
}

/** The data key id a stored encrypted value names. */
export function ciphertextKeyId(value: string): string | undefined {
  return CIPHERTEXT_FORM.exec(value)?.[1];
}

function toBase64(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

function fromBase64(text: string): Uint8Array {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function seal(key: CryptoKey, plain: Uint8Array, context: string): Promise<string> {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(await subtle().encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(context) }, key, plain));
  const out = new Uint8Array(iv.length + sealed.length);
  out.set(iv);
  out.set(sealed, iv.length);
  return toBase64(out);
}

/** Null when the bytes were not sealed by this key for this context (GCM's tag does not match). */
async function open(key: CryptoKey, text: string, context: string): Promise<Uint8Array | null> {
  const bytes = fromBase64(text);
  try {
    return new Uint8Array(await subtle().decrypt({ name: "AES-GCM", iv: bytes.subarray(0, 12), additionalData: encoder.encode(context) }, key, bytes.subarray(12)));
  } catch {
    return null;
  }
}

function aesKey(raw: Uint8Array): Promise<CryptoKey> {
  return subtle().importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

/** A data key in the clear (in memory only), with its id. */
export interface DataKey {
  id: string;
  key: CryptoKey;
  raw: Uint8Array;
}

/** A new random data key. */
export async function newDataKey(): Promise<DataKey> {
  const raw = globalThis.crypto.getRandomValues(new Uint8Array(32));
  return { id: globalThis.crypto.randomUUID(), key: await aesKey(raw), raw };
}

/** A field's value encrypted with a data key, bound to `entity.field`. */
export async function encryptValue(dataKey: DataKey, plain: string, entity: string, field: string): Promise<string> {
  return `${CIPHERTEXT_PREFIX}${dataKey.id}:${await seal(dataKey.key, encoder.encode(plain), `${entity}.${field}`)}`;
}

/** A stored value decrypted with its data key (a value that does not open under it is an error: tampering). */
export async function decryptValue(dataKey: DataKey, stored: string, entity: string, field: string): Promise<string> {
  const m = CIPHERTEXT_FORM.exec(stored);
  const plain = m === null ? null : await open(dataKey.key, m[2], `${entity}.${field}`);
  if (plain === null) throw new DataKeyError(`the encrypted value of ${entity}.${field} does not open with its data key (it was altered or copied from elsewhere)`);
  return decoder.decode(plain);
}

export interface MasterKey {
  id: string;
  key: CryptoKey;
}

/**
 * The master keys from the environment: the current one (wraps new data keys) and the retired ones
 * (unwrap data keys not yet re-wrapped). Made once per process by `fromEnv`.
 */
export class MasterKeys {
  private constructor(
    readonly current: MasterKey,
    private readonly byId: ReadonlyMap<string, MasterKey>,
  ) {}

  /**
   * Reads KOVA_DATA_KEY (required) and KOVA_DATA_KEYS_RETIRED (optional): each a base64 text of
   * 32 bytes (`openssl rand -base64 32`). A missing or malformed key is an error naming the variable.
   */
  static async fromEnv(env: Readonly<Record<string, string | undefined>>): Promise<MasterKeys> {
    const current = env[DATA_KEY_ENV];
    if (current === undefined || current.trim() === "") {
      throw new DataKeyError(`${DATA_KEY_ENV} is not set: ENCRYPTED fields need a master key (32 random bytes, base64: openssl rand -base64 32)`);
    }
    const retired = (env[RETIRED_DATA_KEYS_ENV] ?? "").split(",").map((k) => k.trim()).filter((k) => k !== "");
    const keys = [await masterKey(current.trim(), DATA_KEY_ENV)];
    for (const [i, text] of retired.entries()) keys.push(await masterKey(text, `${RETIRED_DATA_KEYS_ENV} (key ${i + 1})`));
    return new MasterKeys(keys[0], new Map(keys.map((k) => [k.id, k])));
  }

  /** Keys made up for this process alone (the playground, whose data lives only in the page). */
  static async ephemeral(): Promise<MasterKeys> {
    return MasterKeys.fromEnv({ [DATA_KEY_ENV]: toBase64(globalThis.crypto.getRandomValues(new Uint8Array(32))) });
  }

  /** A data key wrapped by the current master key, bound to its id. */
  async wrap(dataKey: DataKey): Promise<{ master: string; wrapped: string }> {
    return { master: this.current.id, wrapped: await seal(this.current.key, dataKey.raw, dataKey.id) };
  }

  /** A stored data key unwrapped by the master key that wrapped it (an error naming it when that key is not configured). */
  async unwrap(id: string, master: string, wrapped: string): Promise<DataKey> {
    const key = this.byId.get(master);
    if (key === undefined) {
      throw new DataKeyError(`data key ${id} is wrapped by master key ${master}, which is neither ${DATA_KEY_ENV} nor in ${RETIRED_DATA_KEYS_ENV}`);
    }
    const raw = await open(key.key, wrapped, id);
    if (raw === null) throw new DataKeyError(`data key ${id} does not unwrap with master key ${master} (its row was altered)`);
    return { id, key: await aesKey(raw), raw };
  }
}

async function masterKey(text: string, name: string): Promise<MasterKey> {
  let raw: Uint8Array;
  try {
    raw = fromBase64(text);
  } catch {
    throw new DataKeyError(`${name} is not base64 (expected 32 random bytes, base64: openssl rand -base64 32)`);
  }
  if (raw.length !== 32) throw new DataKeyError(`${name} holds ${raw.length} bytes; AES-256 needs 32 (openssl rand -base64 32)`);
  const digest = new Uint8Array(await subtle().digest("SHA-256", raw));
  const id = [...digest.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { id, key: await aesKey(raw) };
}
