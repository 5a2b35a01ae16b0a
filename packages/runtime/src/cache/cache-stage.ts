/**
 * The `cache` pipeline stage (before `handler`), for routes with a CACHE clause:
 *
 *   fresh entry         → answered from it (x-cache: hit)
 *   stale, revalidate   → answered from it (x-cache: stale); one refresh runs in the background
 *   miss                → one load per key (the handler); concurrent misses wait for it and share
 *                         its answer (x-cache: miss). Only 200 answers are kept.
 *
 * Every cached answer carries an ETag (a hash of its body) and the declared Cache-Control; a
 * request whose If-None-Match names the ETag gets 304 with no body. Routes without CACHE pay one
 * property read.
 */
import { createHash } from "node:crypto";
import { runHandler } from "../atomic.js";
import type { Exchange, StageOutcome } from "../exchange.js";
import type { PipelineStage } from "../pipeline.js";
import { serializeReply, type SerializedReply } from "../route.js";
import { maskedReply } from "../masked-reply.js";
import { cacheRuntimeFor, tagsOfRequest } from "./registry.js";
import type { CacheDefinition, RouteCache } from "./definition.js";
import type { CacheEntry, NamedCache } from "./named-cache.js";

/** `only` entries live until a write evicts them (or the LRU drops them): this long in L2 at most. */
const UNTIL_EVICTED_MS = 30 * 86_400_000;

export const cacheStage: PipelineStage = {
  name: "cache",
  run(ex: Exchange): StageOutcome | Promise<StageOutcome> {
    const rule = ex.route.definition.cache;
    if (rule === undefined) return undefined;
    const runtime = cacheRuntimeFor(ex.serving.dataSources);
    const cache = runtime?.caches.get(rule.cache);
    // Started without the app's caches (a bare createServer): the handler answers, uncached.
    if (cache === undefined) return undefined;
    const key = keyOf(ex, cache.definition);
    const heard = runtime!.heardRemote();
    if (heard !== undefined) return heard.then(() => answer(ex, cache, key, rule.invalidate));
    // The common case, a fresh entry in this process, is answered without a promise.
    const now = Date.now();
    const local = cache.peek(key, now);
    if (local !== undefined && local.freshUntil > now) {
      cache.stats.hits++;
      return respond(ex, cache, local, "hit");
    }
    return answer(ex, cache, key, rule.invalidate);
  },
};

async function answer(ex: Exchange, cache: NamedCache, key: string, rules: RouteCache["invalidate"]): Promise<StageOutcome> {
  const now = Date.now();
  const entry = await cache.get(key, now);
  if (entry !== undefined && entry.freshUntil > now) {
    cache.stats.hits++;
    return respond(ex, cache, entry, "hit");
  }
  // Only a load needs the tags its entry will carry.
  const tags = tagsOfRequest(rules, ex.params, ex.query);
  if (entry !== undefined) {
    // Stale (revalidate): answer now, refresh once in the background.
    cache.stats.stale++;
    if (!cache.loading(key)) {
      cache.load(key, tags, () => load(ex, cache.definition, tags, () => {})).entry.catch((error: unknown) => ex.log.warn({ err: error, cache: cache.definition.name }, "background refresh failed; the stale answer stays until it expires"));
    }
    return respond(ex, cache, entry, "stale");
  }
  cache.stats.misses++;
  let own: SerializedReply | undefined;
  const { entry: loading, coalesced } = cache.load(key, tags, () => load(ex, cache.definition, tags, (reply) => (own = reply)));
  let loaded: CacheEntry | null;
  try {
    loaded = await loading;
  } catch (error) {
    if (!coalesced) throw error;
    // The other request's handler failed: this one runs its own (and gets its own error, if any).
    return undefined;
  }
  if (loaded !== null) return respond(ex, cache, loaded, "miss");
  if (coalesced) return undefined;
  // Not cacheable (not a 200): the handler's own answer, as if uncached.
  ex.reply = own;
  return undefined;
}

/** Runs the handler; a 200 with a text body becomes an entry (null otherwise, its reply handed to `own`). */
async function load(ex: Exchange, definition: CacheDefinition, tags: string[], own: (reply: SerializedReply) => void): Promise<CacheEntry | null> {
  // MASKED values are masked for everyone in an answer kept for every caller (runtime/masked-reply.ts).
  const reply = maskedReply(ex, serializeReply((await runHandler(ex)) ?? undefined), true);
  // Only a 200 with a text body is kept (a binary answer, such as a file download, is not JSON to share).
  if (reply.status !== 200 || typeof reply.payload !== "string") {
    own(reply);
    return null;
  }
  const now = Date.now();
  const live = definition.mode === "only" ? UNTIL_EVICTED_MS : definition.ttlMs;
  return {
    status: reply.status,
    payload: reply.payload,
    headers: reply.headers,
    etag: `"${createHash("sha1").update(reply.payload ?? "").digest("base64url")}"`,
    freshUntil: now + live,
    expiresAt: now + live + (definition.mode === "revalidate" ? definition.staleMs : 0),
    tags,
  };
}

function respond(ex: Exchange, cache: NamedCache, entry: CacheEntry, how: "hit" | "miss" | "stale"): undefined {
  const headers: Record<string, string | string[]> = { ...entry.headers, etag: entry.etag, "x-cache": how };
  if (cache.definition.cacheControl !== null) headers["cache-control"] = cache.definition.cacheControl;
  ex.reply = matches(ex.headers["if-none-match"], entry.etag) ? { status: 304, payload: undefined, headers } : { status: entry.status, payload: entry.payload, headers };
  return undefined;
}

/** If-None-Match: `*`, or a list of (possibly weak) ETags one of which is this one. */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}

/**
 * The entry's key: the route, then the key template's parts (or the path and query string), then
 * the caller's subject when the route is behind AUTH (one caller never sees another's answer).
 */
function keyOf(ex: Exchange, definition: CacheDefinition): string {
  const route = `${ex.route.definition.method} ${ex.route.definition.path}`;
  let key: string;
  if (definition.key === null) {
    const query = Object.keys(ex.query)
      .sort()
      .map((name) => `${encodeURIComponent(name)}=${encodeURIComponent(String(ex.query[name]))}`)
      .join("&");
    key = `${ex.path}?${query}`;
  } else {
    key = definition.key.map((part) => ("text" in part ? part.text : encodeURIComponent(String((part.input === "path" ? ex.params : ex.query)[part.name] ?? "")))).join("");
  }
  const auth = ex.route.definition.auth === undefined ? "" : `|sub=${String((ex.auth as { sub?: unknown } | null)?.sub ?? "")}`;
  return `${route}|${key}${auth}`;
}
