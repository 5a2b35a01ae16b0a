/**
 * Values in and out of PostgreSQL. Writes are validated strictly against the field's declared type
 * (a wrong value is the client's mistake: QueryError 400 naming the field), with the same rules as
 * the embedded store so both accept and refuse the same bodies. Filter arguments are converted
 * leniently (a "42" path parameter against an int column); what PostgreSQL still cannot read as the
 * column's type becomes a 400 (see pg-errors.ts).
 *
 * Every value is bound as text: datetimes as ISO-8601 UTC strings, json as JSON text (cast to jsonb
 * in SQL), so node-postgres never converts a JS Date with the process's local time zone.
 */
import { QueryError, type FieldSchema, type ScalarType } from "@kova/query";
import type { Encoding } from "./pg-compiled.js";

export type PgValue = string | number | boolean | null;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** An ISO-8601 date-time; Date.parse alone would also accept "March 7" or "1". */
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const INTEGER_TEXT = /^-?\d+$/;

/** The PostgreSQL type of each Kova type (CockroachDB accepts the same names). */
export function pgColumnType(type: ScalarType): string {
  switch (type) {
    case "string":
      return "text";
    case "int":
      return "bigint";
    case "float":
      return "double precision";
    case "decimal":
      return "numeric";
    case "boolean":
      return "boolean";
    case "datetime":
      return "timestamptz";
    case "date":
      return "date";
    case "uuid":
      return "uuid";
    case "json":
      return "jsonb";
  }
}

/** The cast written after a placeholder compared with a column of this type. */
export function castFor(type: ScalarType | "id" | "instant"): string {
  if (type === "id") return "bigint";
  if (type === "instant") return "timestamptz";
  return pgColumnType(type);
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
 * A value to be written into `field`, checked and converted to the text PostgreSQL reads. `null`
 * is allowed for every field here; whether the field may be null is the caller's check.
 */
export function encodeFieldValue(field: FieldSchema, value: unknown): PgValue {
  if (value === null || value === undefined) return null;
  const name = field.name;
  switch (field.type) {
    case "string":
      if (typeof value !== "string") invalid(name, "a string", value);
      if (value.includes("\u0000")) invalid(name, "a string without NUL characters", value);
      if (field.enumValues !== undefined && !field.enumValues.includes(value)) {
        invalid(name, `one of ${field.enumValues.map((v) => JSON.stringify(v)).join(", ")}`, value);
      }
      return value;
    case "uuid":
      if (typeof value !== "string" || !UUID.test(value)) invalid(name, "a UUID", value);
      return value.toLowerCase();
    case "int":
      // Kept within JavaScript's exact range so every stored value reads back equal as a number.
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
      return value;
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
      // jsonb cannot hold NUL characters (\u0000 escapes) at all.
      if (text.includes("\\u0000")) invalid(name, "JSON without NUL characters", value);
      return text;
    }
  }
}

/** The value a `default` clause gives a field on insert. */
export function defaultValue(field: FieldSchema, now: number): PgValue | undefined {
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
  switch (type) {
    case "id":
    case "int":
      if (typeof value === "boolean") return value ? 1 : 0;
      if (typeof value === "bigint") return value.toString();
      return typeof value === "string" ? value.trim() : value;
    case "float":
    case "decimal":
      if (typeof value === "boolean") return value ? 1 : 0;
      return typeof value === "string" ? value.trim() : value;
    case "datetime":
      return toIsoInstant(value) ?? value;
    case "date":
      return value instanceof Date ? value.toISOString().slice(0, 10) : value;
    case "json":
      return typeof value === "string" ? value : JSON.stringify(value);
    case "instant":
      return instantIso(value) ?? value;
    case "string":
    case "uuid":
      return value instanceof Date ? value.toISOString() : typeof value === "object" ? JSON.stringify(value) : String(value);
    default:
      return value instanceof Date ? value.toISOString() : value;
  }
}

/** An instant from an ISO string, a string of digits, epoch ms or a Date, as ISO-8601 UTC. */
function instantIso(value: unknown): string | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? toIsoInstant(Math.trunc(value)) : undefined;
  if (value instanceof Date) return toIsoInstant(value);
  if (typeof value === "string") {
    const text = value.trim();
    if (INTEGER_TEXT.test(text)) return toIsoInstant(Number(text));
    return toIsoInstant(text);
  }
  return undefined;
}

/** Turns a run-time argument (or a source constant, at compile time) into the bound value. */
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
      return items.map((item) => encodeLenient(encoding.type, item));
    }
    case "count": {
      const n = typeof value === "string" && INTEGER_TEXT.test(value.trim()) ? Number(value) : value;
      if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
        throw new QueryError(`${encoding.clause} must be a non-negative integer, got ${JSON.stringify(value) ?? String(value)}`, 400);
      }
      return n;
    }
    case "asOf": {
      const iso = instantIso(value);
      if (iso === undefined) {
        throw new QueryError(
          `AS OF needs an ISO-8601 date-time or epoch milliseconds, got ${JSON.stringify(value) ?? String(value)}`,
          400,
        );
      }
      return iso;
    }
  }
}
