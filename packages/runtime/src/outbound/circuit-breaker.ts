/**
 * A circuit breaker per remote host: after `failureThreshold` failures in a row the circuit opens
 * and calls fail at once (no waiting on a host that is down); after `openMs` one trial call is let
 * through (half-open): its success closes the circuit, its failure opens it again.
 */
export type CircuitState = "closed" | "open" | "half-open";

export interface CircuitOptions {
  failureThreshold: number;
  openMs: number;
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private trialRunning = false;
  private current: CircuitState = "closed";

  constructor(private readonly options: CircuitOptions, private readonly now: () => number = Date.now) {}

  get state(): CircuitState {
    if (this.current === "open" && this.now() - this.openedAt >= this.options.openMs) return "half-open";
    return this.current;
  }

  /** May a call go out now? In half-open, only one trial call at a time. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === "closed") return true;
    if (state === "open" || this.trialRunning) return false;
    this.trialRunning = true;
    this.current = "half-open";
    return true;
  }

  /** Milliseconds until a trial call may go out (0 when the circuit is not open). */
  retryAfterMs(): number {
    return this.current === "open" ? Math.max(0, this.options.openMs - (this.now() - this.openedAt)) : 0;
  }

  /** The call did not go out after all (its host was not at fault): a half-open trial may be tried again. */
  cancelled(): void {
    this.trialRunning = false;
  }

  succeeded(): void {
    this.failures = 0;
    this.trialRunning = false;
    this.current = "closed";
  }

  failed(): void {
    this.trialRunning = false;
    this.failures++;
    if (this.current === "half-open" || this.failures >= this.options.failureThreshold) {
      this.current = "open";
      this.openedAt = this.now();
    }
  }
}
