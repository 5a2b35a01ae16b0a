/**
 * The checks every driver applies to a value written into a field. A wrong value is the client's
 * mistake (QueryError 400 naming the field), and all data sources must accept and refuse the same
 * bodies with the same messages, so the rules live here once. What a driver stores differs (0/1
 * for a boolean in SQL without one, DATETIME text, BSON dates): `checkFieldValue` returns one
 * canonical form and each driver maps it to its own, adding only its store's extra limits.
 */
import { QueryError } from "../driver.js";
import type { FieldSchema, JsonType, ListItemType } from "../plan.js";
import { checkRich, expectedForm } from "../rich-types/registry.js";
import { INTEGER_TEXT, toIsoInstant } from "./instants.js";
import { isCiphertext } from "../secrets/envelope.js";

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DECIMAL_TEXT = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/** The 400 for a value that does not fit its field; `expected` is kept so a sensitive field's 400 can be told without the value. */
export class FieldValueError extends QueryError {
  constructor(
    message: string,
    readonly fieldName: string,
    readonly expected: string,
  ) {
    super(message, 400, fieldName);
  }
}

/** Throws the 400 for a value that does not fit `field`: `field "x" must be <expected>, got <value>`. */
export function invalidValue(field: string, expected: string, value: unknown): never {
  const shown = typeof value === "string" ? JSON.stringify(value) : typeof value === "object" && value !== null ? "an object" : String(value);
  throw new FieldValueError(`field "${field}" must be ${expected}, got ${shown}`, field, expected);
}

/**
 * Runs a check of a sensitive field's value (ENCRYPTED or MASKED): its 400 names the field and
 * the expected form but never repeats the value, since the problem response and the logs would
 * then hold the personal data the field keeps out of them.
 */
export function withoutEcho<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof FieldValueError)) throw error;
    throw new QueryError(`field "${error.fieldName}" must be ${error.expected} (the value is not repeated: the field holds personal data)`, 400, error.fieldName);
  }
}

/** A YYYY-MM-DD string naming a real calendar day (not 2024-02-30). */
export function isValidDate(value: string): boolean {
  const m = DATE.exec(value);
  if (m === null) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.getUTCFullYear() === Number(m[1]) && date.getUTCMonth() === Number(m[2]) - 1 && date.getUTCDate() === Number(m[3]);
}

/**
 * A checked write value in its canonical form: string (enum checked), uuid lower-cased, int a
 * safe integer, float/decimal a finite number, boolean, date "YYYY-MM-DD", datetime ISO-8601 UTC
 * with milliseconds, json its JSON text. `null` for null or undefined: whether the field may be
 * null is the caller's check (it knows about defaults).
 */
export type CheckedValue = string | number | boolean | null;

/** Checks a value to be written into `field` against its declared type (see CheckedValue). */
export function checkFieldValue(field: FieldSchema, value: unknown): CheckedValue {
  if (value === null || value === undefined) return null;
  // The encrypted driver view (secrets/encrypted-driver.ts) checked the plaintext and stores only
  // ciphertext; plaintext reaching the store here would be a bug, never written.
  if (field.encrypted === true) {
    if (!isCiphertext(value)) throw new Error(`field "${field.name}" is ENCRYPTED but was written without encryption (write it through the app's data source)`);
    return value;
  }
  if (field.masked !== undefined) return withoutEcho(() => checkPlainValue(field, value));
  return checkPlainValue(field, value);
}

function checkPlainValue(field: FieldSchema, value: unknown): CheckedValue {
  if (field.items !== undefined) return checkListValue(field, field.items, value);
  const name = field.name;
  if (field.rich !== undefined) {
    const rich = checkRich(field.rich, value);
    if (!rich.ok) invalidValue(name, expectedForm(field.rich), value);
    value = rich.value;
  }
  switch (field.type) {
    case "string":
      if (typeof value !== "string") invalidValue(name, "a string", value);
      if (field.enumValues !== undefined && !field.enumValues.includes(value)) {
        invalidValue(name, `one of ${field.enumValues.map((v) => JSON.stringify(v)).join(", ")}`, value);
      }
      return value;
    case "uuid":
      if (typeof value !== "string" || !UUID_PATTERN.test(value)) invalidValue(name, "a UUID", value);
      return value.toLowerCase();
    case "int":
      // Integers are kept within JavaScript's exact range so every stored value reads back equal
      // (and serialises to JSON) without BigInt.
      if (typeof value === "bigint" && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) {
        return Number(value);
      }
      if (typeof value !== "number" || !Number.isInteger(value)) invalidValue(name, "an integer", value);
      if (!Number.isSafeInteger(value)) invalidValue(name, "an integer between -9007199254740991 and 9007199254740991", value);
      return value;
    case "float":
    case "decimal":
      if (typeof value === "string" && field.type === "decimal" && DECIMAL_TEXT.test(value)) return Number(value);
      if (typeof value !== "number" || !Number.isFinite(value)) invalidValue(name, "a finite number", value);
      return value;
    case "boolean":
      if (typeof value !== "boolean") invalidValue(name, "true or false", value);
      return value;
    case "date":
      if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
      if (typeof value !== "string" || !isValidDate(value)) invalidValue(name, "a date (YYYY-MM-DD)", value);
      return value;
    case "datetime": {
      // A fractional number is no epoch-millisecond instant.
      const iso = typeof value === "number" && !Number.isInteger(value) ? undefined : toIsoInstant(value);
      if (iso === undefined) invalidValue(name, "an ISO-8601 date-time or epoch milliseconds", value);
      return iso;
    }
    case "json": {
      if (field.shape !== undefined) checkJsonValue(name, field.shape, value);
      let text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch {
        text = undefined;
      }
      if (text === undefined) invalidValue(name, "a JSON value", value);
      return text;
    }
  }
}

