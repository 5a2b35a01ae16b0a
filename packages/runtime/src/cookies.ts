/**
 * Request and response cookies. Parsing the `Cookie` header and writing `Set-Cookie` lines is the
 * `cookie` package's job (RFC 6265 names, values and attributes); what is Kova's own is the shape a
 * handler gives (`{ value, http_only, same_site, max_age, … }`, the names the language uses) and its
 * defaults: `Path=/`, `HttpOnly` and `SameSite=Lax` unless the program says otherwise.
 */
import { parse, serialize, type SerializeOptions } from "cookie";

/** The request's cookies by name (`$cookies.session`); a cookie not sent is `undefined`. */
export type RequestCookies = Readonly<Record<string, string | undefined>>;

const NO_COOKIES: RequestCookies = Object.freeze({});

/** Parses the request's `Cookie` header(s). A malformed pair is skipped, never an error. */
export function readCookies(header: string | string[] | undefined): RequestCookies {
  if (header === undefined || header === "") return NO_COOKIES;
  // HTTP/2 may split the header into several; they join with "; " (RFC 9113 §8.2.3).
  const text = Array.isArray(header) ? header.join("; ") : header;
  // parse gives a null-prototype object: `$cookies.constructor` is never Object's.
  return parse(text);
}

/**
 * A cookie to set, as a handler writes it. A plain string is the value with the defaults; `value`
 * null (or the whole cookie null) clears it: an empty value that expires now.
 */
export interface ResponseCookie {
  value: string | number | boolean | null;
  /** Default true: scripts in the page cannot read it. */
  http_only?: boolean;
  /** Default false (so it works on http://localhost); `same_site: "none"` turns it on. */
  secure?: boolean;
  /** "lax" (default), "strict" or "none". */
  same_site?: "lax" | "strict" | "none";
  /** How long the cookie lives, in milliseconds (a Kova duration: `7d`); sent as whole seconds. */
  max_age?: number;
  /** An instant (ISO-8601 text or milliseconds since 1970) when it expires. */
  expires?: string | number;
  /** Default "/". */
  path?: string;
  domain?: string;
  partitioned?: boolean;
}

export type CookieInput = ResponseCookie | string | number | boolean | null | undefined;

/** The cookies a handler sets, by name. */
export type ResponseCookies = Readonly<Record<string, CookieInput>>;

/** Thrown for a cookie the program built wrongly (a bad name, an unknown same_site): a 500, logged. */
export class CookieError extends Error {
  constructor(name: string, message: string) {
    super(`cookie "${name}": ${message}`);
    this.name = "CookieError";
  }
}

const SAME_SITE = new Set(["lax", "strict", "none"]);

/** One `Set-Cookie` header value. */
export function setCookieLine(name: string, input: CookieInput): string {
  const cookie: ResponseCookie = input === null || input === undefined ? { value: null }
    : typeof input === "object" ? input : { value: input };
  const clear = cookie.value === null || cookie.value === undefined;
  const sameSite = cookie.same_site ?? "lax";
  if (!SAME_SITE.has(sameSite)) throw new CookieError(name, `same_site must be "lax", "strict" or "none", not ${JSON.stringify(sameSite)}`);
  const value = clear ? "" : String(cookie.value);
  const spec: SerializeOptions = {
    path: cookie.path ?? "/",
    httpOnly: cookie.http_only ?? true,
    sameSite,
    // Browsers drop a SameSite=None cookie that is not Secure.
    secure: cookie.secure ?? sameSite === "none",
  };
  if (cookie.domain !== undefined && cookie.domain !== null) spec.domain = cookie.domain;
  if (cookie.partitioned === true) spec.partitioned = true;
  if (clear) {
    spec.maxAge = 0;
    spec.expires = new Date(0);
  } else {
    if (cookie.max_age !== undefined && cookie.max_age !== null) {
      if (typeof cookie.max_age !== "number" || !Number.isFinite(cookie.max_age)) throw new CookieError(name, "max_age must be a duration such as 7d");
      spec.maxAge = Math.max(0, Math.floor(cookie.max_age / 1000));
    }
    if (cookie.expires !== undefined && cookie.expires !== null) {
      const at = new Date(cookie.expires);
      if (Number.isNaN(at.getTime())) throw new CookieError(name, `expires is not an instant: ${JSON.stringify(cookie.expires)}`);
      spec.expires = at;
    }
  }
  try {
    return serialize(name, value, spec);
  } catch (error) {
    throw new CookieError(name, (error as Error).message);
  }
}

/** Every `Set-Cookie` line for a handler's cookies, in the order written. */
export function setCookieLines(cookies: ResponseCookies): string[] {
  const lines: string[] = [];
  for (const name in cookies) lines.push(setCookieLine(name, cookies[name]));
  return lines;
}
