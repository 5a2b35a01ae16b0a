/** Checks of what callers hand the store: keys, collection names, values, instants, field paths. */
import { InvalidCollectionError, InvalidFieldError, InvalidInstantError, InvalidKeyError, InvalidValueError, ValueTooLargeError } from "./errors.js";

export const MAX_KEY_BYTES = 1024;
export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;

// C0 and C1 controls, DEL: invisible in a terminal, ambiguous in a URL, so never part of a key.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const DOT_DOT = /(^|\/)\.\.(\/|$)/;

export function checkKey(key: unknown): string {
  if (typeof key !== "string") throw new InvalidKeyError(key, `a key is a string, not ${key === null ? "null" : typeof key}`);
  if (key === "") throw new InvalidKeyError(key, "a key cannot be empty");
  // A string's UTF-8 length is at most 3 bytes per UTF-16 unit: short keys skip the count.
  const bytes = key.length * 3 <= MAX_KEY_BYTES ? 0 : Buffer.byteLength(key, "utf8");
  if (bytes > MAX_KEY_BYTES) throw new InvalidKeyError(key, `${bytes} bytes is over the limit of ${MAX_KEY_BYTES}`);
  const control = CONTROL.exec(key);
  if (control !== null) throw new InvalidKeyError(key, `it holds the control character U+${control[0].charCodeAt(0).toString(16).padStart(4, "0").toUpperCase()} at position ${control.index + 1}`);
  if (DOT_DOT.test(key)) throw new InvalidKeyError(key, "a '..' segment is not allowed (keys are not paths to climb out of)");
  return key;
}

const COLLECTION = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;

export function checkCollection(collection: unknown): string {
  if (typeof collection !== "string") throw new InvalidCollectionError(collection, `a collection name is a string, not ${typeof collection}`);
  if (!COLLECTION.test(collection)) {
    throw new InvalidCollectionError(collection, collection === "" ? "it is empty" : "it must be letters, digits and '_', starting with a letter, at most 63 characters");
  }
  if (collection.endsWith("__history")) throw new InvalidCollectionError(collection, "the name is the store's own bookkeeping");
  return collection;
}

/** The value as stored JSON text, or an error naming the key. */
export function encodeValue(key: string, value: unknown, limit: number): string {
  let text: string | undefined;
  try {
    text = value === undefined ? undefined : JSON.stringify(value, refuseNonJson);
  } catch (error) {
    throw new InvalidValueError(key, (error as Error).message);
  }
  if (text === undefined) throw new InvalidValueError(key, "undefined is not JSON (use null to store nothing)");
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > limit) throw new ValueTooLargeError(key, bytes, limit);
  return text;
}

/** JSON.stringify quietly turns NaN into null and drops functions: refuse them instead. */
function refuseNonJson(this: unknown, name: string, value: unknown): unknown {
  if (typeof value === "number" && !Number.isFinite(value)) throw new Error(`${value} at ${name === "" ? "the top" : `'${name}'`} is not a JSON number`);
  if (typeof value === "function" || typeof value === "symbol") throw new Error(`a ${typeof value} at ${name === "" ? "the top" : `'${name}'`} is not JSON`);
  if (typeof value === "bigint") throw new Error(`a bigint at ${name === "" ? "the top" : `'${name}'`} is not JSON (store it as a string)`);
  return value;
}

/** JSON text (from the CLI or an HTTP body) parsed, or an error naming the key and the position. */
export function parseValueText(key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidValueError(key, `not JSON (${(error as Error).message})`);
  }
}

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export type Instant = Date | string | number;

/** An instant as epoch milliseconds: a valid Date, ISO 8601 text, or epoch milliseconds. */
export function toEpochMs(instant: unknown): number {
  if (instant instanceof Date) {
    if (Number.isNaN(instant.getTime())) throw new InvalidInstantError(instant);
    return instant.getTime();
  }
  if (typeof instant === "number") {
    if (!Number.isFinite(instant) || instant < 0) throw new InvalidInstantError(instant);
    return Math.floor(instant);
  }
  if (typeof instant === "string") {
    if (/^\d{1,16}$/.test(instant)) return Number(instant);
    if (ISO.test(instant)) {
      const ms = Date.parse(instant);
      if (!Number.isNaN(ms)) return ms;
    }
  }
  throw new InvalidInstantError(instant);
}

const FIELD = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export function checkField(field: unknown): string {
  if (typeof field !== "string" || !FIELD.test(field)) throw new InvalidFieldError(field, "not a field name or dotted path");
  return field;
}
