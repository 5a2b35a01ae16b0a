/**
 * The runtime's health route, shared by both servers. It is unauthenticated, so it says only
 * whether each data source is up, by name: no file path, URL, host or port (those go to the log).
 */
import type { Logger } from "pino";
import type { DataSources } from "./data-sources.js";
import type { SerializedReply } from "./route.js";
import { taskRuntimeFor } from "./tasks/task-runtime.js";
import { cacheRuntimeFor } from "./cache/cache-runtime.js";
import { existingChangeFeed } from "./changes/change-feed.js";
import type { RealtimeStatus } from "./realtime/hub.js";

export interface DataSourceStatus {
  name: string;
  /** Kept for clients written against `ok`; the same as `status === "up"`. */
  ok: boolean;
  status: "up" | "down";
}

/**
 * `realtime`: present when the app has sockets or streams. Redis down there is a degradation, not
 * an outage (rooms keep working within each process): `status` says "degraded" with a 200.
 */
export async function healthReply(dataSources: DataSources, log: Logger, realtime?: RealtimeStatus): Promise<SerializedReply> {
  const report = await dataSources.health();
  const statuses: DataSourceStatus[] = [];
  let allUp = true;
  for (const source of report) {
    if (!source.ok) {
      allUp = false;
      log.warn({ dataSource: source.name, detail: source.detail }, "health check: data source down");
    }
    statuses.push({ name: source.name, ok: source.ok, status: source.ok ? "up" : "down" });
  }
  // This process's job counters (TASK), when the app has tasks: counts only, nothing identifying.
  const tasks = taskRuntimeFor(dataSources)?.stats;
  // Redis behind the caches, the change fan-out and the sockets: down is a degradation (answers
  // still come, from this process), reported as such with a 200, never a failure.
  const degraded: string[] = [];
  if (cacheRuntimeFor(dataSources)?.l2Healthy === false) degraded.push("cache L2 (Redis) unreachable: caches answer from this process");
  if (existingChangeFeed(dataSources)?.fanoutHealthy === false) degraded.push("change fan-out (Redis) unreachable: other processes miss this one's changes");
  if (realtime?.redis === "down") degraded.push("socket fan-out (Redis) unreachable: rooms reach this process's clients only");
  const status = !allUp ? "unavailable" : degraded.length > 0 ? "degraded" : "ok";
  const body: Record<string, unknown> = { status, dataSources: statuses };
  if (degraded.length > 0) body.degraded = degraded;
  if (tasks !== undefined) body.tasks = tasks;
  if (realtime !== undefined) body.realtime = realtime;
  return { status: allUp ? 200 : 503, payload: JSON.stringify(body), headers: undefined };
}
