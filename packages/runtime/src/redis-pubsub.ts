/**
 * The app's one pair of Redis pub/sub connections, shared by every runtime part that talks to
 * the app's other processes: the change feed's fan-out (changes/redis-fanout.ts) and the realtime
 * rooms' bridge (realtime/redis-bridge.ts). Each part has its own channel on the same subscriber
 * connection and publishes on the same publisher (which the rooms also use for presence commands),
 * so a process holds two Redis connections for both, not four.
 *
 * Nothing waits on Redis: the publisher fails fast while it is down (no offline queue), both
 * connections reconnect by themselves, and the channels are subscribed again once the subscriber
 * is back. Loaded only for an app with a Redis data source (ioredis comes with @kova/driver-redis).
 */
import type { Redis, RedisOptions } from "ioredis";

type Status = (up: boolean) => void;

const shared = new Map<string, { pubsub: RedisPubSub; users: number }>();

export class RedisPubSub {
  private readonly channels = new Map<string, Array<(text: string) => void>>();
  private readonly statusListeners: Status[] = [];

  private constructor(
    /** Publishes, and runs the commands a part needs besides pub/sub (presence hashes). */
    readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly key: string,
  ) {
    subscriber.on("message", (channel: string, text: string) => {
      for (const listener of this.channels.get(channel) ?? []) listener(text);
    });
    // Subscriptions are made again by hand after each reconnection (autoResubscribe is off, so a
    // channel added while Redis was down is subscribed too).
    subscriber.on("ready", () => {
      const names = [...this.channels.keys()];
      if (names.length > 0) subscriber.subscribe(...names).catch(() => this.changed());
    });
    for (const connection of [publisher, subscriber]) {
      connection.on("ready", () => this.changed());
      connection.on("close", () => this.changed());
      // An error says "down" even before the pair was ever up (Redis dead at start-up).
      connection.on("error", () => this.changed(true));
    }
  }

  /** The app's shared pair for these connection options (opened on first use, closed when the last user releases it). */
  static async acquire(options: RedisOptions, app: string): Promise<RedisPubSub> {
    const key = `${app}|${options.host ?? "127.0.0.1"}:${options.port ?? 6379}/${options.db ?? 0}|${options.username ?? ""}`;
    const found = shared.get(key);
    if (found !== undefined) {
      found.users++;
      return found.pubsub;
    }
    const { Redis } = await import("ioredis");
    // Another caller may have opened it while ioredis loaded.
    const raced = shared.get(key);
    if (raced !== undefined) {
      raced.users++;
      return raced.pubsub;
    }
    const settings: RedisOptions = { ...options, enableOfflineQueue: false, maxRetriesPerRequest: 1, autoResubscribe: false, retryStrategy: (times) => Math.min(times * 200, 2_000) };
    const pubsub = new RedisPubSub(new Redis(settings), new Redis(settings), key);
    shared.set(key, { pubsub, users: 1 });
    return pubsub;
  }

  get up(): boolean {
    return this.publisher.status === "ready" && this.subscriber.status === "ready";
  }

  /** Calls `listener` whenever the pair goes up or down (and once now, when it is up). */
  onStatus(listener: Status): void {
    this.statusListeners.push(listener);
    if (this.up) listener(true);
  }

  private lastUp: boolean | undefined;

  private changed(failed = false): void {
    const up = this.up;
    if (up === this.lastUp) return;
    // While connecting, one connection is ready before the other: not an outage.
    if (!up && this.lastUp === undefined && !failed) return;
    this.lastUp = up;
    for (const listener of this.statusListeners) listener(up);
  }

  /** Hears every message published on `channel` (this process's own too: a part skips them by its origin). */
  subscribe(channel: string, listener: (text: string) => void): void {
    let listeners = this.channels.get(channel);
    if (listeners === undefined) {
      this.channels.set(channel, (listeners = []));
      if (this.subscriber.status === "ready") this.subscriber.subscribe(channel).catch(() => this.changed());
    }
    listeners.push(listener);
  }

  /**
   * Resolves once every message published (by any process) before this call has been handed to
   * its listeners here. A PING on the subscriber connection: Redis answers it after the messages
   * it queued for this connection before it, and ioredis emits those messages before it resolves
   * the PONG. Calls that arrive while a PING is out wait for the next one (the one out may have
   * been sent before their request began); all of them share it. While Redis is down, or if it
   * does not answer within `waitMs`, it resolves anyway: a process cut off hears nothing more by
   * waiting (health reports the outage).
   */
  barrier(waitMs = 1_000): Promise<void> {
    if (this.subscriber.status !== "ready") return Promise.resolve();
    if (this.pingOut === undefined) {
      const ping = this.subscriber.ping().then(
        () => undefined,
        () => undefined,
      );
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
      this.pingOut = Promise.race([ping, limit]).finally(() => {
        clearTimeout(timer);
        this.pingOut = undefined;
      });
      return this.pingOut;
    }
    this.pingNext ??= this.pingOut.then(() => {
      this.pingNext = undefined;
      return this.barrier(waitMs);
    });
    return this.pingNext;
  }

  private pingOut: Promise<void> | undefined;
  private pingNext: Promise<void> | undefined;

  /** Publishes now, or fails at once while Redis is down. */
  async publish(channel: string, text: string): Promise<void> {
    if (this.publisher.status !== "ready") throw new Error(`Redis is ${this.publisher.status}`);
    await this.publisher.publish(channel, text);
  }

  /** One user is done; the connections close with the last one. */
  async release(): Promise<void> {
    const entry = shared.get(this.key);
    if (entry === undefined || --entry.users > 0) return;
    shared.delete(this.key);
    this.subscriber.disconnect();
    this.publisher.disconnect();
  }
}
