/**
 * `/_kova/metrics`: the process's metrics in Prometheus's text format, on prom-client.
 *
 * prom-client is loaded only when metrics are configured (`Metrics.create`), so an app without
 * them pays nothing at start-up. Per request the server calls `requestStarted` and, when the
 * response closes, `requestFinished`; per statement the observed driver (observed-driver.ts) calls
 * `queryFinished`. The label children of each route and query are cached, so a request costs two
 * map look-ups and three number updates, not prom-client's label hashing.
 *
 * Everything else is read when Prometheus scrapes (collect callbacks): the task queue's depth, each
 * data source's pool and store size (drivers that report them: `Driver.stats`), and Node's own
 * (event-loop lag, GC, memory, handles) from prom-client's default metrics.
 *
 * Other parts of the runtime add their metrics through `onMetricsRegistry` (a CACHE reports its
 * hits and misses with `recordCacheLookup`), so there is one registry and one scrape.
 */
import type { DriverStats } from "@kova/query";
import type { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { DataSources } from "../data-sources.js";
import { taskRuntimeFor } from "../tasks/registry.js";

/** Seconds; from sub-millisecond JSON answers to a slow report. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];


type RegistryHook = (registry: Registry, prom: typeof import("prom-client")) => void;
const hooks: RegistryHook[] = [];
let current: Metrics | undefined;

/**
 * Adds metrics to the process's registry: called at once when metrics are on, else when they are
 * created (never, when they are off: the hook then costs nothing).
 */
export function onMetricsRegistry(hook: RegistryHook): void {
  hooks.push(hook);
  if (current !== undefined) hook(current.registry, current.prom);
}

/** A CACHE lookup (`cache` is the cache's name): a no-op unless metrics are on. */
export function recordCacheLookup(cache: string, hit: boolean): void {
  current?.cacheLookups.labels(cache, hit ? "hit" : "miss").inc();
}

/** The metrics of this process, when configured. */
export function activeMetrics(): Metrics | undefined {
  return current;
}

interface RequestSeries {
  count: Counter.Internal;
  latency: Histogram.Internal<string>;
}

interface QuerySeries {
  latency: Histogram.Internal<string>;
  operations: Counter.Internal;
}

export class Metrics {
  private readonly requestSeries = new Map<string, RequestSeries>();
  private readonly querySeries = new Map<string, QuerySeries>();
  private readonly requests: Counter<string>;
  private readonly requestLatency: Histogram<string>;
  private readonly inFlight: Gauge<string>;
  private readonly queryLatency: Histogram<string>;
  private readonly queryErrors: Counter<string>;
  private readonly operations: Counter<string>;
  readonly cacheLookups: Counter<string>;
  private dataSources: DataSources | undefined;

  private constructor(readonly prom: typeof import("prom-client"), readonly registry: Registry) {
    const { Counter, Gauge, Histogram } = prom;
    const registers = [registry];
    this.requests = new Counter({ name: "kova_http_requests_total", help: "HTTP requests answered, by method, route and status", labelNames: ["method", "route", "status"], registers });
    this.requestLatency = new Histogram({ name: "kova_http_request_duration_seconds", help: "Time from a request's arrival to its response closing", labelNames: ["method", "route", "status"], buckets: LATENCY_BUCKETS, registers });
    this.inFlight = new Gauge({ name: "kova_http_requests_in_flight", help: "HTTP requests being answered now", registers });
    this.queryLatency = new Histogram({ name: "kova_db_query_duration_seconds", help: "Statement time by data source and query id (Q<n>, where in the source)", labelNames: ["source", "query", "at", "op", "entity"], buckets: LATENCY_BUCKETS, registers });
    this.queryErrors = new Counter({ name: "kova_db_query_errors_total", help: "Statements that failed, by data source and query id", labelNames: ["source", "query"], registers });
    this.operations = new Counter({ name: "kova_db_operations_total", help: "Reads and writes by data source", labelNames: ["source", "kind"], registers });
    this.cacheLookups = new Counter({ name: "kova_cache_lookups_total", help: "CACHE lookups by cache and result (hit, miss); hit ratio = hit / all", labelNames: ["cache", "result"], registers });
    const metrics = this;
    new Gauge({
      name: "kova_task_queue_jobs", help: "TASK jobs by task and state (queued, running, done, dead) in the embedded queue (with BullMQ: its outbox)", labelNames: ["task", "state"], registers,
      async collect() {
        const tasks = metrics.dataSources === undefined ? undefined : taskRuntimeFor(metrics.dataSources);
        this.reset();
        if (tasks === undefined) return;
        for (const c of await tasks.store.counts()) {
          for (const state of ["queued", "running", "done", "dead"] as const) this.labels(c.task, state).set(c[state]);
        }
      },
    });
    new Gauge({
      name: "kova_db_pool_connections", help: "Connections of each data source's pool by state (total, idle, waiting callers)", labelNames: ["source", "state"], registers,
      async collect() {
        this.reset();
        for (const [source, stats] of await metrics.driverStats()) {
          if (stats.pool === undefined) continue;
          this.labels(source, "total").set(stats.pool.total);
          this.labels(source, "idle").set(stats.pool.idle);
          this.labels(source, "waiting").set(stats.pool.waiting);
        }
      },
    });
    new Gauge({
      name: "kova_store_size_bytes", help: "Bytes each data source's store takes", labelNames: ["source"], registers,
      async collect() {
        this.reset();
        for (const [source, stats] of await metrics.driverStats()) if (stats.sizeBytes !== undefined) this.labels(source).set(stats.sizeBytes);
      },
    });
    // Event-loop lag, GC pauses, heap and RSS, handles: prom-client's default set.
    prom.collectDefaultMetrics({ register: registry });
  }

  /** Loads prom-client and makes this process's metrics (one per process: a second call returns the first). */
  static async create(): Promise<Metrics> {
    if (current !== undefined) return current;
    const prom = (await import("prom-client")).default;
    const metrics = new Metrics(prom, new prom.Registry());
    current = metrics;
    for (const hook of hooks) hook(metrics.registry, prom);
    return metrics;
  }

  /** The data sources whose queue, pools and sizes are reported. */
  observe(dataSources: DataSources): void {
    this.dataSources = dataSources;
  }

  requestStarted(): void {
    this.inFlight.inc();
  }

  /** `route` is the route's pattern (`/users/:id`), never the raw path, so series stay bounded. */
  requestFinished(method: string, route: string, status: number, seconds: number): void {
    this.inFlight.dec();
    const key = `${method} ${status} ${route}`;
    let series = this.requestSeries.get(key);
    if (series === undefined) {
      const code = String(status);
      series = { count: this.requests.labels(method, route, code), latency: this.requestLatency.labels(method, route, code) };
      this.requestSeries.set(key, series);
    }
    series.count.inc();
    series.latency.observe(seconds);
  }

  queryFinished(source: string, query: QueryLabels, seconds: number, failed: boolean): void {
    const key = `${source} ${query.id}`;
    let series = this.querySeries.get(key);
    if (series === undefined) {
      series = { latency: this.queryLatency.labels(source, query.id, query.at, query.op, query.entity), operations: this.operations.labels(source, query.write ? "write" : "read") };
      this.querySeries.set(key, series);
    }
    series.latency.observe(seconds);
    series.operations.inc();
    if (failed) this.queryErrors.labels(source, query.id).inc();
  }

  /** The text Prometheus scrapes. */
  async text(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }

  private async driverStats(): Promise<Array<[string, DriverStats]>> {
    if (this.dataSources === undefined) return [];
    const out: Array<[string, DriverStats]> = [];
    for (const [name, driver] of this.dataSources.drivers) {
      if (driver.stats === undefined) continue;
      try {
        out.push([name, await driver.stats()]);
      } catch {
        // A source that cannot say (it is down): no sample, and readiness reports it.
      }
    }
    return out;
  }
}

/** How a compiled query is labelled: its id, where it is in the source, what it does, to what. */
export interface QueryLabels {
  id: string;
  at: string;
  op: string;
  entity: string;
  write: boolean;
}
