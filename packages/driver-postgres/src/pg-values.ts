/**
 * Values in and out of PostgreSQL. Writes are validated strictly against the field's declared type
 * (a wrong value is the client's mistake: QueryError 400 naming the field), with the same rules as
 * the embedded store so both accept and refuse the same bodies. Filter arguments are converted
 * leniently (a "42" path parameter against an int column); what PostgreSQL still cannot read as the
 * column's type becomes a 400 (see pg-errors.ts).
 *
 * Every value is bound as text: datetimes as ISO-8601 UTC strings, json as JSON text (cast to jsonb
 * in SQL), so the client never converts a JS Date with the process's local time zone.
 */
import { paramEncoder } from "@kova/sql";
import {
  checkFieldValue,
  declaredDefault,
  invalidValue,
  nowDefault,
  parseInstant,
  toIsoInstant,
  type FieldSchema,
  type ListItemType,
  type ScalarType,
} from "@kova/query";

/** A list field's value is bound as a JS array, written as an array literal (pg-types.ts arrayLiteral). */
export type PgValue = string | number | boolean | null | Array<string | number>;

/**
 * The PostgreSQL type of each Kova type (CockroachDB accepts the same names); a list field
 * (`items` set) is a native array of its element type (`text[]`, `bigint[]`, …).
 */
export function pgColumnType(type: ScalarType, items?: ListItemType): string {
  if (items !== undefined) return `${pgColumnType(items)}[]`;
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

/**
 * A value to be written into `field`, checked by the shared rules (checkFieldValue) and bound as
 * PostgreSQL reads it. PostgreSQL's own limit on top: text and jsonb cannot hold NUL characters
 * (checked before the shared rules for strings, so such a string gets this message first).
 */
export function encodeFieldValue(field: FieldSchema, value: unknown): PgValue {
  if (field.type === "string" && typeof value === "string" && value.includes("\u0000")) {
    invalidValue(field.name, "a string without NUL characters", value);
  }
  if (field.items !== undefined && Array.isArray(value) && field.items === "string" && value.some((v) => typeof v === "string" && v.includes("\u0000"))) {
    invalidValue(field.name, "a list of strings without NUL characters", value);
  }
  const checked = checkFieldValue(field, value);
  if (field.items !== undefined) return checked === null ? null : (JSON.parse(checked as string) as Array<string | number>);
  // jsonb cannot hold NUL characters (\u0000 escapes) at all.
  if (field.type === "json" && typeof checked === "string" && checked.includes("\\u0000")) {
    invalidValue(field.name, "JSON without NUL characters", value);
  }
  return checked;
}

/** The value a `default` clause gives a field on insert. */
export function defaultValue(field: FieldSchema, now: number): PgValue | undefined {
  return declaredDefault(field, now, encodeFieldValue, nowDefault);
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
  const ms = parseInstant(value);
  return ms === undefined ? undefined : toIsoInstant(ms);
}

/** Turns a run-time argument (or a source constant, at compile time) into the bound value (lists as arrays, AS OF as ISO text). */
export const encodeParam = paramEncoder({ lenient: encodeLenient, list: (items) => items, asOf: (ms) => new Date(clampToIsoYears(ms)).toISOString() });

/**
 * An AS OF instant within years 0001–9999, the ISO form PostgreSQL reads (a Date can reach year
 * 275760, written "+275760-…", which it cannot). Nothing is written outside those years, so the
 * answer is the same as for the instant itself.
 */
function clampToIsoYears(ms: number): number {
  return Math.min(Math.max(ms, -62_135_596_800_000), 253_402_300_799_999);
}
