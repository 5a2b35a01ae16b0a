/** Calendar and clock values that are not instants: durations, times of day, months and weeks. */
import { patternType, textType, type RichType } from "./rich-type.js";

const textual = { storage: "string", graphql: "String", ts: "string" } as const;

/**
 * An ISO 8601 duration (`P1Y2M10DT2H30M`), kept as PostgreSQL writes an interval in ISO style:
 * years and months together, weeks as days, hours, minutes and seconds together, never carried
 * into days (a day is not always 24 hours); zero is `PT0S`.
 */
function duration(s: string): string | undefined {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,6})?)S)?)?$/.exec(s.toUpperCase());
  if (m === null || s.length < 2 || /T$/i.test(s)) return undefined;
  const n = (i: number) => Number(m[i] ?? 0);
  const months = n(1) * 12 + n(2);
  const days = n(3) * 7 + n(4);
  const micros = Math.round((n(5) * 3600 + n(6) * 60 + n(7)) * 1e6);
  if (!Number.isSafeInteger(months) || !Number.isSafeInteger(micros)) return undefined;
  const [y, mo] = [Math.floor(months / 12), months % 12];
  const seconds = micros / 1e6;
  const [h, mi, sec] = [Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60), Number((seconds % 60).toFixed(6))];
  const date = `${y ? `${y}Y` : ""}${mo ? `${mo}M` : ""}${days ? `${days}D` : ""}`;
  const time = `${h ? `${h}H` : ""}${mi ? `${mi}M` : ""}${sec ? `${sec}S` : ""}`;
  if (date === "" && time === "") return "PT0S";
  return `P${date}${time ? `T${time}` : ""}`;
}

/** A time of day `HH:MM[:SS[.fff]]` → `HH:MM:SS`, with a fraction only when it is not zero. */
function timeOfDay(s: string): string | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.(\d{1,6}))?)?$/.exec(s);
  if (m === null) return undefined;
  const fraction = (m[4] ?? "").replace(/0+$/, "");
  return `${m[1]}:${m[2]}:${m[3] ?? "00"}${fraction ? `.${fraction}` : ""}`;
}

/** Does ISO year `y` have 53 weeks? (Its 1 January is a Thursday, or a Wednesday in a leap year.) */
function hasWeek53(y: number): boolean {
  const p = (x: number) => (x + Math.floor(x / 4) - Math.floor(x / 100) + Math.floor(x / 400)) % 7;
  return p(y) === 4 || p(y - 1) === 3;
}

export const TIME_TYPES: RichType[] = [
  {
    name: "duration", ...textual, orderable: false, columns: () => ({ postgres: "interval" }),
    description: "an ISO 8601 duration (`P1Y2M10DT2H30M`), normalised as PostgreSQL's ISO intervals are",
    expected: "an ISO 8601 duration", example: "P1DT2H30M",
    jsonSchema: { type: "string", format: "duration" },
    check: textType(duration),
  },
  {
    name: "time", ...textual, orderable: true,
    description: "a time of day, `HH:MM:SS` (24-hour; `HH:MM` is accepted)",
    expected: "a time of day (HH:MM:SS)", example: "09:30:00",
    jsonSchema: { type: "string", pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?$" },
    check: textType(timeOfDay),
  },
  {
    name: "year_month", ...textual, orderable: true,
    description: "a calendar month, `YYYY-MM`",
    expected: "a year and month (YYYY-MM)", example: "2025-03",
    jsonSchema: { type: "string", pattern: "^[0-9]{4}-(0[1-9]|1[0-2])$" },
    check: patternType(/^(?!0000)\d{4}-(?:0[1-9]|1[0-2])$/),
  },
  {
    name: "iso_week", ...textual, orderable: true,
    description: "an ISO 8601 week, `YYYY-Www` (week 53 only in years that have one)",
    expected: "an ISO week (YYYY-Www)", example: "2025-W09",
    jsonSchema: { type: "string", pattern: "^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$" },
    check: textType((s) => {
      const m = /^(\d{4})-?[Ww](0[1-9]|[1-4]\d|5[0-3])$/.exec(s);
      if (m === null || (m[2] === "53" && !hasWeek53(Number(m[1])))) return undefined;
      return `${m[1]}-W${m[2]}`;
    }),
  },
];