/**
 * A list field's value: an array whose every element fits the element type (none null), as JSON
 * text of the canonical elements, order kept. A bad element is a 400 naming it (`tags[2]`).
 */
function checkListValue(field: FieldSchema, items: ListItemType, value: unknown): string {
  if (!Array.isArray(value)) invalidValue(field.name, `a list (${LIST_ITEM_NAMES[items]})`, value);
  const element: FieldSchema = { name: "", type: items, optional: false, unique: false, index: false };
  const checked = value.map((item, i) => {
    element.name = `${field.name}[${i}]`;
    if (item === null || item === undefined) invalidValue(element.name, ELEMENT_NAMES[items], item);
    return checkFieldValue(element, item);
  });
  return JSON.stringify(checked);
}

const LIST_ITEM_NAMES: Record<ListItemType, string> = { string: "a list of strings", int: "a list of integers", float: "a list of numbers" };
const ELEMENT_NAMES: Record<ListItemType, string> = { string: "a string", int: "an integer", float: "a finite number" };

/**
 * A value against a json field's declared shape: each key's type, required keys present, no key
 * the shape does not declare. The 400 names the path (`meta.size.w`, `meta.tags[2]`).
 */
function checkJsonValue(path: string, type: JsonType, value: unknown): void {
  switch (type.kind) {
    case "any":
      return;
    case "string":
      if (typeof value !== "string") invalidValue(path, "a string", value);
      if (type.enumValues !== undefined && !type.enumValues.includes(value)) invalidValue(path, `one of ${type.enumValues.map((v) => JSON.stringify(v)).join(", ")}`, value);
      return;
    case "int":
      if (typeof value !== "number" || !Number.isSafeInteger(value)) invalidValue(path, "an integer", value);
      return;
    case "float":
      if (typeof value !== "number" || !Number.isFinite(value)) invalidValue(path, "a finite number", value);
      return;
    case "boolean":
      if (typeof value !== "boolean") invalidValue(path, "true or false", value);
      return;
    case "list":
      if (!Array.isArray(value)) invalidValue(path, "a list", value);
      value.forEach((item, i) => checkJsonValue(`${path}[${i}]`, type.items, item));
      return;
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) invalidValue(path, "an object", value);
      const object = value as Record<string, unknown>;
      for (const f of type.fields) {
        const v = object[f.name];
        if (v === undefined || v === null) {
          if (!f.optional) throw new QueryError(`field "${path}.${f.name}" is required`, 400, `${path}.${f.name}`);
          continue;
        }
        checkJsonValue(`${path}.${f.name}`, f.type, v);
      }
      const unknown = Object.keys(object).find((k) => !type.fields.some((f) => f.name === k));
      if (unknown !== undefined) {
        throw new QueryError(`field "${path}.${unknown}" is not part of ${path} (it has: ${type.fields.map((f) => f.name).join(", ")})`, 400, `${path}.${unknown}`);
      }
      return;
    }
  }
}

/** What `default now` gives a field before a store's own encoding: the day, epoch ms, or the ISO instant. */
export function nowDefault(field: FieldSchema, now: number): string | number {
  const iso = new Date(now).toISOString();
  if (field.type === "date") return iso.slice(0, 10);
  if (field.type === "int" || field.type === "float" || field.type === "decimal") return now;
  return iso;
}

/**
 * The value a field's `default` clause gives it on insert (undefined without one): `fromNow` for
 * `default now` (`now` is the write's instant), else the declared value checked like a write.
 */
export function declaredDefault<V>(
  field: FieldSchema,
  now: number,
  encode: (field: FieldSchema, value: unknown) => V,
  fromNow: (field: FieldSchema, now: number) => V,
): V | undefined {
  const spec = field.default;
  if (spec === undefined) return undefined;
  if ("now" in spec) return fromNow(field, now);
  return encode(field, spec.value);
}

/** LIMIT / OFFSET: a non-negative integer (digits accepted), else a 400 naming the clause. */
export function countValue(value: unknown, clause: "LIMIT" | "OFFSET"): number {
  const n = typeof value === "string" && INTEGER_TEXT.test(value.trim()) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw new QueryError(`${clause} must be a non-negative integer, got ${JSON.stringify(value) ?? String(value)}`, 400);
  }
  return n;
}

/** An id as a safe integer (digits accepted, spaces around them too), or undefined when it names no row. */
export function integerId(value: unknown): number | undefined {
  const n = typeof value === "string" && INTEGER_TEXT.test(value.trim()) ? Number(value) : value;
  return typeof n === "number" && Number.isSafeInteger(n) ? n : undefined;
}

/** The items of an IN list argument: an array as is, null/undefined as none, one value as a list of one. */
export function listItems(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : value === null || value === undefined ? [] : [value];
}
