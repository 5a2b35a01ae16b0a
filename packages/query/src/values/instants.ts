/**
 * Instants as every driver reads them from a request: ISO-8601 text, epoch milliseconds (a number
 * or a string of digits) or a Date. The drivers store instants differently (ISO text, DATETIME(3),
 * BSON dates, epoch ms), but they must agree on which inputs name an instant, so that a value one
 * data source accepts is accepted by all of them; that shared reading lives here.
 */
import { QueryError } from "../driver.js";

/** An ISO-8601 date-time; Date.parse alone would also accept "March 7" or "1". */
export const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
/** An integer written as text (a path parameter, an id, epoch milliseconds). */
export const INTEGER_TEXT = /^-?\d+$/;

/** Epoch ms of an instant (ISO-8601 text, epoch ms number or Date), or undefined when it is none. */
export function instantMs(value: unknown): number | undefined {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === "number") ms = value;
  else if (typeof value === "string" && ISO_DATETIME.test(value.trim())) ms = Date.parse(value.trim());
  else return undefined;
  return Number.isFinite(ms) && !Number.isNaN(new Date(ms).getTime()) ? ms : undefined;
}

/** ISO-8601 UTC with milliseconds, or undefined when the value is no instant. */
export function toIsoInstant(value: unknown): string | undefined {
  const ms = instantMs(value);
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

/**
 * Epoch milliseconds from an ISO string, a string of digits, a number or a Date (what AS OF and
 * history instants accept). Digits are read as epoch ms, not as a year; fractions are dropped.
 */
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

/** Whether epoch milliseconds fall within what a JavaScript Date (and so an ISO string) can hold. */
export function isDateMs(ms: number): boolean {
  return !Number.isNaN(new Date(ms).getTime());
}

/**
 * The instant an AS OF names, as epoch milliseconds; a 400 when it names none. One rule for every
 * driver: the instant must be one a JavaScript Date can hold (±8.64e15 ms), so an epoch past that
 * range is the client's mistake everywhere, never "the latest version" on one store and an error
 * on another.
 */
export function asOfMs(value: unknown): number {
  const ms = parseInstant(value);
  if (ms === undefined || !isDateMs(ms)) {
    throw new QueryError(`AS OF needs an ISO-8601 date-time or epoch milliseconds, got ${JSON.stringify(value) ?? String(value)}`, 400);
  }
  return ms;
}
