/**
 * What the compiler emits for CACHE (part of the contract between the JS emitter and the runtime,
 * like RouteDefinition): the named caches (AppDefinition.caches) and, on each cached route, which
 * cache it uses and which change events evict its entries (computed at build time, in the IR).
 */

export type CacheMode = "first" | "only" | "revalidate";

export interface CacheDefinition {
  name: string;
  /** An entry is fresh this long after it was stored. */
  ttlMs: number;
  /** `revalidate`: after `ttlMs`, served stale this much longer while one refresh runs. */
  staleMs: number;
  mode: CacheMode;
  /** The key template's parts: text, or a request input (`{id}` → the path parameter id). */
  key: CacheKeyPart[] | null;
  /** L1 bounds: entries and bytes (of the stored payloads). */
  maxEntries: number;
  maxBytes: number;
  /** `Cache-Control` sent with cached answers; null: none. */
  cacheControl: string | null;
}

export type CacheKeyPart = { text: string } | { input: "path" | "query"; name: string };

/**
 * When a change event evicts a route's entries: any change to `entity` (`by` absent), or — when the
 * route's query pins the entity by `field` (its id or a UNIQUE field) to a request input — only a
 * change whose record had, before or after, that field equal to the input's value.
 */
export interface CacheInvalidation {
  entity: string;
  by?: { field: string; input: "path" | "query"; name: string };
}

export interface RouteCache {
  cache: string;
  invalidate: CacheInvalidation[];
}
