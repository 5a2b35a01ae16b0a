/**
 * One named CACHE in one process: L1 an in-process LRU (lru-cache, bounded by entries and by the
 * bytes of the stored answers), L2 Redis when configured (shared by every process), and the
 * bookkeeping that keeps both correct under writes:
 *
 *   - tags: each entry carries the tags of what it read (`Post` for a whole entity, `Post#id=7`
 *     for a record pinned by id or a UNIQUE field); a change event evicts the tags it touches;
 *   - epochs: each eviction of a tag bumps its epoch; a load that started before an eviction of
 *     one of its tags does not store its (possibly old) answer;
 *   - single flight: one load per key at a time — concurrent misses wait for it (stampede
 *     protection), and `revalidate` refreshes a stale entry once, in the background.
 */
import { LRUCache } from "lru-cache";
import type { CacheDefinition } from "./definition.js";
import type { RedisL2 } from "./redis-l2.js";

/** A kept answer: status, body and headers as sent, its ETag, and when it turns stale and expires. */
export interface CacheEntry {
  status: number;
  payload: string | undefined;
  headers: Record<string, string | string[]> | undefined;
  etag: string;
  /** Epoch ms: fresh until, then (revalidate) servable until `expiresAt`. */
  freshUntil: number;
  expiresAt: number;
  tags: string[];
}

export interface CacheStats {
  hits: number;
  misses: number;
  stale: number;
  loads: number;
  /** Requests that waited for another request's load of the same key. */
  coalesced: number;
  evictions: number;
  l2Errors: number;
}

export class NamedCache {
  private readonly l1: LRUCache<string, CacheEntry>;
  /** tag → keys of L1 entries carrying it. */
  private readonly byTag = new Map<string, Set<string>>();
  private readonly epochs = new Map<string, number>();
  private readonly inflight = new Map<string, Promise<CacheEntry | null>>();
  /** Bumped by every eviction: an L2 read that spans one is not trusted. */
  private evictionSeq = 0;
  readonly stats: CacheStats = { hits: 0, misses: 0, stale: 0, loads: 0, coalesced: 0, evictions: 0, l2Errors: 0 };

  constructor(
    readonly definition: CacheDefinition,
    private readonly l2: RedisL2 | null,
  ) {
    this.l1 = new LRUCache<string, CacheEntry>({
      max: definition.maxEntries,
      maxSize: definition.maxBytes,
      sizeCalculation: (entry, key) => Math.max(1, key.length + (entry.payload?.length ?? 0) + 64),
      dispose: (entry, key) => this.untag(key, entry.tags),
    });
  }

  get size(): number {
    return this.l1.size;
  }

  /** The entry for `key` in this process (L1) only, or undefined; an expired one is dropped. */
  peek(key: string, now: number): CacheEntry | undefined {
    const local = this.l1.get(key);
    if (local === undefined || local.expiresAt > now) return local;
    this.l1.delete(key);
    return undefined;
  }

  /** The entry for `key` (L1, else L2 — copied into L1), or undefined; expired entries count as absent. */
  async get(key: string, now: number): Promise<CacheEntry | undefined> {
    const local = this.peek(key, now);
    if (local !== undefined) return local;
    if (this.l2 === null || !this.l2.usable) return undefined;
    const seq = this.evictionSeq;
    const shared = await this.l2.get(this.definition.name, key).catch(() => {
      this.stats.l2Errors++;
      return undefined;
    });
    if (shared === undefined || shared.expiresAt <= now) return undefined;
    // Evicted while it was being fetched: it may be the old answer.
    if (this.evictionSeq !== seq) return undefined;
    this.keep(key, shared);
    return shared;
  }

  /**
   * Loads the entry for `key` once, however many requests ask at the same time: the first runs
   * `load`, the others wait for its result. Stores it (L1 and L2) unless one of its tags was
   * evicted while it loaded. `load` resolving null (not cacheable: an error answer) stores nothing.
   */
  load(key: string, tags: readonly string[], load: () => Promise<CacheEntry | null>): { entry: Promise<CacheEntry | null>; coalesced: boolean } {
    const running = this.inflight.get(key);
    if (running !== undefined) {
      this.stats.coalesced++;
      return { entry: running, coalesced: true };
    }
    this.stats.loads++;
    const epochs = this.snapshot(tags);
    const entry = (async () => {
      try {
        const loaded = await load();
        if (loaded !== null && this.unchanged(tags, epochs)) await this.store(key, loaded);
        return loaded;
      } finally {
        this.inflight.delete(key);
      }
    })();
    this.inflight.set(key, entry);
    return { entry, coalesced: false };
  }

  /** Whether a load of `key` is running (revalidate: a second refresh is not started). */
  loading(key: string): boolean {
    return this.inflight.has(key);
  }

  private async store(key: string, entry: CacheEntry): Promise<void> {
    this.keep(key, entry);
    if (this.l2 !== null && this.l2.usable) {
      await this.l2.set(this.definition.name, key, entry).catch(() => {
        this.stats.l2Errors++;
      });
    }
  }

  private keep(key: string, entry: CacheEntry): void {
    const previous = this.l1.get(key);
    if (previous !== undefined) this.untag(key, previous.tags);
    this.l1.set(key, entry, { ttl: Math.max(1, entry.expiresAt - Date.now()) });
    for (const tag of entry.tags) {
      let keys = this.byTag.get(tag);
      if (keys === undefined) this.byTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
  }

  private untag(key: string, tags: readonly string[]): void {
    for (const tag of tags) {
      const keys = this.byTag.get(tag);
      if (keys === undefined) continue;
      keys.delete(key);
      if (keys.size === 0) this.byTag.delete(tag);
    }
  }

  /** Evicts every entry carrying one of `tags`, here (L1, synchronously) and in L2 (awaited). */
  async evict(tags: readonly string[]): Promise<void> {
    this.evictLocal(tags);
    if (this.l2 !== null && this.l2.usable) {
      await this.l2.evict(this.definition.name, tags).catch(() => {
        this.stats.l2Errors++;
      });
    }
  }

  evictLocal(tags: readonly string[]): void {
    this.evictionSeq++;
    for (const tag of tags) {
      this.epochs.set(tag, (this.epochs.get(tag) ?? 0) + 1);
      const keys = this.byTag.get(tag);
      if (keys === undefined) continue;
      for (const key of [...keys]) {
        this.l1.delete(key);
        this.stats.evictions++;
      }
    }
  }

  private snapshot(tags: readonly string[]): Map<string, number> {
    return new Map(tags.map((t) => [t, this.epochs.get(t) ?? 0]));
  }

  private unchanged(tags: readonly string[], epochs: Map<string, number>): boolean {
    return tags.every((t) => (this.epochs.get(t) ?? 0) === (epochs.get(t) ?? 0));
  }

  clear(): void {
    this.l1.clear();
  }
}
