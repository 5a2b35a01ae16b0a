/**
 * The change feed's fan-out through the data source itself, for an app without Redis: PostgreSQL
 * NOTIFYs each committed transaction's events inside the transaction (driver-postgres pg-outbox.ts)
 * and one LISTEN connection per source wakes this process with other processes' events. Publishing
 * is therefore nothing to do here: the commit already announced them.
 */
import type { ChangeEvent, ChangeListening, ChangeOutbox } from "@kova/query";
import type { Logger } from "pino";
import type { ChangeFanout } from "./change-feed.js";

export class DatabaseFanout implements ChangeFanout {
  readonly kind = "database" as const;
  private readonly listeners: Array<(events: readonly ChangeEvent[]) => void> = [];
  private readonly listening: ChangeListening[] = [];
  private warned = false;

  constructor(outboxes: ReadonlyArray<{ name: string; changes: ChangeOutbox & { listen: NonNullable<ChangeOutbox["listen"]> } }>, log: Logger) {
    for (const { name, changes } of outboxes) {
      this.listening.push(
        changes.listen(
          (events) => {
            this.warned = false;
            for (const listener of this.listeners) listener(events);
          },
          (error) => {
            if (this.warned) return;
            this.warned = true;
            log.warn({ source: name, error: error.message }, "change fan-out: the LISTEN connection is down; other processes' changes reach this one by the redelivery poll until it is back");
          },
        ),
      );
    }
  }

  async publish(): Promise<void> {}

  onRemote(listener: (events: readonly ChangeEvent[]) => void): void {
    this.listeners.push(listener);
  }

  /** Every source's LISTEN barrier (see PgChangeOutbox.listen): each NOTIFYs itself and waits to hear it. */
  async barrier(): Promise<void> {
    await Promise.all(this.listening.map((l) => l.barrier?.()));
  }

  healthy(): boolean {
    return this.listening.every((l) => l.healthy);
  }

  async close(): Promise<void> {
    await Promise.all(this.listening.map((l) => l.close()));
  }
}
