/**
 * A data source seen by metrics and tracing: every statement (`execute`, which is also how a
 * transaction's statements run, see atomic.ts) is timed into `kova_db_query_duration_seconds` and
 * traced as a CLIENT span named after its query id. The wrapper forwards everything else to the
 * driver untouched (a Proxy, so optional members other code looks for, such as `withConnection`
 * or `evalScript`, stay exactly as the driver has them).
 */
import { performance } from "node:perf_hooks";
import type { CompiledQuery, Driver } from "@kova/query";
import type { Metrics, QueryLabels } from "./metrics.js";
import type { Tracing } from "./tracing.js";

const WRITES = new Set(["insert", "update", "delete", "save"]);
const labelsOf = new WeakMap<CompiledQuery, QueryLabels>();

/** The labels of a compiled query: `kovaQueryId`/`kovaQueryAt` as `kova build` writes them, else what it does to what. */
function labels(query: CompiledQuery): QueryLabels {
  let found = labelsOf.get(query);
  if (found === undefined) {
    const plan = query.plan as { kind?: string; entity?: string };
    const op = plan.kind ?? "unknown";
    const entity = plan.entity ?? "";
    const { kovaQueryId: id, kovaQueryAt: at } = query as { kovaQueryId?: unknown; kovaQueryAt?: unknown };
    found = { id: typeof id === "string" ? id : `${op} ${entity}`, at: typeof at === "string" ? at : "", op, entity, write: WRITES.has(op) };
    labelsOf.set(query, found);
  }
  return found;
}

export function observedDriver(name: string, driver: Driver, metrics: Metrics | undefined, tracing: Tracing | undefined): Driver {
  const system = driver.dialect.name;
  const execute = async (query: CompiledQuery, args: readonly unknown[]): Promise<unknown> => {
    const l = labels(query);
    const span = tracing?.child(`${l.op} ${l.entity} (${l.id})`, { "db.system.name": system, "db.namespace": name, "db.operation.name": l.op, "db.collection.name": l.entity, "kova.query.id": l.id, "kova.query.at": l.at });
    const start = performance.now();
    try {
      const result = await driver.execute(query, args);
      metrics?.queryFinished(name, l, (performance.now() - start) / 1000, false);
      if (span !== undefined) tracing!.endChild(span);
      return result;
    } catch (error) {
      metrics?.queryFinished(name, l, (performance.now() - start) / 1000, true);
      if (span !== undefined) tracing!.endChild(span, { error });
      throw error;
    }
  };
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(driver, {
    get(target, property) {
      if (property === "execute") return execute;
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      // Bound once: methods run with the driver as `this` (its private fields need that).
      let fn = bound.get(property);
      if (fn === undefined) bound.set(property, (fn = (value as (...a: unknown[]) => unknown).bind(target)));
      return fn;
    },
  });
}
