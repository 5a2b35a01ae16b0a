/**
 * A data source seen by metrics and tracing: every statement (`execute`, which is also how a
 * transaction's statements run, see atomic.ts) is timed into `kova_db_query_duration_seconds` and
 * traced as a CLIENT span named after its query id. Everything else is the driver's own
 * (@kova/query's withExecute).
 */
import { performance } from "node:perf_hooks";
import { withExecute, type CompiledQuery, type Driver } from "@kova/query";
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
  return withExecute(driver, (inner) => async (query, args) => {
    const l = labels(query);
    const span = tracing?.child(`${l.op} ${l.entity} (${l.id})`, { "db.system.name": system, "db.namespace": name, "db.operation.name": l.op, "db.collection.name": l.entity, "kova.query.id": l.id, "kova.query.at": l.at });
    const start = performance.now();
    try {
      const result = await inner(query, args);
      metrics?.queryFinished(name, l, (performance.now() - start) / 1000, false);
      if (span !== undefined) tracing!.endChild(span);
      return result;
    } catch (error) {
      metrics?.queryFinished(name, l, (performance.now() - start) / 1000, true);
      if (span !== undefined) tracing!.endChild(span, { error });
      throw error;
    }
  });
}
