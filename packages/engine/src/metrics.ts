/**
 * The engine's series, added to the runtime's one Prometheus registry (served at
 * `/_kova/metrics` behind the admin key): executions by tenant and outcome, quota stops,
 * VM latency, program cache lookups by level, and the request queue.
 *
 * The per-request counts are tallied in plain numbers and handed to prom-client when the registry
 * is read (its `collect`): a labelled `inc()` per request validates and hashes its labels, which
 * showed in the engine's profile; the figures served are the same.
 */
import { onMetricsRegistry } from "@kova/runtime";
import type { Counter, Gauge, Histogram } from "prom-client";
import type { CacheLevel } from "./program-cache.js";

/** Status classes 1xx…5xx (index = status / 100), then quota stops. */
const QUOTA_STOPS = 6;

export class EngineMetrics {
  /** Per tenant: answers by status class, and quota stops (index QUOTA_STOPS). */
  private readonly tallies = new Map<string, number[]>();
  private requestsInFlight = 0;
  /** Where executions ran (the pool's counts; none without a pool). */
  private executionsBy: () => { inline: number; workers: number } | undefined = () => undefined;

  private executions: Counter | undefined;
  private quotaStops: Counter | undefined;
  private latency: Histogram | undefined;
  private cache: Counter | undefined;
  private queue: Gauge | undefined;
  private refused: Counter | undefined;
  private workersLost: Counter | undefined;

  constructor() {
    const tallies = this.tallies;
    const requestsInFlight = () => this.requestsInFlight;
    const executionsBy = () => this.executionsBy();
    onMetricsRegistry((registry, prom) => {
      this.executions = new prom.Counter({
        name: "kova_engine_executions_total", help: "Tenant requests answered, by tenant and status class", labelNames: ["tenant", "status"], registers: [registry],
        collect() {
          this.reset();
          for (const [tenant, counts] of tallies) for (let c = 1; c < QUOTA_STOPS; c++) if (counts[c] > 0) this.inc({ tenant, status: `${c}xx` }, counts[c]);
        },
      });
      this.quotaStops = new prom.Counter({
        name: "kova_engine_quota_stops_total", help: "Executions stopped by a quota (503 quota-exceeded)", labelNames: ["tenant"], registers: [registry],
        collect() {
          this.reset();
          for (const [tenant, counts] of tallies) if (counts[QUOTA_STOPS] > 0) this.inc({ tenant }, counts[QUOTA_STOPS]);
        },
      });
      this.latency = new prom.Histogram({ name: "kova_engine_vm_latency_seconds", help: "Time from routing a tenant request to its answer", labelNames: ["tenant"], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] });
      this.cache = new prom.Counter({ name: "kova_engine_program_cache_total", help: "Program lookups by the level that answered (l1, l2 = Redis, store)", labelNames: ["level"], registers: [registry] });
      new prom.Counter({
        name: "kova_engine_pool_executions_total", help: "Executions on a pool engine by where they ran: main (known cheap, inline) or worker", labelNames: ["thread"], registers: [registry],
        collect() {
          const by = executionsBy();
          if (by === undefined) return;
          this.reset();
          this.inc({ thread: "main" }, by.inline);
          this.inc({ thread: "worker" }, by.workers);
        },
      });
      this.queue = new prom.Gauge({
        name: "kova_engine_requests_in_flight", help: "Tenant requests being served", registers: [registry],
        collect() {
          this.set(requestsInFlight());
        },
      });
      this.workersLost = new prom.Counter({ name: "kova_engine_workers_lost_total", help: "Worker threads that died and were replaced, by cause (memory, deadline, crash)", labelNames: ["cause"], registers: [registry] });
      this.refused = new prom.Counter({ name: "kova_engine_queue_full_total", help: "Requests answered 503 because the request queue was full", registers: [registry] });
    });
  }

  answered(tenant: string, status: number, seconds: number, quotaStopped: boolean): void {
    let counts = this.tallies.get(tenant);
    if (counts === undefined) {
      counts = new Array<number>(QUOTA_STOPS + 1).fill(0);
      this.tallies.set(tenant, counts);
    }
    const c = Math.floor(status / 100);
    if (c >= 1 && c < QUOTA_STOPS) counts[c]++;
    if (quotaStopped) counts[QUOTA_STOPS]++;
    this.latency?.observe({ tenant }, seconds);
  }

  /** The pool's counts of executions by where they ran, read at scrape time. */
  watchPool(counts: { inline: number; workers: number }): void {
    this.executionsBy = () => counts;
  }

  lookup(level: CacheLevel): void {
    this.cache?.labels(level).inc();
  }

  /** The number of tenant requests being served (read when the registry is). */
  inFlight(n: number): void {
    this.requestsInFlight = n;
  }

  workerLost(cause: string): void {
    this.workersLost?.labels(cause).inc();
  }

  queueFull(): void {
    this.refused?.inc();
  }
}
