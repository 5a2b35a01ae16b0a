import type { AppDefinition } from "../app.js";

/**
 * Whether the app uses change events at all (ON handlers, caches, or EVENTs its actions EMIT into
 * the outbox); the feed then starts with the app, before any transaction that could record one.
 * Its own module so start-up can ask without loading the change feed.
 */
export function usesChanges(app: AppDefinition): boolean {
  return (app.tasks ?? []).some((t) => t.trigger.kind === "change" || t.trigger.kind === "event") || (app.caches ?? []).length > 0 || (app.events ?? []).length > 0;
}
