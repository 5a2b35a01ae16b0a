/**
 * Values in and out of Redis. Writes are validated strictly against the field's declared type (a
 * wrong value is the client's mistake: QueryError 400 naming the field). Each field is kept in the
 * row's hash as JSON text of the value Kova returns: strings, numbers (int limited to ±(2^53−1)),
 * true/false, datetime as an ISO-8601 UTC string with milliseconds, date as YYYY-MM-DD, json as
 * its JSON, null as `null`. JSON text keeps null apart from "" and reads back with its type.
 */
import { checkFieldValue, declaredDefault, nowDefault, type FieldSchema } from "@kova/query";

/** A field value in its JSON form (what the hash holds as JSON text, and what reads return). */
export type StoredValue = unknown;

/**
 * A value to be written into `field`, checked by the shared rules (checkFieldValue) and converted
 * to its stored form: a json field holds the JSON value itself (the hash keeps it as JSON text).
 */
export function encodeFieldValue(field: FieldSchema, value: unknown): StoredValue {
  const checked = checkFieldValue(field, value);
  return field.type === "json" && checked !== null ? JSON.parse(checked as string) : checked;
}

/** The value a `default` clause gives a field on insert. */
export function defaultValue(field: FieldSchema, now: number): StoredValue | undefined {
  return declaredDefault(field, now, encodeFieldValue, nowDefault);
}
