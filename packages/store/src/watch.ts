/**
 * A collection's change feed. Changes are read from the history table by version, so the feed
 * sees every committed write, from this process or any other (a Kova app on the same file, a
 * second CLI), in commit order, and can resume from a version. Writes in this process wake the
 * watcher at once; others are seen at the next poll.
 */
import type { EventEmitter } from "node:events";
import { quoteIdent } from "@kova/driver-embedded";
import type { CollectionInfo } from "./collections.js";

export interface Change<V> {
  collection: string;
  key: string;
  version: number;
  operation: "insert" | "update" | "delete";
  at: string;
  /** The value written (for a delete: the value removed). */
  value: V | null;
}

export interface WatchOptions {
  /** Start after this version (default: the latest, so only new changes). 0: from the beginning. */
  since?: number;
  /** How often other processes' writes are looked for, in ms (default 100). */
  pollMs?: number;
}

interface Source {
  statement(sql: string): { all(...params: unknown[]): unknown[]; pluck(): { get(...p: unknown[]): unknown } };
  change(info: CollectionInfo, row: Record<string, unknown>): Change<unknown>;
}

export class Watcher<V> implements AsyncIterable<Change<V>> {
  /** The last version delivered (or skipped over at the start). */
  version: number;
  private readonly queue: Change<V>[] = [];
  private waiting: ((result: IteratorResult<Change<V>>) => void) | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly wake = () => this.poll();
  private closed = false;

  constructor(
    private readonly source: Source,
    private readonly info: CollectionInfo,
    private readonly writes: EventEmitter,
    options: WatchOptions,
    private readonly onClose: () => void,
  ) {
    this.version = options.since ?? ((source.statement(`SELECT max("version") FROM ${quoteIdent(info.history)}`).pluck().get() as number | null) ?? 0);
    this.timer = setInterval(this.wake, options.pollMs ?? 100);
    this.timer.unref();
    writes.on("write", this.wake);
    this.poll();
  }

  private poll(): void {
    if (this.closed) return;
    const rows = this.source.statement(`SELECT * FROM ${quoteIdent(this.info.history)} WHERE "version" > ? ORDER BY "version" LIMIT 1000`).all(this.version) as Array<Record<string, unknown>>;
    for (const row of rows) {
      const change = this.source.change(this.info, row) as Change<V>;
      this.version = change.version;
      if (this.waiting !== undefined) {
        const resolve = this.waiting;
        this.waiting = undefined;
        resolve({ value: change, done: false });
      } else this.queue.push(change);
    }
    // More than one page waiting: read the next at once rather than at the next tick.
    if (rows.length === 1000) setImmediate(this.wake);
  }

  /** The next change (waits for one). */
  next(): Promise<IteratorResult<Change<V>>> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve({ value: queued, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.writes.off("write", this.wake);
    this.onClose();
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<Change<V>> {
    return {
      next: () => this.next(),
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
