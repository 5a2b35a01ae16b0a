/**
 * The app's caches in one process, and the one path that keeps them correct: change events.
 *
 * Every committed write's event (src/changes) evicts, in every named cache, the entries whose
 * route's invalidation rules (computed at build time: RouteDefinition.cache.invalidate) it
 * touches: the entity's tag, and per field a route pins (`id`, a UNIQUE field), the tags of the
 * record's value before and after the write. This process's own writes evict L1 and L2 before the
 * endpoint answers; other processes' writes arrive through the change feed's fan-out and evict
 * their L1 (and L2 again, so an answer another process stored while the write committed goes too).
 */
import type { Logger } from "pino";
import type { ChangeEvent } from "@kova/query";
import type { AppDefinition, AppEnv, RouteDefinition } from "../app.js";
import type { DataSources } from "../data-sources.js";
import type { ChangeFeed } from "../changes/change-feed.js";
import { NamedCache } from "./named-cache.js";
import { registerCacheRuntime } from "./registry.js";
import type { RedisL2 } from "./redis-l2.js";

export { cacheRuntimeFor, tagsOfRequest } from "./registry.js";

export class CacheRuntime {
  readonly caches = new Map<string, NamedCache>();
  /** Per entity: the fields some cached route pins it by (their values' tags are evicted too). */
  private readonly pinned = new Map<string, Set<string>>();
  /** Per entity: the caches some route of which reads it. */
  private readonly readers = new Map<string, Set<NamedCache>>();

  private constructor(
    app: AppDefinition,
    private readonly l2: RedisL2 | null,
    private readonly feed: ChangeFeed,
  ) {
    for (const definition of app.caches ?? []) this.caches.set(definition.name, new NamedCache(definition, l2));
    for (const route of app.routes) this.learn(route);
  }

  private learn(route: RouteDefinition): void {
    if (route.cache === undefined) return;
    const cache = this.caches.get(route.cache.cache);
    if (cache === undefined) throw new Error(`route ${route.method} ${route.path} uses CACHE ${route.cache.cache}, which the app does not declare`);
    for (const rule of route.cache.invalidate) {
      let readers = this.readers.get(rule.entity);
      if (readers === undefined) this.readers.set(rule.entity, (readers = new Set()));
      readers.add(cache);
      if (rule.by === undefined) continue;
      let fields = this.pinned.get(rule.entity);
      if (fields === undefined) this.pinned.set(rule.entity, (fields = new Set()));
      fields.add(rule.by.field);
    }
  }

  /** Opens L2 (when the app has Redis) and follows the change feed. */
  static async start(app: AppDefinition, options: { dataSources: DataSources; env: AppEnv; log: Logger; feed: ChangeFeed }): Promise<CacheRuntime> {
    let l2: RedisL2 | null = null;
    const redis = app.dataSources.find((d) => d.driver === "redis");
    if (redis !== undefined) {
      const { RedisL2 } = await import("./redis-l2.js");
      l2 = new RedisL2(redis.options(options.env), `kova:cache:${app.name}`, options.log);
    }
    const runtime = new CacheRuntime(app, l2, options.feed);
    options.feed.beforeAnswer((events) => runtime.evictFor(events));
    options.feed.subscribe((event, origin) => {
      if (origin === "remote") void runtime.evictFor([event]);
    });
    registerCacheRuntime(options.dataSources, runtime);
    return runtime;
  }

  /** Evicts what `events` touch, in every cache that reads their entities (L1 now, L2 awaited). */
  async evictFor(events: readonly ChangeEvent[]): Promise<void> {
    const work: Array<Promise<void>> = [];
    for (const event of events) {
      const readers = this.readers.get(event.entity);
      if (readers === undefined) continue;
      const tags = tagsOfChange(event, this.pinned.get(event.entity));
      for (const cache of readers) work.push(cache.evict(tags));
    }
    await Promise.all(work);
  }

  /**
   * Before a cached answer is read: every other process's write committed before now has evicted
   * what it touches here (the fan-out's barrier; nothing to wait for in one process). Without it,
   * a read that reaches this process just after another process's write could be answered from
   * an entry whose eviction is still on its way.
   */
  heardRemote(): Promise<void> | undefined {
    return this.feed.heardRemote();
  }

  /** For health: null without L2, else whether Redis answers. */
  get l2Healthy(): boolean | null {
    return this.l2 === null ? null : this.l2.healthy();
  }

  async close(): Promise<void> {
    await this.l2?.close();
  }
}

/** A change's tags: its entity's, and its pinned fields' values before and after. */
function tagsOfChange(event: ChangeEvent, pinned: ReadonlySet<string> | undefined): string[] {
  const tags = [event.entity];
  if (pinned === undefined) return tags;
  for (const field of pinned) {
    const values = new Set<string>();
    for (const record of [event.before, event.after]) {
      const value = field === "id" ? (record?.id ?? event.id) : record?.[field];
      if (value !== undefined && value !== null) values.add(String(value));
    }
    for (const value of values) tags.push(`${event.entity}#${field}=${value}`);
  }
  return tags;
}
