/**
 * The one place MASKED values are masked in what a request answers (docs/entities.md, "Masked
 * fields"): the reply's text — a handler's body, a problem, a GraphQL answer, each event of a
 * `STREAM LIVE` — once serialised, with every masked value the request read (Exchange.masked)
 * replaced by its masked form, unless the caller holds a role the field names (`MASKED UNLESS
 * admin`, checked as `AUTH admin` checks it). Sockets use `maskedText` for what they send.
 */
import type { MaskedValues } from "@kova/query";
import type { LiveQuery } from "./app.js";
import type { AuthClaims, RouteAuthDefinition } from "./auth/scheme.js";
import { hasRole } from "./auth/verify.js";
import type { Exchange } from "./exchange.js";
import type { SerializedReply } from "./route.js";

/** `text` with the noted values masked for this caller (`auth`: the route's AUTH, if any; `claims`: the caller's). */
export function maskedText(masked: MaskedValues | undefined, text: string, auth: RouteAuthDefinition | undefined, claims: AuthClaims | null, form: "json" | "text" = "json"): string {
  if (masked === undefined || masked.size === 0) return text;
  const scheme = auth?.scheme;
  return masked.maskText(text, (roles) => scheme !== undefined && claims !== null && hasRole(scheme, claims, roles), form);
}

/**
 * The reply with the request's masked values masked. `shared`: the answer is kept for other
 * callers too (a CACHE entry), so no caller's role unmasks anything in it.
 */
export function maskedReply(ex: Exchange, reply: SerializedReply, shared = false): SerializedReply {
  const stream = reply.stream;
  // STREAM LIVE: the query runs again for each event, so each event's text is masked as it goes.
  if (stream !== undefined && "live" in stream && ex.serving.dataSources.masked.size > 0) {
    const live: LiveQuery = stream.live;
    const serialize = (value: unknown) => maskedText(ex.masked, live.serialize?.(value) ?? JSON.stringify(value ?? null), ex.route.definition.auth, ex.auth);
    return { ...reply, stream: { live: { ...live, serialize } } };
  }
  if (typeof reply.payload !== "string") return reply;
  const header = Object.keys(reply.headers ?? {}).find((name) => name.toLowerCase() === "content-type");
  const json = header === undefined || /\bjson\b/i.test(String(reply.headers![header]));
  const payload = maskedText(ex.masked, reply.payload, shared ? undefined : ex.route.definition.auth, ex.auth, json ? "json" : "text");
  return payload === reply.payload ? reply : { ...reply, payload };
}
