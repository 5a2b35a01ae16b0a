/**
 * ON handlers (and cache invalidation) follow change events, which only drivers with an outbox
 * record (Dialect.changeEvents): a handler on an entity kept by another driver would never run, so
 * the build refuses it, at the handler, naming the data source.
 */
import type { Dialect } from "@kova/query";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { AppModel } from "../ir/nodes.js";

export function changeEventDiagnostics(app: AppModel, dialects: ReadonlyMap<string, Dialect>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const task of app.tasks) {
    if (task.trigger.kind !== "change") continue;
    const entity = task.trigger.entity;
    const source = app.dataSources.find((s) => s.entities.includes(entity));
    if (source === undefined) continue;
    const dialect = dialects.get(source.driver);
    if (dialect === undefined || dialect.changeEvents === true) continue;
    out.push(
      diagnostic("ChangeEventsNotSupportedByDriver", task.span, `ON ${task.trigger.op.toUpperCase()} ${entity}: data source '${source.name}' (${source.driver}) records no change events, so the handler would never run`, {
        suggestion: `keep ${entity} in the embedded store (the only driver with a change outbox today), or run the work from the endpoint that writes`,
      }),
    );
  }
  return out;
}
