/**
 * L2 of the caches: Redis, shared by every process of the app (when it has a Redis data source).
 *
 *   <prefix>:<cache>:k:<key>   the entry (JSON), expiring with it
 *   <prefix>:<cache>:t:<tag>   the keys carrying the tag (a set), so an eviction by tag is one script
 *
 * A dead or slow Redis never fails a request: commands fail fast (no offline queue, a short
 * command timeout), the caches keep answering from L1, one warning is logged per outage and
 * `usable`/`healthy` say so (the health route reports the degradation). Loaded only for an app
 * with Redis (ioredis comes with @kova/driver-redis).
 */
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { redisConnection } from "../redis-options.js";
import type { CacheEntry } from "./named-cache.js";

// KEYS: tag sets. Deletes every entry a tag set names, then the sets.
const EVICT = `
for _, tag in ipairs(KEYS) do
  local keys = redis.call('SMEMBERS', tag)
  for i = 1, #keys, 500 do
    redis.call('DEL', unpack(keys, i, math.min(i + 499, #keys)))
  end
  redis.call('DEL', tag)
end
return 1`;

export class RedisL2 {
  private readonly client: Redis;
  private warned = false;

  constructor(
    options: unknown,
    /** `kova:cache:<app>`: apps sharing a Redis keep apart. */
    private readonly prefix: string,
    private readonly log: Logger,
    commandTimeoutMs = 250,
  ) {
    this.client = new Redis({ ...redisConnection(options), maxRetriesPerRequest: 0, enableOfflineQueue: false, commandTimeout: commandTimeoutMs });
    this.client.on("error", (error: Error) => this.degraded(error.message));
    this.client.on("ready", () => {
      if (this.warned) this.log.info("cache L2: Redis is back");
      this.warned = false;
    });
  }

  /** Connected: worth asking. While not, the caches work from L1 alone. */
  get usable(): boolean {
    return this.client.status === "ready";
  }

  healthy(): boolean {
    return this.usable;
  }

  private degraded(why: string): void {
    if (this.warned) return;
    this.warned = true;
    this.log.warn({ error: why }, "cache L2: Redis unreachable; caches answer from this process's memory (L1) until it is back");
  }

  private entryKey(cache: string, key: string): string {
    return `${this.prefix}:${cache}:k:${key}`;
  }

  private tagKey(cache: string, tag: string): string {
    return `${this.prefix}:${cache}:t:${tag}`;
  }

  private guard<T>(work: Promise<T>): Promise<T> {
    return work.catch((error: Error) => {
      this.degraded(error.message);
      throw error;
    });
  }

  async get(cache: string, key: string): Promise<CacheEntry | undefined> {
    const text = await this.guard(this.client.get(this.entryKey(cache, key)));
    return text === null ? undefined : (JSON.parse(text) as CacheEntry);
  }

  async set(cache: string, key: string, entry: CacheEntry): Promise<void> {
    const ttl = Math.max(1, entry.expiresAt - Date.now());
    const k = this.entryKey(cache, key);
    const multi = this.client.multi().set(k, JSON.stringify(entry), "PX", ttl);
    // Every entry of a cache lives equally long, so a tag set outliving its newest entry outlives all.
    for (const tag of entry.tags) multi.sadd(this.tagKey(cache, tag), k).pexpire(this.tagKey(cache, tag), ttl);
    await this.guard(multi.exec());
  }

  async evict(cache: string, tags: readonly string[]): Promise<void> {
    if (tags.length === 0) return;
    await this.guard(this.client.eval(EVICT, tags.length, ...tags.map((t) => this.tagKey(cache, t))));
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
