/** Retry delays: exponential, capped, with jitter so that jobs failing together do not retry together. */

export const MAX_BACKOFF_MS = 3_600_000;

/**
 * The wait before attempt `attempt + 1`, after `attempt` failed runs (1 = the first run failed):
 * `base × 2^(attempt−1)`, at most an hour, then a random point in its upper half ("equal jitter"),
 * so a retry never comes sooner than half the nominal delay.
 */
export function backoffDelay(baseMs: number, attempt: number, random: () => number = Math.random): number {
  const nominal = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(nominal / 2 + random() * (nominal / 2));
}
