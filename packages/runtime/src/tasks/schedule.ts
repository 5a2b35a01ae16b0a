/**
 * Tick instants of a scheduled task. A tick is identified by its instant (ms since the epoch), so
 * every process computes the same ticks and the store lets exactly one of them claim each.
 */
import { Cron } from "croner";
import type { TaskTrigger } from "./definition.js";

export interface Schedule {
  /** The latest tick at or before `now`; null when there is none (a cron that never fired yet). */
  latest(now: number): number | null;
  /** The first tick strictly after `now`. */
  next(now: number): number | null;
}

export function scheduleOf(trigger: Extract<TaskTrigger, { kind: "every" | "cron" }>): Schedule {
  if (trigger.kind === "every") {
    // Aligned to the epoch: `EVERY 10m` ticks at :00, :10, … in every process alike.
    const every = trigger.everyMs;
    return {
      latest: (now) => Math.floor(now / every) * every,
      next: (now) => (Math.floor(now / every) + 1) * every,
    };
  }
  const cron = new Cron(trigger.expression, { paused: true, timezone: trigger.timezone ?? "UTC" });
  return {
    latest: (now) => {
      const previous = cron.previousRuns(1, new Date(now + 1));
      return previous.length > 0 ? previous[0].getTime() : null;
    },
    next: (now) => cron.nextRun(new Date(now))?.getTime() ?? null,
  };
}
