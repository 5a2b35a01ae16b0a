/**
 * A bulkhead per remote host: at most `limit` calls in flight, at most `queue` more waiting; a call
 * beyond that fails at once, so one slow host cannot take every request of the app with it.
 */
export class Bulkhead {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number, readonly queue: number) {}

  get inFlight(): number {
    return this.active;
  }

  /** Resolves when a slot is free; false when the waiting line is full too. */
  acquire(): Promise<boolean> | boolean {
    if (this.active < this.limit) {
      this.active++;
      return true;
    }
    if (this.waiting.length >= this.queue) return false;
    return new Promise((resolve) => this.waiting.push(() => resolve(true)));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next();
    else this.active--;
  }
}
