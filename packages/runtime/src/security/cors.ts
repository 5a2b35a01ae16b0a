/**
 * CORS: which other origins' pages may call the app from a browser. Off unless the program (a
 * `CORS { … }` block) or kova.config.json (`cors`) declares it. Origins are exact
 * (`https://app.example.com`); `*` is accepted only without credentials, as the Fetch standard
 * requires. Every header set is computed once at start, per allowed origin, so answering costs a
 * Map lookup.
 */
import type { CorsDefinition } from "../app.js";

const DEFAULT_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];
const DEFAULT_HEADERS = ["content-type"];
const METHOD = /^[A-Z]+$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

export class CorsError extends Error {}

/** A preflight's answer: status and headers. */
export interface PreflightAnswer {
  status: number;
  headers: Record<string, string>;
  /** Set when the preflight is refused: why, for the problem's detail. */
  refused?: string;
}

export class CorsPolicy {
  readonly wildcard: boolean;
  readonly credentials: boolean;
  private readonly origins: ReadonlySet<string>;
  private readonly methods: readonly string[] | undefined;
  private readonly allowHeaders: string;
  private readonly maxAge: string;
  /** Per allowed origin (or `*`): the headers every actual response carries. */
  private readonly actual = new Map<string, Readonly<Record<string, string>>>();
  /** What a response to a request from an origin not allowed carries. */
  readonly notAllowedHeaders: Readonly<Record<string, string>> = Object.freeze({ vary: "origin" });

  constructor(definition: CorsDefinition) {
    const origins = new Set<string>();
    let wildcard = false;
    for (const raw of definition.origins) {
      for (const part of raw.split(",")) {
        const origin = part.trim();
        if (origin === "") continue;
        if (origin === "*") wildcard = true;
        else origins.add(exactOrigin(origin));
      }
    }
    this.credentials = definition.credentials === true;
    if (wildcard && this.credentials) {
      throw new CorsError('CORS: origins "*" cannot be combined with credentials: true; list the exact origins that may send credentials');
    }
    this.wildcard = wildcard;
    this.origins = origins;
    if (definition.methods !== undefined) {
      for (const m of definition.methods) if (!METHOD.test(m)) throw new CorsError(`CORS: "${m}" is not an HTTP method (write it in upper case, e.g. "POST")`);
    }
    this.methods = definition.methods;
    const headers = (definition.headers ?? DEFAULT_HEADERS).map((h) => h.toLowerCase());
    for (const h of headers) if (!TOKEN.test(h)) throw new CorsError(`CORS: "${h}" is not a header name`);
    this.allowHeaders = headers.join(", ");
    const maxAge = definition.maxAgeSeconds ?? 600;
    if (!Number.isInteger(maxAge) || maxAge < 0) throw new CorsError("CORS: max_age must be a whole number of seconds ≥ 0");
    this.maxAge = String(maxAge);
    const expose = (definition.expose ?? []).map((h) => h.toLowerCase());
    for (const h of expose) if (!TOKEN.test(h)) throw new CorsError(`CORS: "${h}" is not a header name`);
    for (const origin of wildcard ? ["*"] : origins) {
      const headers: Record<string, string> = { "access-control-allow-origin": origin, vary: "origin" };
      if (this.credentials) headers["access-control-allow-credentials"] = "true";
      if (expose.length > 0) headers["access-control-expose-headers"] = expose.join(", ");
      this.actual.set(origin, Object.freeze(headers));
    }
  }

  /** The origin is allowed (exactly, or by `*`). */
  allows(origin: string): boolean {
    return this.wildcard || this.origins.has(origin);
  }

  /** Exactly listed (not only by `*`): such an origin is trusted to send state-changing requests with credentials. */
  listsExactly(origin: string): boolean {
    return this.origins.has(origin);
  }

  /** The CORS headers of an actual (non-preflight) response to a request with this Origin header. */
  responseHeaders(origin: string): Readonly<Record<string, string>> {
    return this.actual.get(origin) ?? (this.wildcard ? this.actual.get("*")! : this.notAllowedHeaders);
  }

  /** Answers `OPTIONS` with `Access-Control-Request-Method`; `routeMethods` are what the path has. */
  preflight(origin: string, requestMethod: string, requestHeaders: string | undefined, routeMethods: readonly string[]): PreflightAnswer {
    const vary = "origin, access-control-request-method, access-control-request-headers";
    if (!this.allows(origin)) return { status: 403, headers: { vary }, refused: `the origin ${origin} is not allowed by the app's CORS policy` };
    const methods = (this.methods ?? DEFAULT_METHODS).filter((m) => routeMethods.includes(m));
    if (!methods.includes(requestMethod.toUpperCase())) {
      return { status: 403, headers: { vary }, refused: `CORS does not allow ${requestMethod} here; allowed: ${methods.join(", ") || "none"}` };
    }
    if (requestHeaders !== undefined) {
      const allowed = this.allowHeaders.split(", ");
      const missing = requestHeaders.split(",").map((h) => h.trim().toLowerCase()).filter((h) => h !== "" && !allowed.includes(h));
      if (missing.length > 0) {
        return { status: 403, headers: { vary }, refused: `CORS does not allow the request header${missing.length > 1 ? "s" : ""} ${missing.join(", ")}; allowed: ${this.allowHeaders}` };
      }
    }
    const headers: Record<string, string> = {
      ...this.responseHeaders(origin),
      vary,
      "access-control-allow-methods": methods.join(", "),
      "access-control-allow-headers": this.allowHeaders,
      "access-control-max-age": this.maxAge,
    };
    return { status: 204, headers };
  }
}

/** An origin as browsers send it: scheme://host[:port], lower case, no path, no default port. */
export function exactOrigin(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CorsError(`CORS: "${text}" is not an origin; write scheme://host[:port], e.g. "https://app.example.com"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new CorsError(`CORS: "${text}" is not an http(s) origin`);
  if ((url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.hash !== "" || url.username !== "" || /\/./.test(text.replace(/^[a-z]+:\/\//i, ""))) {
    throw new CorsError(`CORS: "${text}" has a path; an origin is only scheme://host[:port], e.g. "${url.origin}"`);
  }
  if (url.hostname.includes("*")) throw new CorsError(`CORS: "${text}": wildcards in origins are not supported; list each origin exactly`);
  return url.origin;
}
