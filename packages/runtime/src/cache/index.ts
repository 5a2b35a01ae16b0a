export type { CacheDefinition, CacheInvalidation, CacheKeyPart, CacheMode, RouteCache } from "./definition.js";
export { CacheRuntime, cacheRuntimeFor } from "./cache-runtime.js";
export { cacheStage } from "./cache-stage.js";
export { NamedCache, type CacheEntry, type CacheStats } from "./named-cache.js";
