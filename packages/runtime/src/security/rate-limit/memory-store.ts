/**
 * Rate-limit state in this process: one TAT per key in a Map kept in least-recently-used order.
 * Memory is bounded: at `maxKeys` the keys whose TAT has passed (as good as absent) are swept, and
 * if the map is still full the least recently used keys go (they lose their count, which only
 * ever lets a request through that a bigger table would have counted).
 */
import { gcra, type Decision } from "./gcra.js";

export const DEFAULT_MAX_KEYS = 100_000;

export class MemoryRateStore {
  private readonly tats = new Map<string, number>();

  constructor(private readonly maxKeys = DEFAULT_MAX_KEYS, private readonly clock: () => number = Date.now) {}

  get size(): number {
    return this.tats.size;
  }

  take(key: string, limit: number, windowMs: number): Decision {
    const now = this.clock();
    const stored = this.tats.get(key);
    const { tat, decision } = gcra(now, stored, limit, windowMs);
    if (tat !== undefined) {
      if (stored !== undefined) this.tats.delete(key);
      else if (this.tats.size >= this.maxKeys) this.makeRoom(now);
      this.tats.set(key, tat);
    }
    return decision;
  }

  private makeRoom(now: number): void {
    for (const [key, tat] of this.tats) if (tat <= now) this.tats.delete(key);
    // Still full: drop the least recently used tenth, so the sweep is not repeated on every new key.
    if (this.tats.size >= this.maxKeys) {
      let drop = Math.max(1, Math.floor(this.maxKeys / 10));
      for (const key of this.tats.keys()) {
        if (drop-- === 0) break;
        this.tats.delete(key);
      }
    }
  }
}
