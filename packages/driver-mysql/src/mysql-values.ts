/**
 * Values in and out of MySQL/MariaDB. Writes are validated strictly against the field's declared
 * type (a wrong value is the client's mistake: QueryError 400 naming the field), exactly as the
 * embedded store does; filter arguments are converted leniently so they compare like with like
 * (a "42" path parameter against a BIGINT column).
 *
 * Storage: string → LONGTEXT (VARCHAR(255) when UNIQUE/INDEX), uuid → CHAR(36) lower-cased,
 * int → BIGINT within ±(2^53−1), float/decimal → DOUBLE, boolean → TINYINT(1), date → DATE,
 * datetime → DATETIME(3) in UTC, json → JSON (text). The connection's time zone is +00:00 and
 * dates come back as strings (`dateStrings`), so no value passes through local time.
 */
import { QueryError, type FieldSchema, type ScalarType } from "@kova/query";
import { INDEXED_STRING_LENGTH, type Encoding, type ListType, type ResultColumn } from "./mysql-compiled.js";

export type MysqlValue = string | number | null;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** An ISO-8601 date-time; Date.parse alone would also accept "March 7" or "1". */
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const INTEGER_TEXT = /^-?\d+$/;
/** DATE and DATETIME hold years 1000–9999. */
const MIN_YEAR = 1000;
const MAX_YEAR = 9999;

/** Whether a string field is stored as VARCHAR(255) (so it can carry a UNIQUE or plain index). */
export function isIndexedString(field: FieldSchema): boolean {
  return field.type === "string" && (field.unique || field.index || field.references !== undefined);
}

/**
 * The column type of a field. History columns keep strings as LONGTEXT even for UNIQUE/INDEX
 * fields: old versions may hold values written before the field was indexed (their index uses a
 * prefix instead).
 */
