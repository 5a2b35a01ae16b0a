/**
 * Which caches serve which data sources, and an entry's tags. Its own module so the cache stage and
 * health can ask without loading the cache runtime into apps that declare no CACHE.
 */
import type { RouteDefinition } from "../app.js";
import type { DataSources } from "../data-sources.js";
import type { CacheRuntime } from "./cache-runtime.js";

const registry = new WeakMap<DataSources, CacheRuntime>();

/** The caches serving these data sources (the cache stage finds them here). */
export function cacheRuntimeFor(dataSources: DataSources): CacheRuntime | undefined {
  return registry.get(dataSources);
}

export function registerCacheRuntime(dataSources: DataSources, runtime: CacheRuntime): void {
  registry.set(dataSources, runtime);
}

/** An entry's tags: per rule, the entity, or the entity's pinned field with the request's value. */
export function tagsOfRequest(rules: NonNullable<RouteDefinition["cache"]>["invalidate"], params: Record<string, unknown>, query: Record<string, unknown>): string[] {
  return rules.map((rule) => (rule.by === undefined ? rule.entity : `${rule.entity}#${rule.by.field}=${String((rule.by.input === "path" ? params : query)[rule.by.name])}`));
}
