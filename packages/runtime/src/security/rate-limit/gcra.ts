/**
 * The generic cell rate algorithm (GCRA): a rate limit that keeps one number per key, the
 * "theoretical arrival time" (TAT) of the next request. `limit` requests per `windowMs` are
 * spread evenly (one every `windowMs / limit` ms) with a burst of up to `limit` at once; a key
 * whose TAT has passed is as good as absent, so idle keys can be dropped at any time. Both the
 * in-memory store and the Redis script use this same arithmetic.
 */

export interface Decision {
  allowed: boolean;
  limit: number;
  /** Requests left right now. */
  remaining: number;
  /** Seconds until the budget is whole again. */
  resetSeconds: number;
  /** Seconds to wait before the next request can pass (0 when allowed). */
  retryAfterSeconds: number;
}

/** The new TAT and the decision for a request at `now`, given the stored TAT (or undefined). */
export function gcra(now: number, stored: number | undefined, limit: number, windowMs: number): { tat: number | undefined; decision: Decision } {
  const interval = windowMs / limit;
  const tat = stored === undefined || stored < now ? now : stored;
  const next = tat + interval;
  if (next - now > windowMs) {
    return {
      tat: undefined,
      decision: { allowed: false, limit, remaining: 0, resetSeconds: Math.ceil((tat - now) / 1000), retryAfterSeconds: Math.max(1, Math.ceil((next - windowMs - now) / 1000)) },
    };
  }
  return { tat: next, decision: decisionAfter(true, now, next, limit, windowMs) };
}

/** The decision once the key's TAT is `tat` (shared with the Redis store, whose script returns it). */
export function decisionAfter(allowed: boolean, now: number, tat: number, limit: number, windowMs: number, retryMs = 0): Decision {
  const interval = windowMs / limit;
  const remaining = Math.max(0, Math.floor((windowMs - (tat - now)) / interval + 1e-9));
  return { allowed, limit, remaining, resetSeconds: Math.ceil((tat - now) / 1000), retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(retryMs / 1000)) };
}
