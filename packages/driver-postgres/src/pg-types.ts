/**
 * How result values are read, set per pool (never on node-postgres's global parsers, which other
 * code in the process may rely on):
 *
 *   int8 (bigint)   → JS number; a stored value beyond ±(2^53−1) fails the query with a clear error
 *                     rather than coming back silently rounded.
 *   numeric         → JS number (as the embedded store's REAL: ~15–17 significant digits).
 *   date            → the raw `YYYY-MM-DD` text: no Date object, so no time-zone shift.
 *   interval        → the raw ISO 8601 text (a `duration` field).
 *   timestamptz     → ISO-8601 UTC with milliseconds, whatever the session's TimeZone.
 *   timestamp       → read as UTC, the same form.
 *   int8[]          → an array of JS numbers (an `int[]` list field), each checked as int8.
 * json/jsonb, boolean, float8, text and their arrays keep node-postgres's own parsers.
 */
import pg from "pg";

const OID = { INT8: 20, INT8_ARRAY: 1016, NUMERIC: 1700, DATE: 1082, TIMESTAMP: 1114, TIMESTAMPTZ: 1184, INTERVAL: 1186 } as const;

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

/** The `types` option of a node-postgres pool: Kova's parsers for its types, the defaults otherwise. */
export const kovaTypes = {
  getTypeParser(oid: number, format?: string): (text: string) => unknown {
    if (format === undefined || format === "text") {
      switch (oid) {
        case OID.INT8:
          return parseInt8;
        case OID.INT8_ARRAY: {
          const items = defaultParser(oid, format) as (text: string) => Array<string | null>;
          return (text) => items(text).map((item) => (item === null ? null : parseInt8(item)));
        }
        case OID.NUMERIC:
          return Number.parseFloat;
        case OID.DATE:
        // A `duration` field: the session's IntervalStyle is iso_8601 (pg-options.ts), so the text
        // is the ISO duration the rich type's canonical form matches (P1DT2H30M).
        case OID.INTERVAL:
          return identity;
        case OID.TIMESTAMP:
        case OID.TIMESTAMPTZ:
          return parseTimestamp;
      }
    }
    return defaultParser(oid, format);
  },
};

function defaultParser(oid: number, format?: string): (text: string) => unknown {
  return (pg.types.getTypeParser as (oid: number, format?: string) => (text: string) => unknown)(oid, format);
}
