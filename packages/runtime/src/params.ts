/**
 * Path and query parameters arrive as strings; routes declare their types. A value that does not
 * parse is the client's error: a 400 problem naming the parameter. This is the one coercion of
 * request values (path, query, later socket messages); generated code relies on it rather than
 * converting again. The rules are listed in packages/runtime/README.md ("Parameter types").
 */
import { checkRich } from "@kova/query";
import type { ParamType, QueryParamDefinition, QueryValues, ValidationIssue } from "./app.js";

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// ISO 8601 date, or date-time with optional fraction and a Z or ±hh:mm offset.
const DATETIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** A parsed value, or a `ParamFailure` saying what was expected. */
export class ParamFailure {
  constructor(readonly message: string) {}
}

/**
 * Parses one raw value. `datetime` becomes an ISO-8601 UTC string (what drivers take for AS OF),
 * `uuid` is lower-cased so it compares equal to stored ids.
 */
export function parseParam(type: ParamType, raw: string): string | number | boolean | ParamFailure {
  switch (type) {
    case "string":
      return raw.length > 0 ? raw : new ParamFailure("must not be empty");
    case "int": {
      const value = INT.test(raw) ? Number(raw) : NaN;
      return Number.isSafeInteger(value) ? value : new ParamFailure(`must be an integer, got "${clip(raw)}"`);
    }
    case "count": {
      const value = INT.test(raw) ? Number(raw) : NaN;
      return Number.isSafeInteger(value) && value >= 0 ? value : new ParamFailure(`must be a whole number ≥ 0, got "${clip(raw)}"`);
    }
    case "float": {
      const value = FLOAT.test(raw) ? Number(raw) : NaN;
      return Number.isFinite(value) ? value : new ParamFailure(`must be a number, got "${clip(raw)}"`);
    }
    case "uuid":
      return UUID.test(raw) ? raw.toLowerCase() : new ParamFailure(`must be a UUID, got "${clip(raw)}"`);
    case "ulid": {
      // A PUBLIC ID ulid entity's id (@kova/query public-id-kinds.ts): read in upper case.
      const ulid = checkRich({ name: "ulid" }, raw);
      return ulid.ok ? String(ulid.value) : new ParamFailure(`must be a ULID, got "${clip(raw)}"`);
    }
    case "slug": {
      // An IDENTIFIER entity's identifier (@kova/query identifier.ts): the slug rich type's one rule, lower-cased.
      const slug = checkRich({ name: "slug" }, raw);
      return slug.ok ? String(slug.value) : new ParamFailure(`${slug.message}, got "${clip(raw)}"`);
    }
    case "datetime": {
      const match = DATETIME.exec(raw);
      // A date-time without a zone is UTC, like a date alone: never the server's own time zone.
      const time = match === null || !isCalendarDate(raw) ? NaN : Date.parse(match[1] !== undefined && match[3] === undefined ? `${raw}Z` : raw);
      return Number.isNaN(time)
        ? new ParamFailure(`must be an ISO-8601 date or date-time, got "${clip(raw)}"`)
        : new Date(time).toISOString();
    }
    case "boolean":
      if (raw === "true" || raw === "1") return true;
      if (raw === "false" || raw === "0") return false;
      return new ParamFailure(`must be true or false, got "${clip(raw)}"`);
  }
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Whether text starting `YYYY-MM-DD` names a day that exists. `Date.parse` alone rolls
 * 2025-02-30 over to March 2nd, so an impossible date would be accepted as another one.
 */
export function isCalendarDate(text: string): boolean {
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(5, 7));
  const day = Number(text.slice(8, 10));
  if (!(month >= 1 && month <= 12 && day >= 1)) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]);
}

/** Values quoted back to the client are shortened so a huge value does not make a huge response. */
function clip(raw: string): string {
  return raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
}

/** Checks and types a route's declared query parameters in place; returns the issues found. */
export function typeQuery(query: QueryValues, declared: readonly QueryParamDefinition[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const def of declared) {
    const raw = query[def.name];
    if (raw === undefined || raw === "") {
      if (def.required === true) issues.push({ field: def.name, message: "query parameter is required" });
      query[def.name] = def.default;
      continue;
    }
    if (typeof raw !== "string") {
      issues.push({ field: def.name, message: "query parameter must be given once" });
      continue;
    }
    const value = parseParam(def.type, raw);
    const problem = value instanceof ParamFailure ? value.message : outOfBounds(def, value);
    if (problem !== undefined) issues.push({ field: def.name, message: problem });
    else query[def.name] = value as string | number | boolean;
  }
  return issues;
}

/** A declared bound or list of values the parsed value breaks, as the message for the 400. */
function outOfBounds(def: QueryParamDefinition, value: string | number | boolean): string | undefined {
  if (def.values !== undefined && !def.values.includes(value as string)) {
    return `must be one of ${def.values.map((v) => JSON.stringify(v)).join(", ")}, got "${clip(String(value))}"`;
  }
  if (typeof value !== "number") return undefined;
  if (def.min !== undefined && value < def.min) return `must be at least ${def.min}, got ${value}`;
  if (def.max !== undefined && value > def.max) return `must be at most ${def.max}, got ${value}`;
  return undefined;
}

// A `%` not followed by two hex digits.
const BAD_PERCENT = /%(?![0-9a-fA-F]{2})/;

/**
 * The query parameter whose name or value has a broken percent-escape (`?q=%zz`), if any. Query
 * parsers keep such text literally, which would hand the handler a value the client never meant;
 * both servers answer 400 naming the parameter instead. Most URLs hold no `%`, so this is one scan.
 */
export function badlyEncodedQueryParam(url: string): string | undefined {
  const start = url.indexOf("?");
  if (start < 0 || url.indexOf("%", start) < 0) return undefined;
  for (const part of url.slice(start + 1).split("&")) {
    if (!BAD_PERCENT.test(part)) continue;
    const name = part.split("=", 1)[0] ?? "";
    return BAD_PERCENT.test(name) ? name : safeDecode(name);
  }
  return undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}
