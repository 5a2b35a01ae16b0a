/**
 * Starting the change feed for an app (runtime start-up): the feed itself, its fan-out through
 * Redis when the app has a Redis data source, and the ON handlers as a durable consumer — each
 * event whose op and entity an ON handler follows becomes that handler's job in the task queue,
 * keyed by the event, so a redelivered event never runs a handler twice.
 */
import { publicChangeEvent, referenceLookup, type EntitySchema, type ReferenceLookup } from "@kova/query";
import type { Logger } from "pino";
import type { AppDefinition, AppEnv } from "../app.js";
import { StartupError, type DataSources } from "../data-sources.js";
import type { TaskRuntime } from "../tasks/task-runtime.js";
import { DatabaseFanout } from "./database-fanout.js";
import { changeFeedFor, existingChangeFeed, type ChangeEvent, type ChangeFeed } from "./change-feed.js";

export interface ChangeStartOptions {
  dataSources: DataSources;
  env: AppEnv;
  log: Logger;
  /** The task runtime (needed when the app has ON handlers). */
  tasks?: TaskRuntime;
  /** Redelivery poll interval (KOVA_CHANGES_POLL_MS). */
  pollMs?: number;
  /** Durable consumers' batch window (KOVA_CHANGES_BATCH_MS). */
  batchMs?: number;
}

export { usesChanges } from "./uses-changes.js";

/** Starts (once) the app's change feed, with fan-out and ON handlers; returns it. */
export async function startChangeFeed(app: AppDefinition, options: ChangeStartOptions): Promise<ChangeFeed> {
  const started = existingChangeFeed(options.dataSources);
  if (started !== undefined) return started;
  const feed = changeFeedFor(options.dataSources, { log: options.log, pollMs: options.pollMs, batchMs: options.batchMs });
  await feed.recording();
  const redis = app.dataSources.find((d) => d.driver === "redis");
  if (redis !== undefined) {
    // ioredis comes with @kova/driver-redis: an app without Redis never loads it.
    const { RedisFanout } = await import("./redis-fanout.js").catch((error: NodeJS.ErrnoException) => {
      if (error?.code === "ERR_MODULE_NOT_FOUND") throw new StartupError(`change events across processes (data source "${redis.name}") need ioredis, which @kova/driver-redis brings; run: npm install @kova/driver-redis`);
      throw error;
    });
    feed.useFanout(await RedisFanout.open(redis.options(options.env), app.name, options.log));
  } else {
    // Without Redis, a data source that announces its commits (PostgreSQL NOTIFY) carries them.
    const listening = [...options.dataSources.drivers].flatMap(([name, driver]) => (driver.changes?.listen === undefined ? [] : [{ name, changes: driver.changes }]));
    if (listening.length > 0) feed.useFanout(new DatabaseFanout(listening as ConstructorParameters<typeof DatabaseFanout>[0], options.log));
  }
  const handlers = (app.tasks ?? []).filter((t) => t.trigger.kind === "change" || t.trigger.kind === "event");
  if (handlers.length > 0) {
    const tasks = options.tasks;
    if (tasks === undefined) throw new Error("internal: ON handlers need the task runtime");
    const asSeen = programView(app, options.dataSources);
    feed.consume(async (events) => {
      for (const event of events) {
        let seen: ChangeEvent | undefined;
        for (const handler of handlers) {
          const trigger = handler.trigger;
          // An EVENT's handler gets the payload EMIT wrote; a write's handler the whole change event.
          if (trigger.kind === "event" ? event.op !== "emit" || trigger.event !== event.entity : trigger.kind !== "change" || trigger.op !== event.op || trigger.entity !== event.entity) continue;
          if (trigger.kind === "change") seen ??= await asSeen(event);
          await tasks.enqueue(handler.name, [trigger.kind === "event" ? event.after : seen], { key: `change:${event.source}:${event.seq}` });
        }
      }
    });
  }
  return feed;
}

/**
 * A change event as the program sees records (@kova/query public-events.ts): public ids for PUBLIC
 * ID entities and references to them, read from the event's own data source.
 */
function programView(app: AppDefinition, dataSources: DataSources): (event: ChangeEvent) => Promise<ChangeEvent> {
  const sources = new Map<string, { entities: Map<string, EntitySchema>; lookup: ReferenceLookup }>();
  return (event) => {
    let source = sources.get(event.source);
    if (source === undefined) {
      const entities = app.dataSources.find((d) => d.name === event.source)?.entities ?? [];
      const driver = dataSources.get(event.source);
      source = { entities: new Map(entities.map((e) => [e.name, e])), lookup: referenceLookup(driver.dialect, entities, (query, args) => driver.execute(query, args)) };
      sources.set(event.source, source);
    }
    return publicChangeEvent(event, source.entities.get(event.entity), source.lookup);
  };
}
