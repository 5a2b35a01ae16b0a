/**
 * Values in and out of MongoDB. Writes are validated strictly against the field's declared type
 * (a wrong value is the client's mistake: QueryError 400 naming the field); filter arguments are
 * converted leniently so they compare like with like (a "42" path parameter against an int field).
 *
 * Stored forms: string/uuid (lower-cased)/date (YYYY-MM-DD) → string; datetime → BSON date;
 * int → number (int32 or double; limited to ±(2^53−1), so exact); float/decimal → double;
 * boolean → bool; json → a string of JSON text (a JSON object's keys may start with `$` or hold
 * `.`, which MongoDB documents do not take safely, and text compares as the embedded store's does).
 */
import { QueryError, type FieldSchema, type ScalarType } from "@kova/query";
import type { Encoding } from "./mongo-compiled.js";

export type StoredValue = string | number | boolean | Date | null;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** An ISO-8601 date-time; Date.parse alone would also accept "March 7" or "1". */
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const INTEGER_TEXT = /^-?\d+$/;

function shown(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : typeof value === "object" && value !== null ? "an object" : String(value);
}

function invalid(field: string, expected: string, value: unknown): never {
  throw new QueryError(`field "${field}" must be ${expected}, got ${shown(value)}`, 400, field);
}

/** Epoch ms of an instant (ISO-8601 text, epoch ms number or Date), or undefined. */
export function instantMs(value: unknown): number | undefined {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === "number") ms = value;
  else if (typeof value === "string" && ISO_DATETIME.test(value.trim())) ms = Date.parse(value.trim());
  else return undefined;
  return Number.isFinite(ms) && !Number.isNaN(new Date(ms).getTime()) ? ms : undefined;
}

function validDate(value: string): boolean {
  const m = DATE.exec(value);
  if (m === null) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.getUTCFullYear() === Number(m[1]) && date.getUTCMonth() === Number(m[2]) - 1 && date.getUTCDate() === Number(m[3]);
}

/** A value to be written into `field`, checked and converted to its stored form (null passes). */
export function encodeFieldValue(field: FieldSchema, value: unknown): StoredValue {
  if (value === null || value === undefined) return null;
  const name = field.name;
  switch (field.type) {
    case "string":
      if (typeof value !== "string") invalid(name, "a string", value);
      if (field.enumValues !== undefined && !field.enumValues.includes(value)) {
        invalid(name, `one of ${field.enumValues.map((v) => JSON.stringify(v)).join(", ")}`, value);
      }
      return value;
    case "uuid":
      if (typeof value !== "string" || !UUID.test(value)) invalid(name, "a UUID", value);
      return value.toLowerCase();
    case "int":
      if (typeof value === "bigint" && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) {
        return Number(value);
      }
      if (typeof value !== "number" || !Number.isInteger(value)) invalid(name, "an integer", value);
      if (!Number.isSafeInteger(value)) invalid(name, "an integer between -9007199254740991 and 9007199254740991", value);
      return value;
    case "float":
    case "decimal":
      if (typeof value === "string" && field.type === "decimal" && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value)) return Number(value);
      if (typeof value !== "number" || !Number.isFinite(value)) invalid(name, "a finite number", value);
      return value;
    case "boolean":
      if (typeof value !== "boolean") invalid(name, "true or false", value);
      return value;
    case "date":
      if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
      if (typeof value !== "string" || !validDate(value)) invalid(name, "a date (YYYY-MM-DD)", value);
      return value;
    case "datetime": {
      const ms = typeof value === "number" && !Number.isInteger(value) ? undefined : instantMs(value);
      if (ms === undefined) invalid(name, "an ISO-8601 date-time or epoch milliseconds", value);
      return new Date(ms);
    }
    case "json": {
      let text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch {
        text = undefined;
      }
      if (text === undefined) invalid(name, "a JSON value", value);
      return text;
    }
  }
}

