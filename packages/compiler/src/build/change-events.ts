/**
 * ON handlers and cache invalidation follow change events, which only drivers with an outbox record
 * (Dialect.changeEvents): a handler on an entity kept by another driver would never run, and a cached
 * answer reading one would never be evicted, so the build refuses both, naming the data source. A
 * cached endpoint must only read (its answer is kept, so its writes would not happen again).
 */
import type { Dialect } from "@kova/query";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { AppModel, Span } from "../ir/nodes.js";
import { forEachNode } from "../ir/writes.js";

export function changeEventDiagnostics(app: AppModel, dialects: ReadonlyMap<string, Dialect>): Diagnostic[] {
  const out: Diagnostic[] = [...emitDiagnostics(app, dialects)];
  for (const task of app.tasks) {
    if (task.trigger.kind !== "change") continue;
    const entity = task.trigger.entity;
    const source = app.dataSources.find((s) => s.entities.includes(entity));
    if (source === undefined) continue;
    const dialect = dialects.get(source.driver);
    if (dialect === undefined || dialect.changeEvents === true) continue;
    out.push(
      diagnostic("ChangeEventsNotSupportedByDriver", task.span, `ON ${task.trigger.op.toUpperCase()} ${entity}: data source '${source.name}' (${source.driver}) records no change events, so the handler would never run`, {
        suggestion: `keep ${entity} in a data source with a change outbox (the embedded store, PostgreSQL, MySQL/MariaDB), or run the work from the endpoint that writes`,
      }),
    );
  }
  for (const route of app.entryPoints) {
    if (route.cache === undefined) continue;
    if (route.writes.length > 0) {
      out.push(
        diagnostic("CacheOnWrite", route.span, `${route.id} writes (to ${route.writes.join(", ")}), so its answers cannot be cached`, {
          suggestion: "remove CACHE, or move the write to another endpoint",
        }),
      );
      continue;
    }
    for (const rule of route.cache.invalidate) {
      const source = app.dataSources.find((s) => s.entities.includes(rule.entity));
      const dialect = source === undefined ? undefined : dialects.get(source.driver);
      if (source === undefined || dialect === undefined || dialect.changeEvents === true) continue;
      out.push(
        diagnostic("ChangeEventsNotSupportedByDriver", route.span, `${route.id} is cached and reads ${rule.entity}, whose data source '${source.name}' (${source.driver}) records no change events: a write would never evict the stale answer`, {
          suggestion: `keep ${rule.entity} in a data source with a change outbox (the embedded store, PostgreSQL, MySQL/MariaDB), or remove CACHE`,
        }),
      );
    }
  }
  return out;
}

/**
 * EMIT records its event in the change outbox of the program's first data source, in the action's
 * transaction: a driver without an outbox could neither record it nor deliver it, so every EMIT
 * (and every ON handler of an EVENT) is refused there, naming the data source.
 */
function emitDiagnostics(app: AppModel, dialects: ReadonlyMap<string, Dialect>): Diagnostic[] {
  const out: Diagnostic[] = [];
  const places: Array<{ event: string; source: string; span: Span; what: string }> = [];
  forEachNode(app.functions.map((f) => f.body), (node) => {
    if (node.kind === "emit") places.push({ event: node.event as string, source: node.source as string, span: node.span as Span, what: `EMIT ${node.event as string}` });
  });
  for (const task of app.tasks) {
    if (task.trigger.kind !== "event") continue;
    const event = app.events?.find((e) => e.name === (task.trigger as { event: string }).event);
    if (event !== undefined) places.push({ event: event.name, source: event.source, span: task.span, what: `ON ${event.name}` });
  }
  for (const place of places) {
    const source = app.dataSources.find((s) => s.name === place.source);
    const dialect = source === undefined ? undefined : dialects.get(source.driver);
    if (source === undefined || dialect === undefined || dialect.changeEvents === true) continue;
    out.push(
      diagnostic("EmitNotSupportedByDriver", place.span, `${place.what}: events are recorded in the program's first data source, '${source.name}' (${source.driver}), which keeps no change outbox`, {
        suggestion: "declare first (CONNECT) a data source with a change outbox: the embedded store, PostgreSQL or MySQL/MariaDB",
      }),
    );
  }
  return out;
}
