/**
 * Headers every response carries, whatever answered it (a route, a problem, 404, health). Built
 * once at start as frozen objects; a request picks one, so the hot path allocates nothing here.
 *
 * - `x-content-type-options: nosniff`: a browser never guesses HTML or script from a JSON body.
 * - `referrer-policy: no-referrer`: URLs of the API (ids, tokens in queries) are not leaked onwards.
 * - `content-security-policy: default-src 'none'; frame-ancestors 'none'`: anything Kova serves
 *   that a browser renders (an error page, a JSON body opened directly) can load nothing and cannot
 *   be framed. Responses of the app may set their own (RESPOND … HEADERS wins).
 * - `strict-transport-security`: only on requests known to have come over TLS (the socket, or a
 *   trusted proxy's X-Forwarded-Proto), since on plain HTTP browsers ignore it; `hsts: 0` turns it off.
 */
export const DEFAULT_HSTS_SECONDS = 15_552_000; // 180 days

export const BASE_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
});

export function securityHeaderSets(hstsSeconds: number): { plain: Readonly<Record<string, string>>; tls: Readonly<Record<string, string>> } {
  const tls = hstsSeconds > 0
    ? Object.freeze({ ...BASE_SECURITY_HEADERS, "strict-transport-security": `max-age=${hstsSeconds}; includeSubDomains` })
    : BASE_SECURITY_HEADERS;
  return { plain: BASE_SECURITY_HEADERS, tls };
}
