/**
 * The change feed: every committed write's event (ChangeEvent in @kova/query), delivered after the
 * commit to
 *
 *   - in-process subscribers (`subscribe`): caches, live queries, sockets — synchronously, in
 *     commit order, before the committing request answers;
 *   - durable consumers (`consume`): the ON handlers' job enqueues — in batches, off the request
 *     path (every `batchMs`, default at once); the events are marked delivered in the outbox only
 *     once they succeeded, so a failure, or a process killed between commit and delivery, leaves
 *     them undelivered and they are delivered again (at least once);
 *   - other processes, through the fan-out (Redis pub/sub) when one is configured: their
 *     subscribers get it with origin "remote".
 *
 * Events come from each data source's outbox (Driver.changes). The feed starts on first use
 * (`changeFeedFor`): until then the drivers record nothing, so an app that does not use events
 * pays nothing for them.
 */
import type { ChangeEvent, Driver } from "@kova/query";
import type { Logger } from "pino";
import type { DataSources } from "../data-sources.js";

export type { ChangeEvent } from "@kova/query";

/** "local": committed by this process; "remote": by another process, through the fan-out. */
export type ChangeOrigin = "local" | "remote";

export type ChangeListener = (event: ChangeEvent, origin: ChangeOrigin) => void;

/** Must succeed for an event to count as delivered; a throw leaves it for redelivery. */
export type ChangeConsumer = (events: readonly ChangeEvent[]) => Promise<void>;

/** Carries events to other processes (Redis pub/sub); see redis-fanout.ts. */
export interface ChangeFanout {
  /** What carries the events (health names it); default "redis". */
  readonly kind?: "redis" | "database";
  publish(events: readonly ChangeEvent[]): Promise<void>;
  /** Events other processes published (never this process's own). */
  onRemote(listener: (events: readonly ChangeEvent[]) => void): void;
  /**
   * Resolves once the events other processes published before the call have reached `onRemote`'s
   * listeners, so a read after another process's committed write sees its effect (caches): a PING
   * on Redis, a NOTIFY to itself on PostgreSQL. Absent: no such barrier.
   */
  barrier?(): Promise<void>;
  /** Whether the fan-out is reachable now (for health). */
  healthy(): boolean;
  close(): Promise<void>;
}

export interface ChangeFeedOptions {
  log: Logger;
  /** How often undelivered events (a dead process's) are looked for, in ms. Default 1 000. */
  pollMs?: number;
  /** An undelivered event younger than this may still be on its way from a live process. Default 2 000 ms. */
  graceMs?: number;
  /** How long delivered events stay in the outbox. Default one hour. */
  keepMs?: number;
  /**
   * Durable consumers get the events committed within this many ms in one batch (one outbox
   * update per batch instead of per write). Default 0: as soon as the committing request is answered.
   */
  batchMs?: number;
}

interface Source {
  name: string;
  driver: Driver & { changes: NonNullable<Driver["changes"]> };
}

const feeds = new WeakMap<DataSources, ChangeFeed>();

/**
 * THE entry point: the change feed of these data sources, started on first call (with `options`;
 * later calls get the same feed). Returns a feed with no sources when no data source records events.
 */
export function changeFeedFor(dataSources: DataSources, options?: ChangeFeedOptions): ChangeFeed {
  let feed = feeds.get(dataSources);
  if (feed === undefined) {
    feed = new ChangeFeed(dataSources, options ?? { log: silentLog });
    feeds.set(dataSources, feed);
    feed.start();
  }
  return feed;
}

/** The feed, only if something already started it (health, shutdown). */
export function existingChangeFeed(dataSources: DataSources): ChangeFeed | undefined {
  return feeds.get(dataSources);
}

export class ChangeFeed {
  private readonly listeners = new Set<{ listener: ChangeListener; entity?: string }>();
  private readonly consumers: ChangeConsumer[] = [];
  private readonly answerHooks: Array<(events: readonly ChangeEvent[]) => Promise<void>> = [];
  private readonly sources: Source[] = [];
  private fanout: ChangeFanout | null = null;
  /** Seqs (per source) this process is delivering now: the redelivery poll leaves them alone. */
  private readonly inFlight = new Map<string, Set<number>>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  /** Events notified and published, waiting for the durable consumers (per source). */
  private readonly pending = new Map<string, ChangeEvent[]>();
  private drainTimer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private draining: Promise<void> = Promise.resolve();
  private closed = false;
  readonly stats = { delivered: 0, redelivered: 0, remote: 0, failed: 0 };

  constructor(
    dataSources: DataSources,
    private readonly options: ChangeFeedOptions,
  ) {
    for (const [name, driver] of dataSources.drivers) {
      if (driver.changes !== undefined) this.sources.push({ name, driver: driver as Source["driver"] });
    }
  }

  /** Resolves once every source records events (PostgreSQL creates its outbox and triggers first). */
  async recording(): Promise<void> {
    await Promise.all(this.sources.map((s) => s.driver.changes.ready?.()));
  }

  /** The data sources whose writes produce events. */
  get sourceNames(): string[] {
    return this.sources.map((s) => s.name);
  }

  start(): void {
    for (const source of this.sources) {
      this.inFlight.set(source.name, new Set());
      source.driver.changes.onCommit((events) => this.deliver(source, events, false));
    }
    if (this.sources.length === 0) return;
    // At start, whatever a dead process left undelivered goes out at once (no grace).
    setImmediate(() => void this.poll(0));
    this.timer = setInterval(() => void this.poll(this.options.graceMs ?? 2_000), this.options.pollMs ?? 1_000);
    this.timer.unref();
  }

