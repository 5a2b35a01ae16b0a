import type { AppDefinition } from "../app.js";

/**
 * Whether the app uses change events at all (ON handlers or caches); the feed then starts with the
 * app. Its own module so start-up can ask without loading the change feed.
 */
export function usesChanges(app: AppDefinition): boolean {
  return (app.tasks ?? []).some((t) => t.trigger.kind === "change") || (app.caches ?? []).length > 0;
}
