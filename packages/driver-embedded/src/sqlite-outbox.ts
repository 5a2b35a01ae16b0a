/**
 * The embedded store's change-event outbox (see ChangeEvent in @kova/query): one table beside the
 * history tables, written by the runner in the same transaction as the write and its version, so
 * an event is in the file exactly when its write committed (and survives kill -9 with it).
 *
 *   _kova_changes   seq, entity, record id, op, version, at, before/after (JSON), delivered_at
 *
 * Recording starts when the runtime listens (Driver.changes.onCommit): an app with no ON handler,
 * cache or live view pays nothing for it.
 */
import type { SqliteDatabase, SqliteStatement } from "./sqlite-database.js";
import type { ChangeEvent, ChangeOp, ChangeOutbox } from "@kova/query";

export const OUTBOX_TABLE = "_kova_changes";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ${OUTBOX_TABLE} (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  entity TEXT NOT NULL,
  record_id TEXT NOT NULL,
  op TEXT NOT NULL,
  version INTEGER,
  at INTEGER NOT NULL,
  before TEXT,
  after TEXT,
  delivered_at INTEGER
);
CREATE INDEX IF NOT EXISTS ${OUTBOX_TABLE}_pending ON ${OUTBOX_TABLE} (seq) WHERE delivered_at IS NULL;`;

interface OutboxRow {
  seq: number;
  entity: string;
  record_id: string;
  op: ChangeOp;
  version: number | null;
  at: number;
  before: string | null;
  after: string | null;
}

/** What the runner calls per written record; the events of the open transaction wait in `pending`. */
export class Outbox {
  private insert: SqliteStatement | undefined;
  /** Events recorded since the last commit or rollback (the driver takes them at commit). */
  private pending: ChangeEvent[] = [];

  constructor(
    private readonly source: string,
    private readonly db: () => SqliteDatabase,
  ) {}

  get recording(): boolean {
    return this.insert !== undefined;
  }

  /** Creates the table and starts recording (idempotent). */
  start(): void {
    if (this.insert !== undefined) return;
    const db = this.db();
    db.exec(SCHEMA);
    this.insert = db.prepare(`INSERT INTO ${OUTBOX_TABLE} (entity, record_id, op, version, at, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  }

  record(entity: string, id: unknown, op: ChangeOp, version: number | null, at: number, before: Record<string, unknown> | null, after: Record<string, unknown> | null): void {
    if (this.insert === undefined) return;
    const result = this.insert.run(entity, String(id), op, version, at, before === null ? null : JSON.stringify(before), after === null ? null : JSON.stringify(after));
    this.pending.push({ seq: Number(result.lastInsertRowid), source: this.source, entity, id, op, version, at: new Date(at).toISOString(), before, after });
  }

  /** How many events are pending: a failed statement inside a transaction rolls back to this mark. */
  mark(): number {
    return this.pending.length;
  }

  rollbackTo(mark: number): void {
    this.pending.length = mark;
  }

  /** The committed events, handed over once. */
  take(): ChangeEvent[] {
    const events = this.pending;
    this.pending = [];
    return events;
  }
}

/** Driver.changes for the embedded store. */
export class SqliteChangeOutbox implements ChangeOutbox {
  readonly listeners: Array<(events: readonly ChangeEvent[]) => void | Promise<void>> = [];

  constructor(
    private readonly outbox: Outbox,
    private readonly source: string,
    /** Runs `work` on the connection outside any open transaction (the driver's withConnection). */
    private readonly run: <T>(work: (db: SqliteDatabase) => T) => Promise<T>,
  ) {}

  onCommit(listener: (events: readonly ChangeEvent[]) => void | Promise<void>): void {
    this.listeners.push(listener);
    this.outbox.start();
  }

  /** The driver calls this after each commit, with the events it took at the commit. */
  async deliver(events: readonly ChangeEvent[]): Promise<void> {
    if (events.length === 0) return;
    for (const listener of this.listeners) await listener(events);
  }

  undelivered(after: number, limit: number): Promise<ChangeEvent[]> {
    return this.run((db) => {
      this.outbox.start();
      const rows = db.prepare(`SELECT seq, entity, record_id, op, version, at, before, after FROM ${OUTBOX_TABLE} WHERE delivered_at IS NULL AND seq > ? ORDER BY seq LIMIT ?`).all(after, limit) as OutboxRow[];
      return rows.map((row) => ({
        seq: row.seq,
        source: this.source,
        entity: row.entity,
        id: /^-?\d+$/.test(row.record_id) ? Number(row.record_id) : row.record_id,
        op: row.op,
        version: row.version,
        at: new Date(row.at).toISOString(),
        before: row.before === null ? null : (JSON.parse(row.before) as Record<string, unknown>),
        after: row.after === null ? null : (JSON.parse(row.after) as Record<string, unknown>),
      }));
    });
  }

  markDelivered(seqs: readonly number[]): Promise<void> {
    if (seqs.length === 0) return Promise.resolve();
    return this.run((db) => {
      const now = Date.now();
      const update = db.prepare(`UPDATE ${OUTBOX_TABLE} SET delivered_at = ? WHERE seq = ? AND delivered_at IS NULL`);
      db.transaction(() => {
        for (const seq of seqs) update.run(now, seq);
      })();
    });
  }

  purge(before: number): Promise<number> {
    return this.run((db) => db.prepare(`DELETE FROM ${OUTBOX_TABLE} WHERE delivered_at IS NOT NULL AND delivered_at < ?`).run(before).changes);
  }
}