  /**
   * Calls `listener` with every committed change (of `entity` when given), this process's and, with
   * a fan-out, other processes'. Returns the function that unsubscribes.
   */
  subscribe(listener: ChangeListener, filter: { entity?: string } = {}): () => void {
    const entry = { listener, entity: filter.entity };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  /**
   * Runs `hook` on this process's committed events before the committing request answers (after
   * the subscribers): the caches evict their shared (Redis) entries here. A throw is logged.
   */
  beforeAnswer(hook: (events: readonly ChangeEvent[]) => Promise<void>): void {
    this.answerHooks.push(hook);
  }

  /** Adds a durable consumer (see the module comment). */
  consume(consumer: ChangeConsumer): void {
    this.consumers.push(consumer);
  }

  /** Sends events to (and receives them from) other processes. */
  useFanout(fanout: ChangeFanout): void {
    this.fanout = fanout;
    fanout.onRemote((events) => {
      this.stats.remote += events.length;
      for (const event of events) this.notify(event, "remote");
    });
  }

  /** "redis", "database" (PostgreSQL LISTEN/NOTIFY) or null without a fan-out. */
  /** See ChangeFanout.barrier: at once without a fan-out (one process) or without a barrier. */
  heardRemote(): Promise<void> | undefined {
    return this.fanout?.barrier?.();
  }

  get fanoutKind(): "redis" | "database" | null {
    return this.fanout === null ? null : (this.fanout.kind ?? "redis");
  }

  get fanoutHealthy(): boolean | null {
    return this.fanout === null ? null : this.fanout.healthy();
  }

  private notify(event: ChangeEvent, origin: ChangeOrigin): void {
    for (const { listener, entity } of this.listeners) {
      if (entity !== undefined && entity !== event.entity) continue;
      try {
        listener(event, origin);
      } catch (error) {
        this.options.log.error({ err: error, entity: event.entity, seq: event.seq }, "a change listener threw");
      }
    }
  }

  /**
   * Delivers committed events: subscribers and the fan-out now (the committing request answers
   * after this), durable consumers in the next batch. Never throws.
   */
  private async deliver(source: Source, events: readonly ChangeEvent[], redelivery: boolean): Promise<void> {
    const inFlight = this.inFlight.get(source.name)!;
    for (const event of events) inFlight.add(event.seq);
    for (const event of events) this.notify(event, "local");
    for (const hook of this.answerHooks) {
      await hook(events).catch((error: unknown) => this.options.log.warn({ err: error }, "a change hook failed"));
    }
    if (this.fanout !== null) {
      // Other processes' caches must not serve the old value: the endpoint answers after this.
      await this.fanout.publish(events).catch((error: unknown) => this.options.log.warn({ err: error }, "could not publish change events to other processes"));
    }
    if (redelivery) this.stats.redelivered += events.length;
    let queue = this.pending.get(source.name);
    if (queue === undefined) this.pending.set(source.name, (queue = []));
    queue.push(...events);
    this.scheduleDrain();
  }

  private scheduleDrain(): void {
    if (this.drainTimer !== undefined) return;
    const batchMs = this.options.batchMs ?? 0;
    const run = () => {
      this.drainTimer = undefined;
      this.draining = this.draining.then(() => this.drain());
    };
    this.drainTimer = batchMs > 0 ? setTimeout(run, batchMs) : setImmediate(run);
  }

  /** Runs the durable consumers on each source's pending batch, then marks it delivered. */
  private async drain(): Promise<void> {
    for (const source of this.sources) {
      const events = this.pending.get(source.name);
      if (events === undefined || events.length === 0) continue;
      this.pending.set(source.name, []);
      const inFlight = this.inFlight.get(source.name)!;
      try {
        for (const consumer of this.consumers) await consumer(events);
        await source.driver.changes.markDelivered(events.map((e) => e.seq));
        this.stats.delivered += events.length;
      } catch (error) {
        this.stats.failed += events.length;
        this.options.log.error({ err: error, source: source.name, events: events.length }, "change events not delivered; they are delivered again later");
      } finally {
        for (const event of events) inFlight.delete(event.seq);
      }
    }
  }

  /** Delivers undelivered events older than `graceMs` (left by a process that died, or a failed delivery). */
  private async poll(graceMs: number): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      for (const source of this.sources) {
        let after = 0;
        for (;;) {
          const batch = await source.driver.changes.undelivered(after, 200);
          if (batch.length === 0) break;
          after = batch[batch.length - 1].seq;
          const inFlight = this.inFlight.get(source.name)!;
          const due = batch.filter((e) => !inFlight.has(e.seq) && Date.parse(e.at) <= Date.now() - graceMs);
          if (due.length > 0) {
            this.options.log.info({ source: source.name, events: due.length }, "delivering change events left undelivered");
            await this.deliver(source, due, true);
          }
          if (batch.length < 200) break;
        }
        await source.driver.changes.purge(Date.now() - (this.options.keepMs ?? 3_600_000));
      }
    } catch (error) {
      this.options.log.warn({ err: error }, "could not look for undelivered change events");
    } finally {
      this.polling = false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    while (this.polling) await new Promise((r) => setTimeout(r, 5));
    // The last batch goes out before the stores close.
    if (this.drainTimer !== undefined) {
      clearTimeout(this.drainTimer as NodeJS.Timeout);
      clearImmediate(this.drainTimer as NodeJS.Immediate);
      this.drainTimer = undefined;
      this.draining = this.draining.then(() => this.drain());
    }
    await this.draining;
    await this.fanout?.close();
  }
}

const silentLog = {
  info: () => {},
  warn: () => {},
  error: () => {},
  debug: () => {},
} as unknown as Logger;
