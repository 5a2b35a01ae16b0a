/**
 * Values in and out of SQLite. Writes are validated strictly against the field's declared type
 * (a wrong value is the client's mistake: QueryError 400 naming the field); filter arguments are
 * converted leniently so they compare like with like (a "42" path parameter against an int column).
 *
 * Storage: string/uuid/date/datetime → TEXT (datetime as ISO-8601 UTC with milliseconds, so text
 * order is time order), int → INTEGER, float/decimal → REAL, boolean → INTEGER 0/1, json → TEXT.
 */
import { QueryError, type FieldSchema, type ScalarType } from "@kova/query";
import type { Encoding, ResultColumn } from "./sqlite-compiled.js";

export type SqliteValue = string | number | bigint | null;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** An ISO-8601 date-time; Date.parse alone would also accept "March 7" or "1". */
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const INTEGER_TEXT = /^-?\d+$/;

export function sqliteColumnType(type: ScalarType): "TEXT" | "INTEGER" | "REAL" {
  switch (type) {
    case "int":
    case "boolean":
      return "INTEGER";
    case "float":
    case "decimal":
      return "REAL";
    default:
      return "TEXT";
  }
}

function invalid(field: string, expected: string, value: unknown): never {
  const shown = typeof value === "string" ? JSON.stringify(value) : typeof value === "object" ? "an object" : String(value);
  throw new QueryError(`field "${field}" must be ${expected}, got ${shown}`, 400, field);
}

/** ISO-8601 UTC with milliseconds, or undefined when the value is no instant. */
export function toIsoInstant(value: unknown): string | undefined {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === "number") ms = value;
  else if (typeof value === "string" && ISO_DATETIME.test(value.trim())) ms = Date.parse(value.trim());
  else return undefined;
  if (!Number.isFinite(ms)) return undefined;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function validDate(value: string): boolean {
  const m = DATE.exec(value);
  if (m === null) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.getUTCFullYear() === Number(m[1]) && date.getUTCMonth() === Number(m[2]) - 1 && date.getUTCDate() === Number(m[3]);
}

/**
 * A value to be written into `field`, checked and converted to its stored form. `null` is allowed
 * here for every field; whether the field may be null is the caller's check (it knows defaults).
 */
export function encodeFieldValue(field: FieldSchema, value: unknown): SqliteValue {
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
      // Integers are kept within JavaScript's exact range so every stored value reads back equal
      // (and serialises to JSON) without BigInt.
      if (typeof value === "bigint" && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) {
        return Number(value);
      }
      if (typeof value !== "number" || !Number.isInteger(value)) invalid(name, "an integer", value);
      if (!Number.isSafeInteger(value)) invalid(name, "an integer between -9007199254740991 and 9007199254740991", value);
      return value;
    case "float":
    case "decimal":
      if (typeof value === "string" && field.type === "decimal" && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value)) {
        return Number(value);
      }
      if (typeof value !== "number" || !Number.isFinite(value)) invalid(name, "a finite number", value);
      return value;
    case "boolean":
      if (typeof value !== "boolean") invalid(name, "true or false", value);
      return value ? 1 : 0;
    case "date": {
      if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
      if (typeof value !== "string" || !validDate(value)) invalid(name, "a date (YYYY-MM-DD)", value);
      return value;
    }
    case "datetime": {
      const iso = typeof value === "number" && !Number.isInteger(value) ? undefined : toIsoInstant(value);
      if (iso === undefined) invalid(name, "an ISO-8601 date-time or epoch milliseconds", value);
      return iso;
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
export function defaultValue(field: FieldSchema, now: number): SqliteValue | undefined {
  const spec = field.default;
  if (spec === undefined) return undefined;
  if ("now" in spec) {
    const iso = new Date(now).toISOString();
    if (field.type === "date") return iso.slice(0, 10);
    if (field.type === "int" || field.type === "float" || field.type === "decimal") return now;
    return iso;
  }
  return encodeFieldValue(field, spec.value);
}

function encodeLenient(type: ScalarType | "id" | "instant" | "any", value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  switch (type) {
    case "id":
    case "int":
      if (typeof value === "string" && INTEGER_TEXT.test(value)) {
        const n = Number(value);
        return Number.isSafeInteger(n) ? n : BigInt(value);
      }
      return value;
    case "float":
    case "decimal":
      return typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)) ? Number(value) : value;
    case "boolean":
      return value === "true" ? 1 : value === "false" ? 0 : value;
    case "datetime":
      return toIsoInstant(value) ?? value;
    case "date":
      return value instanceof Date ? value.toISOString().slice(0, 10) : value;
    case "uuid":
      return typeof value === "string" && UUID.test(value) ? value.toLowerCase() : value;
    case "json":
      return typeof value === "string" ? value : JSON.stringify(value);
    case "instant":
      return parseInstant(value) ?? value;
    default:
      return value instanceof Date ? value.toISOString() : value;
  }
}

/** Epoch milliseconds from an ISO string, a string of digits, a number or a Date. */
function parseInstant(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? Math.trunc(value) : undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  if (typeof value === "string") {
    const text = value.trim();
    if (INTEGER_TEXT.test(text)) return Number(text);
    const iso = toIsoInstant(text);
    return iso === undefined ? undefined : Date.parse(iso);
  }
  return undefined;
}

/** Turns a run-time argument into the value bound to its placeholder. */
export function encodeParam(encoding: Encoding, value: unknown): unknown {
  switch (encoding.kind) {
    case "scalar":
      return encodeLenient(encoding.type, value);
    case "instant":
      return encodeLenient("instant", value);
    case "any":
      return encodeLenient("any", value);
    case "list": {
      const items = Array.isArray(value) ? value : value === null || value === undefined ? [] : [value];
      return JSON.stringify(items.map((item) => encodeLenient(encoding.type, item)));
    }
    case "count": {
      const n = typeof value === "string" && INTEGER_TEXT.test(value.trim()) ? Number(value) : value;
      if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
        throw new QueryError(`${encoding.clause} must be a non-negative integer, got ${JSON.stringify(value) ?? String(value)}`, 400);
      }
      return n;
    }
    case "asOf": {
      const ms = parseInstant(value);
      if (ms === undefined) {
        throw new QueryError(
          `AS OF needs an ISO-8601 date-time or epoch milliseconds, got ${JSON.stringify(value) ?? String(value)}`,
          400,
        );
      }
      return ms;
    }
  }
}

/** Converts a stored value back to the field's JavaScript type. */
export function decodeValue(type: ScalarType | "id", value: unknown): unknown {
  if (value === null) return null;
  switch (type) {
    case "boolean":
      return value === 1 || value === 1n;
    case "json":
      return typeof value === "string" ? JSON.parse(value) : value;
    default:
      return value;
  }
}

/** Which result columns need converting after SQLite returns them (most need nothing). */
export function convertedColumns(columns: readonly ResultColumn[]): ResultColumn[] {
  return columns.filter((c) => c.type === "boolean" || c.type === "json");
}
