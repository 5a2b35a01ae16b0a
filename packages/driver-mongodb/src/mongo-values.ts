/**
 * Values in and out of MongoDB. Writes are validated strictly against the field's declared type
 * (a wrong value is the client's mistake: QueryError 400 naming the field); filter arguments are
 * converted leniently so they compare like with like (a "42" path parameter against an int field).
 *
 * Stored forms: string/uuid (lower-cased)/date (YYYY-MM-DD) → string; datetime → BSON date;
 * int → number (int32 or double; limited to ±(2^53−1), so exact); float/decimal → double;
 * boolean → bool; a list field → an array; json → a string of JSON text (a JSON object's keys may start with `$` or hold
 * `.`, which MongoDB documents do not take safely, and text compares as the embedded store's does).
 */
import {
  asOfMs,
  checkFieldValue,
  countValue,
  declaredDefault,
  INTEGER_TEXT,
  instantMs,
  listItems,
  nowDefault,
  UUID_PATTERN,
  type FieldSchema,
  type ScalarType,
} from "@kova/query";
import type { Encoding } from "./mongo-compiled.js";

export type StoredValue = string | number | boolean | Date | null | Array<string | number>;

/**
 * A value to be written into `field`, checked by the shared rules (checkFieldValue) and converted
 * to its stored form: datetimes become BSON dates, so they sort and compare as instants.
 */
export function encodeFieldValue(field: FieldSchema, value: unknown): StoredValue {
  const checked = checkFieldValue(field, value);
  // A list of strings or numbers is kept as a native array (no key of it can start with `$`), so
  // `contains` is an element match; other json stays JSON text.
  if (field.items !== undefined && checked !== null) return JSON.parse(checked as string) as Array<string | number>;
  return field.type === "datetime" && checked !== null ? new Date(checked as string) : checked;
}

/** The value a `default` clause gives a field on insert. */
export function defaultValue(field: FieldSchema, now: number): StoredValue | undefined {
  return declaredDefault(field, now, encodeFieldValue, (f, ms) => (f.type === "datetime" ? new Date(ms) : nowDefault(f, ms)));
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
      return typeof value === "string" && UUID_PATTERN.test(value) ? value.toLowerCase() : value;
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
  const literal = (ch: string) => ch.replace(/[\\^$.*+?()[\]{}|/-]/g, (c) => `\\${c}`);
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    // `\` makes the next character literal (how Kova escapes a request value's % and _).
    if (ch === "\\" && i + 1 < chars.length) source += literal(chars[++i]);
    else if (ch === "%") source += ".*";
    else if (ch === "_") source += ".";
    else source += literal(ch);
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
    case "list":
      return listItems(value).map((item) => encodeLenient(encoding.type, item)).filter((item) => item !== null);
    case "like":
      return typeof value === "string" ? likeToRegex(value) : NOTHING;
    case "count":
      return countValue(value, encoding.clause);
    case "asOf":
      return new Date(asOfMs(value));
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