/** The value a `default` clause gives a field on insert. */
export function defaultValue(field: FieldSchema, now: number): StoredValue | undefined {
  const spec = field.default;
  if (spec === undefined) return undefined;
  if ("now" in spec) {
    if (field.type === "date") return new Date(now).toISOString().slice(0, 10);
    if (field.type === "int" || field.type === "float" || field.type === "decimal") return now;
    if (field.type === "datetime") return new Date(now);
    return new Date(now).toISOString();
  }
  return encodeFieldValue(field, spec.value);
}

function encodeLenient(type: ScalarType | "id" | "instant" | "any", value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "id":
    case "int":
      return typeof value === "string" && INTEGER_TEXT.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : value;
    case "float":
    case "decimal":
      return typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)) ? Number(value) : value;
    case "boolean":
      return value === "true" ? true : value === "false" ? false : value;
    case "datetime":
    case "instant": {
      const ms = typeof value === "string" && INTEGER_TEXT.test(value.trim()) && type === "instant" ? Number(value) : instantMs(value);
      return ms === undefined ? value : new Date(ms);
    }
    case "date":
      return value instanceof Date ? value.toISOString().slice(0, 10) : value;
    case "uuid":
      return typeof value === "string" && UUID.test(value) ? value.toLowerCase() : value;
    case "json":
      return typeof value === "string" ? value : JSON.stringify(value);
    default:
      return value;
  }
}

/**
 * A LIKE pattern as a regular expression source: the literal parts have every regex
 * metacharacter escaped, `%` → `.*`, `_` → `.` (with the `s` option so they span newlines, as in
 * SQL). Anchored with `^` at the start and `(?![\s\S])` at the end: unlike `$`, which also matches
 * before a final newline, that lookahead holds only at the very end (same in PCRE and JavaScript).
 */
export function likeToRegex(pattern: string): string {
  let source = "^";
  for (const ch of pattern) {
    if (ch === "%") source += ".*";
    else if (ch === "_") source += ".";
    else source += ch.replace(/[\\^$.*+?()[\]{}|/-]/g, (c) => `\\${c}`);
  }
  return source + "(?![\\s\\S])";
}

/** A regex source that matches nothing (a LIKE whose pattern is null or not text). */
const NOTHING = "(?!)";

/** Turns a run-time argument (or a constant) into the value put at its slot. */
export function encodeSlotValue(encoding: Encoding, value: unknown): unknown {
  switch (encoding.kind) {
    case "scalar":
      return encodeLenient(encoding.type, value);
    case "instant":
      return encodeLenient("instant", value);
    case "any":
      return value === undefined ? null : value;
    case "list": {
      const items = Array.isArray(value) ? value : value === null || value === undefined ? [] : [value];
      return items.map((item) => encodeLenient(encoding.type, item)).filter((item) => item !== null);
    }
    case "like":
      return typeof value === "string" ? likeToRegex(value) : NOTHING;
    case "count": {
      const n = typeof value === "string" && INTEGER_TEXT.test(value.trim()) ? Number(value) : value;
      if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
        throw new QueryError(`${encoding.clause} must be a non-negative integer, got ${JSON.stringify(value) ?? String(value)}`, 400);
      }
      return n;
    }
    case "asOf": {
      const text = typeof value === "string" ? value.trim() : undefined;
      const ms = text !== undefined && INTEGER_TEXT.test(text) ? Number(text) : typeof value === "number" ? Math.trunc(value) : instantMs(value);
      if (ms === undefined || !Number.isFinite(ms)) {
        throw new QueryError(`AS OF needs an ISO-8601 date-time or epoch milliseconds, got ${JSON.stringify(value) ?? String(value)}`, 400);
      }
      return new Date(ms);
    }
  }
}

/** Converts a stored value back to the field's JavaScript type. */
export function decodeValue(type: ScalarType | "id", value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "datetime":
      return value instanceof Date ? value.toISOString() : value;
    case "json":
      return typeof value === "string" ? JSON.parse(value) : value;
    default:
      // int32 / double come back as JS numbers (the client's promoteValues default).
      return value;
  }
}
