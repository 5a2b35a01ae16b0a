/**
 * Values in and out of SQLite. Writes are validated strictly against the field's declared type
 * (a wrong value is the client's mistake: QueryError 400 naming the field); filter arguments are
 * converted leniently so they compare like with like (a "42" path parameter against an int column).
 *
 * Storage: string/uuid/date/datetime → TEXT (datetime as ISO-8601 UTC with milliseconds, so text
 * order is time order), int → INTEGER, float/decimal → REAL, boolean → INTEGER 0/1, json → TEXT.
 */
import { paramEncoder } from "@kova/sql";
import {
  checkFieldValue,
  declaredDefault,
  INTEGER_TEXT,
  nowDefault,
  parseInstant,
  toIsoInstant,
  UUID_PATTERN,
  type FieldSchema,
  type ScalarType,
} from "@kova/query";
import type { ResultColumn } from "./sqlite-compiled.js";

export type SqliteValue = string | number | bigint | null;

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

/**
 * A value to be written into `field`, checked by the shared rules (checkFieldValue) and converted
 * to its stored form: SQLite has no boolean type, so booleans are stored as INTEGER 0/1.
 */
export function encodeFieldValue(field: FieldSchema, value: unknown): SqliteValue {
  const checked = checkFieldValue(field, value);
  return typeof checked === "boolean" ? (checked ? 1 : 0) : checked;
}

/** The value a `default` clause gives a field on insert. */
export function defaultValue(field: FieldSchema, now: number): SqliteValue | undefined {
  return declaredDefault(field, now, encodeFieldValue, nowDefault);
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
      return typeof value === "string" && UUID_PATTERN.test(value) ? value.toLowerCase() : value;
    case "json":
      return typeof value === "string" ? value : JSON.stringify(value);
    case "instant":
      return parseInstant(value) ?? value;
    default:
      return value instanceof Date ? value.toISOString() : value;
  }
}

/** Turns a run-time argument into the value bound to its placeholder (lists as JSON for json_each, AS OF as epoch ms). */
export const encodeParam = paramEncoder({ lenient: encodeLenient, list: (items) => JSON.stringify(items), asOf: (ms) => ms });

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
  return columns.filter((c) => c.type === "boolean" || c.type === "json" || c.nested !== undefined);
}
