/**
 * The request's `headers` object, built from the parser's flat [name, value, …] list by node:http's
 * own rules (IncomingMessage#_addHeaderLine), so handlers, stages and the differential test see the
 * same object on both layers: names lower-cased; a repeated Set-Cookie is an array; a repeated
 * Cookie is joined with "; "; repeats of the single-valued headers below are dropped (the first
 * wins); other repeats are joined with ", ".
 */
import type { IncomingHttpHeaders } from "node:http";

const FIRST_WINS = new Set([
  "content-type", "content-length", "user-agent", "referer", "host", "authorization", "proxy-authorization",
  "if-modified-since", "if-unmodified-since", "from", "location", "max-forwards", "retry-after", "etag",
  "last-modified", "server", "age", "expires",
]);

export function headersObject(raw: readonly string[]): IncomingHttpHeaders {
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const value = raw[i + 1];
    const seen = headers[name];
    if (seen === undefined) {
      headers[name] = name === "set-cookie" ? [value] : value;
    } else if (name === "set-cookie") {
      (seen as string[]).push(value);
    } else if (name === "cookie") {
      headers[name] = `${seen as string}; ${value}`;
    } else if (!FIRST_WINS.has(name)) {
      headers[name] = `${seen as string}, ${value}`;
    }
  }
  return headers;
}
