/**
 * The change feed's fan-out through Redis pub/sub (when the app has a Redis data source): each
 * process publishes its committed events on one channel per app and hears the others'. Loaded only
 * for an app with Redis (ioredis comes with @kova/driver-redis), so other apps never load it.
 *
 * A dead Redis never fails a request: publishing fails fast (no offline queue) with one warning per
 * outage, `healthy()` turns false (health reports it), and the clients reconnect on their own.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { ChangeEvent } from "@kova/query";
import { redisConnection } from "../redis-options.js";
import type { ChangeFanout } from "./change-feed.js";

interface Message {
  from: string;
  events: readonly ChangeEvent[];
}

export class RedisFanout implements ChangeFanout {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  /** This process, so it skips its own messages (its subscribers already had them). */
  private readonly id = randomUUID();
  private readonly listeners: Array<(events: readonly ChangeEvent[]) => void> = [];
  private warned = false;

  constructor(
    options: unknown,
    /** One channel per app: apps sharing a Redis do not hear each other. */
    readonly channel: string,
    private readonly log: Logger,
  ) {
    const connection = { ...redisConnection(options), maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false };
    this.publisher = new Redis(connection);
    // A subscriber must queue its SUBSCRIBE until connected (and resubscribes after a reconnection).
    this.subscriber = new Redis({ ...connection, enableOfflineQueue: true });
    for (const client of [this.publisher, this.subscriber]) {
      client.on("error", (error: Error) => this.warnOnce(error));
      client.on("ready", () => {
        if (this.warned) log.info({ channel }, "change fan-out: Redis is back");
        this.warned = false;
      });
    }
    this.subscriber.subscribe(channel).catch((error: Error) => this.warnOnce(error));
    this.subscriber.on("message", (_channel: string, text: string) => {
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

  private warnOnce(error: Error): void {
    if (this.warned) return;
    this.warned = true;
    this.log.warn({ channel: this.channel, error: error.message }, "change fan-out: Redis unreachable; other processes miss events until it is back (caches fall back to this process)");
  }

  async publish(events: readonly ChangeEvent[]): Promise<void> {
    if (this.publisher.status !== "ready") throw new Error(`Redis is ${this.publisher.status}`);
    await this.publisher.publish(this.channel, JSON.stringify({ from: this.id, events } satisfies Message));
  }

  onRemote(listener: (events: readonly ChangeEvent[]) => void): void {
    this.listeners.push(listener);
  }

  healthy(): boolean {
    return this.publisher.status === "ready" && this.subscriber.status === "ready";
  }

  /** Resolves once the subscription is active (tests; the first remote event can be heard). */
  async ready(): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!this.healthy() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  async close(): Promise<void> {
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }
}