export function mysqlColumnType(field: FieldSchema, history = false): string {
  switch (field.type) {
    case "string":
      return isIndexedString(field) && !history ? `VARCHAR(${INDEXED_STRING_LENGTH})` : "LONGTEXT";
    case "uuid":
      return "CHAR(36)";
    case "int":
      return "BIGINT";
    case "float":
    case "decimal":
      return "DOUBLE";
    case "boolean":
      return "TINYINT(1)";
    case "date":
      return "DATE";
    case "datetime":
      return "DATETIME(3)";
    case "json":
      return "JSON";
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

/** "2024-01-02T03:04:05.678Z" → "2024-01-02 03:04:05.678", the DATETIME(3) literal form (UTC). */
export function isoToDatetime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** DATETIME(3) text as returned with dateStrings → ISO-8601 UTC with milliseconds. */
export function datetimeToIso(text: string): string {
  const [day, time = "00:00:00"] = text.split(" ");
  const [clock, fraction = ""] = time.split(".");
  return `${day}T${clock}.${fraction.padEnd(3, "0").slice(0, 3)}Z`;
}

export function epochToDatetime(ms: number): string {
  return isoToDatetime(new Date(ms).toISOString());
}

function validDate(value: string): boolean {
  const m = DATE.exec(value);
  if (m === null) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.getUTCFullYear() === Number(m[1]) && date.getUTCMonth() === Number(m[2]) - 1 && date.getUTCDate() === Number(m[3]);
}

function inYearRange(isoOrDate: string): boolean {
  const year = Number(isoOrDate.slice(0, 4));
  return /^\d{4}/.test(isoOrDate) && year >= MIN_YEAR && year <= MAX_YEAR;
}

/**
 * A value to be written into `field`, checked and converted to its stored form. `null` is allowed
 * here for every field; whether the field may be null is the caller's check (it knows defaults).
 */
export function encodeFieldValue(field: FieldSchema, value: unknown): MysqlValue {
  if (value === null || value === undefined) return null;
  const name = field.name;
  switch (field.type) {
    case "string":
      if (typeof value !== "string") invalid(name, "a string", value);
      if (field.enumValues !== undefined && !field.enumValues.includes(value)) {
        invalid(name, `one of ${field.enumValues.map((v) => JSON.stringify(v)).join(", ")}`, value);
      }
      // VARCHAR(255) counts characters (code points), not UTF-16 units.
      if (isIndexedString(field) && value.length > INDEXED_STRING_LENGTH && [...value].length > INDEXED_STRING_LENGTH) {
        throw new QueryError(
          `field "${name}" is at most ${INDEXED_STRING_LENGTH} characters long (it is UNIQUE or indexed), got ${[...value].length}`,
          400,
          name,
        );
      }
      return value;
    case "uuid":
      if (typeof value !== "string" || !UUID.test(value)) invalid(name, "a UUID", value);
      return value.toLowerCase();
    case "int":
      // Integers are kept within JavaScript's exact range so every stored value reads back equal.
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
      let text: string | undefined;
      if (value instanceof Date && !Number.isNaN(value.getTime())) text = value.toISOString().slice(0, 10);
      else if (typeof value === "string" && validDate(value)) text = value;
      if (text === undefined) invalid(name, "a date (YYYY-MM-DD)", value);
      if (!inYearRange(text)) invalid(name, `a date in the years ${MIN_YEAR}–${MAX_YEAR}`, value);
      return text;
    }
    case "datetime": {
      const iso = typeof value === "number" && !Number.isInteger(value) ? undefined : toIsoInstant(value);
      if (iso === undefined) invalid(name, "an ISO-8601 date-time or epoch milliseconds", value);
      if (!inYearRange(iso)) invalid(name, `a date-time in the years ${MIN_YEAR}–${MAX_YEAR}`, value);
      return isoToDatetime(iso);
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

/** The value a `default` clause gives a field on insert (`now` is the write's instant). */
export function defaultValue(field: FieldSchema, now: number): MysqlValue | undefined {
  const spec = field.default;
  if (spec === undefined) return undefined;
  if ("now" in spec) {
    const iso = new Date(now).toISOString();
    if (field.type === "date") return iso.slice(0, 10);
    if (field.type === "datetime") return isoToDatetime(iso);
    if (field.type === "int" || field.type === "float" || field.type === "decimal") return now;
    return iso;
  }
  return encodeFieldValue(field, spec.value);
}

/** Epoch milliseconds from an ISO string, a string of digits, a number or a Date. */
export function parseInstant(value: unknown): number | undefined {
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

/** A filter argument converted to compare with a column of `type` (left as is when it does not fit). */
function encodeLenient(type: ListType, value: unknown): MysqlValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "bigint") return value.toString();
  switch (type) {
    case "id":
    case "int":
      if (typeof value === "string" && INTEGER_TEXT.test(value)) {
        const n = Number(value);
        return Number.isSafeInteger(n) ? n : value;
      }
      break;
    case "float":
    case "decimal":
      if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
      break;
    case "boolean":
      if (value === "true") return 1;
      if (value === "false") return 0;
      break;
    case "datetime": {
      const iso = toIsoInstant(value);
      if (iso !== undefined) return isoToDatetime(iso);
      break;
    }
    case "date":
      if (value instanceof Date) return value.toISOString().slice(0, 10);
      break;
    case "uuid":
      if (typeof value === "string" && UUID.test(value)) return value.toLowerCase();
      break;
    case "json":
      return typeof value === "string" ? value : JSON.stringify(value);
    case "instant": {
      const ms = parseInstant(value);
      if (ms !== undefined && Number.isFinite(new Date(ms).getTime())) return epochToDatetime(ms);
      break;
    }
    default:
      break;
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : isoToDatetime(value.toISOString());
  if (typeof value === "number" || typeof value === "string") return value;
  return JSON.stringify(value) ?? null;
}

/** Turns a run-time argument into the value bound to its placeholder. */
export function encodeParam(encoding: Encoding, value: unknown): MysqlValue {
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
      if (ms === undefined || Number.isNaN(new Date(ms).getTime())) {
        throw new QueryError(
          `AS OF needs an ISO-8601 date-time or epoch milliseconds, got ${JSON.stringify(value) ?? String(value)}`,
          400,
        );
      }
      // Before year 1000 nothing was written yet; after 9999 everything was: clamp into DATETIME's range.
      return epochToDatetime(Math.min(Math.max(ms, Date.UTC(1000, 0, 1)), Date.UTC(9999, 11, 31, 23, 59, 59, 999)));
    }
  }
}

/** Converts a value as mysql2 returns it (dateStrings, jsonStrings) back to the field's JS type. */
export function decodeValue(type: ScalarType | "id", value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "boolean":
      return value === 1 || value === "1" || value === true;
    case "json":
      return typeof value === "string" ? JSON.parse(value) : value;
    case "datetime":
      return typeof value === "string" ? datetimeToIso(value) : value instanceof Date ? value.toISOString() : value;
    case "id":
    case "int":
      // supportBigNumbers returns BIGINTs as numbers while they are exact (always, for Kova's ints).
      return typeof value === "string" ? Number(value) : value;
    default:
      return value;
  }
}

export function decodeRow(columns: readonly ResultColumn[], row: readonly unknown[], offset = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) out[columns[i].name] = decodeValue(columns[i].type, row[i + offset]);
  return out;
}

/** The SQL type JSON_TABLE gives the items of an IN list, so they compare like the left column. */
export function listColumnType(type: ListType): string {
  switch (type) {
    case "id":
    case "int":
    case "boolean":
      return "BIGINT";
    case "float":
    case "decimal":
      return "DOUBLE";
    case "date":
      return "DATE";
    case "datetime":
    case "instant":
      return "DATETIME(3)";
    default:
      return "LONGTEXT";
  }
}
