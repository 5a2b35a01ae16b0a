/**
 * How values are read and written, set per connection pool (postgres.js keeps its parsers per
 * instance, so nothing global changes):
 *
 *   int8 (bigint)   → JS number; a stored value beyond ±(2^53−1) fails the query with a clear error
 *                     rather than coming back silently rounded.
 *   numeric         → JS number (as the embedded store's REAL: ~15–17 significant digits).
 *   date            → the raw `YYYY-MM-DD` text: no Date object, so no time-zone shift.
 *   timestamptz     → ISO-8601 UTC with milliseconds, whatever the session's TimeZone.
 *   timestamp       → read as UTC, the same form.
 *   text[], int8[], float8[] (list fields) → JS arrays, NULL elements as null, int8 items checked
 *                     as above (postgres.js's own array parser reads an unquoted NULL as "NULL").
 * json/jsonb, boolean, float8 and text keep postgres.js's own parsers.
 *
 * Parameters: the driver binds text (pg-values.ts), which PostgreSQL reads by the parameter's type.
 * postgres.js would re-serialise text bound to a json or date parameter (JSON.stringify, `new
 * Date(x)`), so those serialisers pass text through as it is.
 */
import { parse as parseArray } from "postgres-array";

const OID = {
  INT8: 20,
  NUMERIC: 1700,
  DATE: 1082,
  TIMESTAMP: 1114,
  TIMESTAMPTZ: 1184,
  JSON: 114,
  JSONB: 3802,
  TEXT_ARRAY: 1009,
  INT8_ARRAY: 1016,
  FLOAT8_ARRAY: 1022,
} as const;

export function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) {
    throw new Error(`a stored integer (${text}) is beyond ±9007199254740991, which Kova cannot return exactly as a JSON number`);
  }
  return n;
}

const TIMESTAMP = /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?|Z)?( BC)?$/;

/**
 * PostgreSQL's timestamptz text (`2024-01-02 03:04:05.123456+01`, in the session's time zone) as
 * ISO-8601 UTC with milliseconds (sub-millisecond digits are cut, as Kova stores milliseconds).
 */
export function parseTimestamp(text: string): string {
  if (text === "infinity" || text === "-infinity") return text;
  const m = TIMESTAMP.exec(text);
  if (m === null || m[12] !== undefined) return text;
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, "0").slice(0, 3));
  let t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms);
  // Date.UTC maps years 0–99 to 1900–1999; set the year explicitly.
  if (Number(m[1]) < 100) {
    const d = new Date(t);
    d.setUTCFullYear(Number(m[1]));
    t = d.getTime();
  }
  if (m[8] !== undefined) {
    const offset = (Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0)) * 1000;
    t -= m[8] === "+" ? offset : -offset;
  }
  return new Date(t).toISOString();
}

const identity = (text: string) => text;
const asText = (value: unknown) => (value instanceof Date ? value.toISOString() : String(value));

/** A type entry as postgres.js's `types` option takes it (`to`: the oid it binds, `from`: the oids it reads). */
interface TypeEntry {
  to: number;
  from: number[];
  serialize: (value: unknown) => string;
  parse: (text: string) => unknown;
}

/** A one-dimensional array literal (`{"a","b\\"c",NULL}`): every item quoted, so any text is safe. */
export function arrayLiteral(items: readonly unknown[]): string {
  const quoted = items.map((item) => (item === null || item === undefined ? "NULL" : `"${String(item).replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`));
  return `{${quoted.join(",")}}`;
}

function arrayType(oid: number, item: (text: string) => unknown): TypeEntry {
  return {
    to: oid,
    from: [oid],
    serialize: (value) => (Array.isArray(value) ? arrayLiteral(value) : String(value)),
    parse: (text) => parseArray(text, item),
  };
}

/** The `types` option of the postgres.js instance: Kova's parsers for its types, the defaults otherwise. */
export const kovaTypes: Record<string, TypeEntry> = {
  int8: { to: OID.INT8, from: [OID.INT8], serialize: asText, parse: parseInt8 },
  numeric: { to: OID.NUMERIC, from: [OID.NUMERIC], serialize: asText, parse: Number.parseFloat },
  date: { to: OID.DATE, from: [OID.DATE], serialize: asText, parse: identity },
  timestamp: { to: OID.TIMESTAMPTZ, from: [OID.TIMESTAMP, OID.TIMESTAMPTZ], serialize: asText, parse: parseTimestamp },
  json: {
    to: OID.JSONB,
    from: [OID.JSON, OID.JSONB],
    serialize: (value) => (typeof value === "string" ? value : JSON.stringify(value)),
    parse: (text) => JSON.parse(text),
  },
  boolean: { to: 16, from: [16], serialize: (value) => (value === true ? "t" : value === false ? "f" : String(value)), parse: (text) => text === "t" },
  textArray: arrayType(OID.TEXT_ARRAY, identity),
  int8Array: arrayType(OID.INT8_ARRAY, parseInt8),
  float8Array: arrayType(OID.FLOAT8_ARRAY, Number.parseFloat),
};
