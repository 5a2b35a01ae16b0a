/**
 * The instant a write is stamped with, for stores that stamp in the application (SQLite, MySQL).
 * The wall clock, unless it stepped back, in which case the last instant again: several writes may
 * share a millisecond (the version orders them exactly), while `max(now, last + 1)` would run
 * ahead of real time under a fast batch. Within one row's history, instants never go backwards
 * across processes either: the runner raises an instant to the row's last one inside the write's
 * transaction (see `notBefore`).
 */
export class InstantClock {
  constructor(
    /** The latest instant handed out (epoch ms). */
    private last = 0,
  ) {}

  next(): number {
    const now = Date.now();
    if (now > this.last) this.last = now;
    return this.last;
  }

  /** Remembers an instant seen in the store (at start-up, or another process's write). */
  note(at: number): void {
    if (at > this.last) this.last = at;
  }
}
