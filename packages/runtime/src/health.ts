/**
 * The runtime's probes, shared by both servers. Both are unauthenticated, so they say only whether
 * each check passes, by name: no file path, URL, host or port (those go to the log).
 *
 * - `/_kova/health` is liveness: 200 while the process serves. It still lists the data sources
 *   (up/down) for people, but a database outage does not fail it: a liveness probe that failed
 *   then would have an orchestrator restart every replica for a fault none of them has.
 * - `/_kova/ready` is readiness: 200 only when every data source answers, the start-up migrations
 *   of each were applied, and the server is not draining (shutting down); 503 otherwise, so a load
 *   balancer stops sending traffic here until it passes again.
 */
import type { Logger } from "pino";
import type { DataSources } from "./data-sources.js";
import type { SerializedReply } from "./route.js";
import { taskRuntimeFor } from "./tasks/registry.js";
import { cacheRuntimeFor } from "./cache/registry.js";
import { existingChangeFeed } from "./changes/change-feed.js";
import type { RealtimeStatus } from "./realtime/hub.js";

export interface DataSourceStatus {
  name: string;
  /** Kept for clients written against `ok`; the same as `status === "up"`. */
  ok: boolean;
  status: "up" | "down";
}

/** One named readiness check: `dataSource:<name>`, `migrations:<name>` or `draining`. */
export interface ReadinessCheck {
  name: string;
  status: "pass" | "fail";
}

async function dataSourceStatuses(dataSources: DataSources, log: Logger): Promise<DataSourceStatus[]> {
  const report = await dataSources.health();
  return report.map((source) => {
    if (!source.ok) log.warn({ dataSource: source.name, detail: source.detail }, "health check: data source down");
    return { name: source.name, ok: source.ok, status: source.ok ? "up" : "down" };
  });
}

/**
 * `realtime`: present when the app has sockets or streams. Redis down there is a degradation, not
 * an outage (rooms keep working within each process): `status` says "degraded".
 */
export async function healthReply(dataSources: DataSources, log: Logger, realtime?: RealtimeStatus): Promise<SerializedReply> {
  const statuses = await dataSourceStatuses(dataSources, log);
  // This process's job counters (TASK), when the app has tasks: counts only, nothing identifying.
  const tasks = taskRuntimeFor(dataSources)?.stats;
  // Liveness: the process answers, so 200 whatever its data sources say (readiness is /_kova/ready).
  // Redis behind the caches, the change fan-out and the sockets: down is a degradation (answers
  // still come, from this process), reported in the body.
  const degraded: string[] = [];
  if (cacheRuntimeFor(dataSources)?.l2Healthy === false) degraded.push("cache L2 (Redis) unreachable: caches answer from this process");
  const feed = existingChangeFeed(dataSources);
  if (feed?.fanoutHealthy === false) {
    degraded.push(feed.fanoutKind === "database" ? "change fan-out (PostgreSQL LISTEN) down: other processes' changes reach this one by the redelivery poll only" : "change fan-out (Redis) unreachable: other processes miss this one's changes");
  }
  if (realtime?.redis === "down") degraded.push("socket fan-out (Redis) unreachable: rooms reach this process's clients only");
  const body: Record<string, unknown> = { status: degraded.length > 0 ? "degraded" : "ok", dataSources: statuses };
  if (degraded.length > 0) body.degraded = degraded;
  if (tasks !== undefined) body.tasks = tasks;
  if (realtime !== undefined) body.realtime = realtime;
  return { status: 200, payload: JSON.stringify(body), headers: undefined };
}

export async function readyReply(dataSources: DataSources, draining: boolean, log: Logger): Promise<SerializedReply> {
  const checks: ReadinessCheck[] = [];
  for (const source of await dataSourceStatuses(dataSources, log)) checks.push({ name: `dataSource:${source.name}`, status: source.ok ? "pass" : "fail" });
  for (const [name, migrated] of dataSources.migrated) checks.push({ name: `migrations:${name}`, status: migrated ? "pass" : "fail" });
  checks.push({ name: "draining", status: draining ? "fail" : "pass" });
  const ready = checks.every((c) => c.status === "pass");
  return { status: ready ? 200 : 503, payload: JSON.stringify({ status: ready ? "ready" : "unavailable", checks }), headers: { "cache-control": "no-store" } };
}
