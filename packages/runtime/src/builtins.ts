/**
 * The run-time side of Kova's built-in functions (the list, with types and docs, is the compiler's
 * `checker/builtins.ts`; the emitter prints a call to one of these for each built-in that is more
 * than a JavaScript one-liner). A wrong value (null where text is required) throws a KovaTypeError:
 * the request answers 500 and the logged stack, source-mapped, names the `.kova` line of the call.
 */

import type { FetchJsonOptions, FetchJsonResult } from "./outbound/fetch-json.js";
import { slugify } from "@kova/query";
import { HttpError } from "./app.js";
import { FileDownload, fileRefOf } from "./uploads/uploaded-file.js";

export class KovaTypeError extends TypeError {
  override name = "KovaTypeError";
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "a list";
  return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v)}`;
}

function text(fn: string, v: unknown): string {
  if (typeof v !== "string") throw new KovaTypeError(`${fn}() needs text, got ${describeValue(v)}`);
  return v;
}

function num(fn: string, v: unknown): number {
  if (typeof v !== "number" || Number.isNaN(v)) throw new KovaTypeError(`${fn}() needs a number, got ${describeValue(v)}`);
  return v;
}

function list(fn: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) throw new KovaTypeError(`${fn}() needs a list, got ${describeValue(v)}`);
  return v;
}

function record(fn: string, v: unknown): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new KovaTypeError(`${fn}() needs an object, got ${describeValue(v)}`);
  return v as Record<string, unknown>;
}

/** An instant as epoch milliseconds: ISO-8601 text (what rows and now() hold), a Date or a number. */
function instant(fn: string, v: unknown): number {
  const ms = typeof v === "number" ? v : typeof v === "string" ? Date.parse(v) : v instanceof Date ? v.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw new KovaTypeError(`${fn}() needs an instant (ISO-8601 text), got ${describeValue(v)}`);
  return ms;
}

// ───────────────────────────── text

/** "Hello, World!" → "hello-world": accents dropped, lower case, ASCII letters and digits joined by single dashes. */
export function slug(value: unknown): string {
  // The one slug of Kova: DEFAULT slug(title) computes the same (@kova/query computed-defaults.ts).
  return slugify(text("slug", value));
}

/** Characters from `start` (0-based) up to `end` (exclusive; the end of the text when left out). Negative counts from the end. */
export function substring(value: unknown, start: unknown, end?: unknown): string {
  const chars = Array.from(text("substring", value));
  return chars.slice(num("substring", start), end === undefined || end === null ? undefined : num("substring", end)).join("");
}

/** Every occurrence of `find` (plain text, not a pattern) replaced by `by`. */
export function replace(value: unknown, find: unknown, by: unknown): string {
  return text("replace", value).split(text("replace", find)).join(text("replace", by));
}

export function starts_with(value: unknown, prefix: unknown): boolean {
  return text("starts_with", value).startsWith(text("starts_with", prefix));
}

export function ends_with(value: unknown, suffix: unknown): boolean {
  return text("ends_with", value).endsWith(text("ends_with", suffix));
}

/** Pads on the left to `width` characters (with spaces unless `fill` is given): pad(7, 3, "0") is "007". */
export function pad(value: unknown, width: unknown, fill: unknown = " "): string {
  const s = typeof value === "number" ? String(value) : text("pad", value);
  return s.padStart(num("pad", width), text("pad", fill));
}

/** Pads on the right to `width` characters. */
export function pad_end(value: unknown, width: unknown, fill: unknown = " "): string {
  const s = typeof value === "number" ? String(value) : text("pad_end", value);
  return s.padEnd(num("pad_end", width), text("pad_end", fill));
}

const patterns = new Map<string, RegExp>();

/** Does the text contain a match of the regular expression (JavaScript syntax, Unicode mode)? Anchor with ^…$ for a whole match. */
export function matches(value: unknown, pattern: unknown): boolean {
  const source = text("matches", pattern);
  let re = patterns.get(source);
  if (re === undefined) {
    try {
      re = new RegExp(source, "u");
    } catch (error) {
      throw new KovaTypeError(`matches() got an invalid regular expression: ${(error as Error).message}`);
    }
    if (patterns.size < 1000) patterns.set(source, re);
  }
  return re.test(text("matches", value));
}

/** "Hello {name}" with { name: "Ada" } → "Hello Ada": each {key} is replaced by that value as text; an unknown key stays as written. */
export function format(template: unknown, values: unknown): string {
  const fields = record("format", values);
  return text("format", template).replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, key: string) =>
    Object.hasOwn(fields, key) ? asText(fields[key]) : whole,
  );
}

function asText(v: unknown): string {
  return v == null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
}

export function split(value: unknown, separator: unknown): string[] {
  return text("split", value).split(text("split", separator));
}

/** `%` and `_` (and the escape `\`) in a value made literal for LIKE: the value matches only itself. */
export function like_escape(value: unknown): unknown {
  return typeof value === "string" ? value.replace(/[\\%_]/g, "\\$&") : value;
}

// ───────────────────────────── numbers

/** Rounded to `digits` decimals (0 when left out), halves away from zero. */
export function round(value: unknown, digits: unknown = 0): number {
  const x = num("round", value);
  const factor = 10 ** num("round", digits);
  return (Math.sign(x) * Math.round(Math.abs(x) * factor)) / factor;
}

export function floor(value: unknown): number {
  return Math.floor(num("floor", value));
}

export function ceil(value: unknown): number {
  return Math.ceil(num("ceil", value));
}

export function abs(value: unknown): number {
  return Math.abs(num("abs", value));
}

function extreme(fn: string, args: unknown[], pick: (a: number, b: number) => boolean): number | null {
  const values = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
  let best: number | null = null;
  for (const v of values) {
    const x = num(fn, v);
    if (best === null || pick(x, best)) best = x;
  }
  return best;
}

/** The smallest of the arguments, or of one list argument; null for an empty list. */
export function min(...args: unknown[]): number | null {
  return extreme("min", args, (a, b) => a < b);
}

export function max(...args: unknown[]): number | null {
  return extreme("max", args, (a, b) => a > b);
}

// ───────────────────────────── lists and objects

function keyOf(fn: string, item: unknown, key: unknown): unknown {
  if (key === undefined || key === null) return item;
  return record(fn, item)[text(fn, key)];
}

/** The sum of a list of numbers, or of one field of a list of rows (`sum(orders, "total")`); null items count as 0. */
export function sum(items: unknown, key?: unknown): number {
  let total = 0;
  for (const item of list("sum", items)) {
    const v = keyOf("sum", item, key);
    if (v !== null && v !== undefined) total += num("sum", v);
  }
  return total;
}

function compare(a: unknown, b: unknown): number {
  // Nulls sort last, as in SQL's usual ASC; numbers by value, everything else as text.
  if (a == null) return b == null ? 0 : 1;
  if (b == null) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  const x = asText(a);
  const y = asText(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A sorted copy: by the items themselves, or by one field of each row; "desc" reverses. Stable. */
export function sort(items: unknown, key?: unknown, order?: unknown): unknown[] {
  const direction = order === "desc" ? -1 : 1;
  return [...list("sort", items)].sort((a, b) => direction * compare(keyOf("sort", a, key), keyOf("sort", b, key)));
}

/** The list without repeats (by value, or by one field of each row), first occurrence kept. */
export function unique(items: unknown, key?: unknown): unknown[] {
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const item of list("unique", items)) {
    const k = JSON.stringify(keyOf("unique", item, key) ?? null);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(item);
  }
  return out;
}

export function join(items: unknown, separator: unknown = ","): string {
  return list("join", items).map(asText).join(text("join", separator));
}

/** Is `item` in the list (Kova equality), or is `item` a part of the text? */
export function contains(container: unknown, item: unknown): boolean {
  if (typeof container === "string") return container.includes(text("contains", item));
  return list("contains", container).some((v) => (v ?? null) === (item ?? null));
}

export function keys(value: unknown): string[] {
  return Object.keys(record("keys", value));
}

export function values(value: unknown): unknown[] {
  return Object.values(record("values", value));
}

/** A copy of the object without the named fields. */
export function omit(value: unknown, ...names: unknown[]): Record<string, unknown> {
  const out = { ...record("omit", value) };
  for (const name of names) delete out[text("omit", name)];
  return out;
}

/**
 * A written row (or each row of a list) without the entity's SECRET fields; null stays null. Not
 * callable by name: the lowering wraps every write to an entity with SECRET fields in it.
 */
export function without_fields(value: unknown, ...names: string[]): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((row) => without_fields(row, ...names));
  const out = { ...(value as Record<string, unknown>) };
  for (const name of names) delete out[name];
  return out;
}

/** A copy with only the named fields (those the object has). */
export function pick(value: unknown, ...names: unknown[]): Record<string, unknown> {
  const source = record("pick", value);
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const key = text("pick", name);
    if (Object.hasOwn(source, key)) out[key] = source[key];
  }
  return out;
}

// ───────────────────────────── instants and durations

/** `instant ± duration` (a duration is milliseconds): the shifted instant as ISO-8601 UTC text. */
export function date_add(at: unknown, duration: unknown): string {
  return new Date(instant("date_add", at) + num("date_add", duration)).toISOString();
}

/** `a - b` for two instants: the milliseconds between them. */
export function date_diff(a: unknown, b: unknown): number {
  return instant("date_diff", a) - instant("date_diff", b);
}

/** Milliseconds since 1970-01-01T00:00:00Z; also how instants are compared. */
export function epoch_ms(at: unknown): number {
  return instant("epoch_ms", at);
}

/** An instant (ISO text in any offset, or epoch milliseconds) as canonical ISO-8601 UTC text. */
export function iso(at: unknown): string {
  return new Date(instant("iso", at)).toISOString();
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

function zoneFormat(fn: string, zone: string): Intl.DateTimeFormat {
  let f = zoneFormats.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit", weekday: "short",
      });
    } catch {
      throw new KovaTypeError(`${fn}() got an unknown time zone ${JSON.stringify(zone)} (use an IANA name such as "Europe/Paris")`);
    }
    zoneFormats.set(zone, f);
  }
  return f;
}

interface WallClock {
  year: number; month: number; day: number; hour: number; minute: number; second: number; ms: number; weekday: number;
}

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** The wall-clock reading of an instant in a time zone (UTC when none is given). */
function wallClock(fn: string, ms: number, zone: unknown): WallClock {
  const z = zone === undefined || zone === null ? "UTC" : text(fn, zone);
  const parts: Record<string, string> = {};
  for (const p of zoneFormat(fn, z).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return {
    year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour),
    minute: Number(parts.minute), second: Number(parts.second), ms: ((ms % 1000) + 1000) % 1000,
    weekday: WEEKDAYS.indexOf(parts.weekday) + 1,
  };
}

/** The zone's offset from UTC, in milliseconds, at that instant. */
function offsetAt(fn: string, ms: number, zone: unknown): number {
  const w = wallClock(fn, ms, zone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.ms) - ms;
}

/** The instant whose wall-clock reading in `zone` is the given one (the earlier, across a DST fold). */
function fromWallClock(fn: string, local: number, zone: unknown): number {
  let guess = local - offsetAt(fn, local, zone);
  guess = local - offsetAt(fn, guess, zone);
  return guess;
}

export function year(at: unknown, zone?: unknown): number {
  return wallClock("year", instant("year", at), zone).year;
}
export function month(at: unknown, zone?: unknown): number {
  return wallClock("month", instant("month", at), zone).month;
}
export function day(at: unknown, zone?: unknown): number {
  return wallClock("day", instant("day", at), zone).day;
}
export function hour(at: unknown, zone?: unknown): number {
  return wallClock("hour", instant("hour", at), zone).hour;
}
export function minute(at: unknown, zone?: unknown): number {
  return wallClock("minute", instant("minute", at), zone).minute;
}
export function second(at: unknown, zone?: unknown): number {
  return wallClock("second", instant("second", at), zone).second;
}
/** ISO weekday: 1 is Monday, 7 is Sunday. */
export function weekday(at: unknown, zone?: unknown): number {
  return wallClock("weekday", instant("weekday", at), zone).weekday;
}

export const DATE_UNITS = ["year", "month", "week", "day", "hour", "minute", "second"] as const;

/** The start of the unit (year, month, week — Monday —, day, hour, minute, second) holding the instant, in a zone (UTC by default), as ISO-8601 UTC text. */
export function date_trunc(unit: unknown, at: unknown, zone?: unknown): string {
  const u = text("date_trunc", unit);
  if (!(DATE_UNITS as readonly string[]).includes(u)) throw new KovaTypeError(`date_trunc() got the unit ${JSON.stringify(u)}; use one of ${DATE_UNITS.join(", ")}`);
  const w = wallClock("date_trunc", instant("date_trunc", at), zone);
  const fields = [w.year, w.month - 1, w.day, w.hour, w.minute, w.second];
  const keep = { year: 1, month: 2, week: 3, day: 3, hour: 4, minute: 5, second: 6 }[u as (typeof DATE_UNITS)[number]];
  const kept = fields.map((f, i) => (i < keep ? f : i === 2 ? 1 : 0));
  let local = Date.UTC(kept[0], kept[1], kept[2], kept[3], kept[4], kept[5]);
  if (u === "week") local -= (w.weekday - 1) * 86_400_000;
  return new Date(fromWallClock("date_trunc", local, zone)).toISOString();
}

/** The instant as ISO-8601 text in a time zone, with its offset: "2025-03-01T13:00:00+01:00". */
export function format_date(at: unknown, zone?: unknown): string {
  const ms = instant("format_date", at);
  const w = wallClock("format_date", ms, zone);
  const offset = Math.round(offsetAt("format_date", ms, zone) / 60_000);
  const two = (n: number) => String(n).padStart(2, "0");
  const sign = offset < 0 ? "-" : "+";
  const zonePart = offset === 0 ? "Z" : `${sign}${two(Math.floor(Math.abs(offset) / 60))}:${two(Math.abs(offset) % 60)}`;
  const frac = w.ms === 0 ? "" : `.${String(w.ms).padStart(3, "0")}`;
  return `${String(w.year).padStart(4, "0")}-${two(w.month)}-${two(w.day)}T${two(w.hour)}:${two(w.minute)}:${two(w.second)}${frac}${zonePart}`;
}

export function days(n: unknown): number {
  return num("days", n) * 86_400_000;
}
export function hours(n: unknown): number {
  return num("hours", n) * 3_600_000;
}
export function minutes(n: unknown): number {
  return num("minutes", n) * 60_000;
}
export function seconds(n: unknown): number {
  return num("seconds", n) * 1000;
}

// fetch_json: an outbound HTTP call with timeouts, retries, a circuit breaker and a bulkhead per host.
// Its module (with the breakers, bulkheads and tracing) loads on the first call, not at every app's start.
export async function fetch_json(url: unknown, options?: FetchJsonOptions | null): Promise<FetchJsonResult> {
  return (await import("./outbound/fetch-json.js")).fetchJson(url, options);
}

// ── files (uploads/)

/** `RESPOND download(p.avatar)`: the stored file as the response body; null (no file) is a 404. */
export function download(value: unknown): FileDownload {
  const ref = fileRefOf(value);
  if (ref === undefined) throw new HttpError(404, value === null || value === undefined ? "there is no file here" : "this value is not a stored file");
  return new FileDownload(ref);
}

/** The validator of a `file(…)` shape field: only a part the runtime streamed is a file. */
export { isUploadedFile } from "./uploads/uploaded-file.js";
/** Rich types (phone, money, …): the one check VALIDATE shapes and entity writes share. */
export { checkRich } from "@kova/query";
