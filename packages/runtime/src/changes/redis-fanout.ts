/**
 * The change feed's fan-out through Redis pub/sub (when the app has a Redis data source): each
 * process publishes its committed events on the app's changes channel and hears the others', over
 * the app's shared pub/sub connections (redis-pubsub.ts, which the realtime rooms use too).
 *
 * A dead Redis never fails a request: publishing fails fast with one warning per outage,
 * `healthy()` turns false (health reports it), and the connections reconnect on their own.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { ChangeEvent } from "@kova/query";
import { redisConnection } from "../redis-options.js";
import { RedisPubSub } from "../redis-pubsub.js";
import type { ChangeFanout } from "./change-feed.js";

interface Message {
  from: string;
  events: readonly ChangeEvent[];
}

export class RedisFanout implements ChangeFanout {
  /** This fan-out, so it skips its own messages (its subscribers already had them). */
  private readonly id = randomUUID();
  private readonly listeners: Array<(events: readonly ChangeEvent[]) => void> = [];
  private warned = false;

  private constructor(
    private readonly pubsub: RedisPubSub,
    /** One channel per app: apps sharing a Redis do not hear each other. */
    readonly channel: string,
    private readonly log: Logger,
  ) {
    pubsub.onStatus((up) => {
      if (!up) return this.warnOnce(new Error("connection lost"));
      if (this.warned) log.info({ channel }, "change fan-out: Redis is back");
      this.warned = false;
    });
    pubsub.subscribe(channel, (text) => {
      let message: Message;
      try {
        message = JSON.parse(text) as Message;
      } catch {
        return;
      }
      if (message.from === this.id || !Array.isArray(message.events)) return;
      for (const listener of this.listeners) listener(message.events);
    });
  }

  static async open(options: unknown, app: string, log: Logger): Promise<RedisFanout> {
    const pubsub = await RedisPubSub.acquire(redisConnection(options), app);
    return new RedisFanout(pubsub, `kova:changes:${app}`, log);
  }

  private warnOnce(error: Error): void {
    if (this.warned) return;
    this.warned = true;
    this.log.warn({ channel: this.channel, error: error.message }, "change fan-out: Redis unreachable; other processes miss events until it is back (caches fall back to this process)");
  }

  async publish(events: readonly ChangeEvent[]): Promise<void> {
    try {
      await this.pubsub.publish(this.channel, JSON.stringify({ from: this.id, events } satisfies Message));
    } catch (error) {
      this.warnOnce(error as Error);
      throw error;
    }
  }

  barrier(): Promise<void> {
    return this.pubsub.barrier();
  }

  onRemote(listener: (events: readonly ChangeEvent[]) => void): void {
    this.listeners.push(listener);
  }

  healthy(): boolean {
    return this.pubsub.up;
  }

  /** Resolves once the subscription is active (tests; the first remote event can be heard). */
  async ready(): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!this.healthy() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  async close(): Promise<void> {
    await this.pubsub.release();
  }
}
