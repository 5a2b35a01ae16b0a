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
import { decodeNested, paramEncoder } from "@kova/sql";
import {
  richColumn,
  checkFieldValue,
  declaredDefault,
  INTEGER_TEXT,
  invalidValue,
  nowDefault,
  parseInstant,
  QueryError,
  toIsoInstant,
  UUID_PATTERN,
  type FieldSchema,
  type ScalarType,
} from "@kova/query";
import { INDEXED_STRING_LENGTH, type ListType, type ResultColumn } from "./mysql-compiled.js";

export type MysqlValue = string | number | null;

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
  const rich = richColumn(field.rich, "mysql");
  if (rich !== undefined) return rich;
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

function inYearRange(isoOrDate: string): boolean {
  const year = Number(isoOrDate.slice(0, 4));
  return /^\d{4}/.test(isoOrDate) && year >= MIN_YEAR && year <= MAX_YEAR;
}

/**
 * A value to be written into `field`, checked by the shared rules (checkFieldValue) and converted
 * to its stored form. MySQL's own limits on top: an indexed VARCHAR(255) string's length, and
 * DATE/DATETIME's years 1000–9999; booleans are stored as TINYINT 0/1, datetimes as DATETIME(3) text.
 */
export function encodeFieldValue(field: FieldSchema, value: unknown): MysqlValue {
  const checked = checkFieldValue(field, value);
  if (checked === null) return null;
  const name = field.name;
  switch (field.type) {
    case "string": {
      const text = checked as string;
      // VARCHAR(255) counts characters (code points), not UTF-16 units.
      if (isIndexedString(field) && text.length > INDEXED_STRING_LENGTH && [...text].length > INDEXED_STRING_LENGTH) {
        throw new QueryError(
          `field "${name}" is at most ${INDEXED_STRING_LENGTH} characters long (it is UNIQUE or indexed), got ${[...text].length}`,
          400,
          name,
        );
      }
      return text;
    }
    case "boolean":
      return checked ? 1 : 0;
    case "date":
      if (!inYearRange(checked as string)) invalidValue(name, `a date in the years ${MIN_YEAR}–${MAX_YEAR}`, value);
      return checked as string;
    case "datetime":
      if (!inYearRange(checked as string)) invalidValue(name, `a date-time in the years ${MIN_YEAR}–${MAX_YEAR}`, value);
      return isoToDatetime(checked as string);
    default:
      return checked as string | number;
  }
}

/** The value a `default` clause gives a field on insert (`now` is the write's instant). */
export function defaultValue(field: FieldSchema, now: number): MysqlValue | undefined {
  return declaredDefault(field, now, encodeFieldValue, (f, ms) => (f.type === "datetime" ? epochToDatetime(ms) : nowDefault(f, ms)));
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
      if (typeof value === "string" && UUID_PATTERN.test(value)) return value.toLowerCase();
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

/**
 * Turns a run-time argument into the value bound to its placeholder: lists as JSON for JSON_TABLE;
 * AS OF as DATETIME(3), clamped into its range (before year 1000 nothing was written yet, after
 * 9999 everything was).
 */
export const encodeParam = paramEncoder<MysqlValue>({
  lenient: encodeLenient,
  list: (items) => JSON.stringify(items),
  asOf: (ms) => epochToDatetime(Math.min(Math.max(ms, Date.UTC(1000, 0, 1)), Date.UTC(9999, 11, 31, 23, 59, 59, 999))),
});

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
  for (let i = 0; i < columns.length; i++) out[columns[i].name] = columns[i].nested ? decodeNested(columns[i], row[i + offset]) : decodeValue(columns[i].type, row[i + offset]);
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
