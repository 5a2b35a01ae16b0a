/**
 * Change events: what a driver with an outbox reports for every committed write (insert, update,
 * delete, and the deletes and updates a cascade makes). The driver records each event in the
 * write's own transaction (the outbox), so an event exists exactly when its write committed; the
 * runtime (runtime/src/changes) delivers them after the commit and marks them delivered, and
 * delivers again whatever a dead process left undelivered (at least once).
 */

/**
 * `emit`: not a write but a business event an ACTION announced (`EMIT order_shipped { … }`),
 * recorded in the action's transaction beside its writes' events (Driver.emit): `entity` holds the
 * event's name, `after` its payload; `id` is empty and `version` and `before` are null.
 */
export type ChangeOp = "insert" | "update" | "delete" | "emit";

export interface ChangeEvent {
  /** The outbox position in its data source: increasing in commit order. */
  seq: number;
  /** The data source that committed the write. */
  source: string;
  entity: string;
  id: unknown;
  op: ChangeOp;
  /** The history version the write recorded; null for an entity marked NO HISTORY. */
  version: number | null;
  /** The write's instant (ISO 8601). */
  at: string;
  /**
   * The record before and after the write (null before an insert and after a delete). SECRET
   * fields are never in them: they are left out exactly as from the rows a write returns.
   */
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** A driver's outbox (Driver.changes). */
export interface ChangeOutbox {
  /**
   * Called once per commit that recorded events, with them in order, after the commit. The driver
   * awaits it before the committing call resolves, so a listener that publishes (Redis) is done
   * before the endpoint answers; the listener must not throw.
   */
  onCommit(listener: (events: readonly ChangeEvent[]) => void | Promise<void>): void;
  /** Optional: resolves once recording is in place after the first onCommit (a database that must create its outbox first). */
  ready?(): Promise<void>;
  /** Recorded events not yet marked delivered whose seq is above `after`, oldest first. */
  undelivered(after: number, limit: number): Promise<ChangeEvent[]>;
  /** Marks events delivered (kept for `keepMs`, then purged by `purge`). */
  markDelivered(seqs: readonly number[]): Promise<void>;
  /** Forgets delivered events older than `before` (epoch ms); returns how many. */
  purge(before: number): Promise<number>;
  /**
   * Optional: hears the events OTHER processes commit as the database announces them (PostgreSQL
   * LISTEN/NOTIFY), so the change feed can fan out without Redis. `onError` reports a lost
   * connection (it reconnects on its own).
   */
  listen?(onEvents: (events: readonly ChangeEvent[]) => void, onError: (error: Error) => void): ChangeListening;
}

/** A listening connection (ChangeOutbox.listen). */
export interface ChangeListening {
  readonly healthy: boolean;
  /**
   * Resolves once the events of every transaction that committed before the call have reached
   * `onEvents` here (see ChangeFanout.barrier in the runtime). Absent: the listener cannot tell.
   */
  barrier?(): Promise<void>;
  close(): Promise<void>;
}
