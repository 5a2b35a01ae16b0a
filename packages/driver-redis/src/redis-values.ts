/**
 * Values in and out of Redis. Writes are validated strictly against the field's declared type (a
 * wrong value is the client's mistake: QueryError 400 naming the field). Each field is kept in the
 * row's hash as JSON text of the value Kova returns: strings, numbers (int limited to ±(2^53−1)),
 * true/false, datetime as an ISO-8601 UTC string with milliseconds, date as YYYY-MM-DD, json as
 * its JSON, null as `null`. JSON text keeps null apart from "" and reads back with its type.
 */
import { QueryError, type FieldSchema, type ScalarType } from "@kova/query";

/** A field value in its JSON form (what the hash holds as JSON text, and what reads return). */
export type StoredValue = unknown;

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
      return new Date(ms).toISOString();
    }
    case "json": {
      let text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch {
        text = undefined;
      }
      if (text === undefined) invalid(name, "a JSON value", value);
      return JSON.parse(text);
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
    return new Date(now).toISOString();
  }
  return encodeFieldValue(field, spec.value);
}

const INTEGER_ID = /^-?\d+$/;

/** An id argument as a safe integer, or undefined when it cannot name a row ("abc", 1.5, null). */
export function idValue(value: unknown): number | undefined {
  const n = typeof value === "string" && INTEGER_ID.test(value.trim()) ? Number(value) : value;
  return typeof n === "number" && Number.isSafeInteger(n) ? n : undefined;
}

/** LIMIT / OFFSET: a non-negative integer, else a 400. */
export function countValue(value: unknown, clause: "LIMIT" | "OFFSET"): number {
  const n = typeof value === "string" && INTEGER_ID.test(value.trim()) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw new QueryError(`${clause} must be a non-negative integer, got ${JSON.stringify(value) ?? String(value)}`, 400);
  }
  return n;
}

/** AS OF: an ISO-8601 date-time or epoch milliseconds (number or digits), as epoch ms; else a 400. */
export function asOfValue(value: unknown): number {
  const text = typeof value === "string" ? value.trim() : undefined;
  const ms = text !== undefined && INTEGER_ID.test(text) ? Number(text) : typeof value === "number" ? Math.trunc(value) : instantMs(value);
  if (ms === undefined || !Number.isFinite(ms)) {
    throw new QueryError(`AS OF needs an ISO-8601 date-time or epoch milliseconds, got ${JSON.stringify(value) ?? String(value)}`, 400);
  }
  return ms;
}
