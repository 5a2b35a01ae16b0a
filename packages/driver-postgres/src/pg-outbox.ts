/**
 * PostgreSQL's change-event outbox (see ChangeEvent in @kova/query): the table `_kova_changes` and
 * one row trigger per entity table that writes an event into it, so an event is recorded by the
 * database in the same transaction as its write — single writes, endpoint transactions, cascades
 * (the References' deletes and updates), imports alike — and rolls back with it.
 *
 * The trigger fires at the end of the write's statement, after the statement's CTE recorded the
 * history version, so it reads the version (and its instant) from the history table; an entity
 * marked NO HISTORY has none (version null). `before`/`after` are the row before and after the write,
 * SECRET fields removed. An UPDATE that changes nothing (PATCH {}) records no event, as it records
 * no version. Each event carries the writing transaction's id (`tx`): the driver reads its own
 * transaction's events before COMMIT, NOTIFYs them in the transaction (delivered to listeners only
 * if it commits), and hands them to the change feed after the commit.
 *
 * Written against a plain `Sql` function (text, values → rows), not the client library's API.
 */
import { createHash } from "node:crypto";
import { keepsHistory, secretFields, type ChangeEvent, type ChangeListening, type ChangeOp, type ChangeOutbox, type EntitySchema } from "@kova/query";
import { fitIdentifier, historyTable, quoteIdent, quoteLiteral } from "./pg-compiled.js";

export const OUTBOX_TABLE = "_kova_changes";
const FUNCTION = "_kova_record_change";
const TRIGGER = "_kova_changes";

/** Runs one statement and returns its rows as objects. */
export type Sql = (text: string, values?: unknown[]) => Promise<Array<Record<string, unknown>>>;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS ${OUTBOX_TABLE} (
    seq bigserial PRIMARY KEY,
    tx bigint NOT NULL,
    entity text NOT NULL,
    record_id text NOT NULL,
    op text NOT NULL,
    version bigint,
    at timestamptz NOT NULL,
    before jsonb,
    after jsonb,
    delivered_at timestamptz)`,
  `CREATE INDEX IF NOT EXISTS ${OUTBOX_TABLE}_pending ON ${OUTBOX_TABLE} (seq) WHERE delivered_at IS NULL`,
  `CREATE INDEX IF NOT EXISTS ${OUTBOX_TABLE}_tx ON ${OUTBOX_TABLE} (tx) WHERE delivered_at IS NULL`,
  // TG_ARGV: entity name, history table ('' for NO HISTORY), then the SECRET fields to leave out.
  `CREATE OR REPLACE FUNCTION ${FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $kova$
DECLARE
  rid text; v bigint; at_ timestamptz; b jsonb; a jsonb; i int;
BEGIN
  IF TG_OP = 'DELETE' THEN rid := OLD.id::text; ELSE rid := NEW.id::text; END IF;
  IF TG_OP <> 'INSERT' THEN b := to_jsonb(OLD); END IF;
  IF TG_OP <> 'DELETE' THEN a := to_jsonb(NEW); END IF;
  FOR i IN 2 .. TG_NARGS - 1 LOOP
    b := b - TG_ARGV[i];
    a := a - TG_ARGV[i];
  END LOOP;
  IF TG_ARGV[1] <> '' THEN
    EXECUTE format('SELECT "version", "at" FROM %I WHERE "id" = $1 ORDER BY "version" DESC LIMIT 1', TG_ARGV[1]) INTO v, at_ USING (rid::bigint);
  END IF;
  INSERT INTO ${OUTBOX_TABLE} (tx, entity, record_id, op, version, at, before, after)
  VALUES (txid_current(), TG_ARGV[0], rid, lower(TG_OP), v, COALESCE(at_, date_trunc('milliseconds', clock_timestamp())), b, a);
  RETURN NULL;
END $kova$`,
];

/**
 * What the installed objects were made from, kept as their COMMENT: a start whose outbox and
 * triggers already match changes nothing. Re-creating them on every start took the tables' locks
 * (DROP TRIGGER takes an ACCESS EXCLUSIVE lock), so a second node's rolling restart waited behind
 * the first node's open transactions and every query on those tables queued behind it.
 */
const fingerprint = (text: string) => `kova:${createHash("sha256").update(text).digest("hex").slice(0, 16)}`;
const SCHEMA_MARK = fingerprint(SCHEMA.join("\n"));

/** The statements that (re)attach the triggers to an entity's live table, and their mark. */
function triggerStatements(entity: EntitySchema): { mark: string; statements: string[] } {
  const table = quoteIdent(entity.table);
  const history = keepsHistory(entity) ? fitIdentifier(historyTable(entity)) : "";
  const args = [entity.name, history, ...secretFields(entity)].map(quoteLiteral).join(", ");
  const create = [
    `CREATE TRIGGER ${TRIGGER} AFTER INSERT OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${FUNCTION}(${args})`,
    `CREATE TRIGGER ${TRIGGER}_u AFTER UPDATE ON ${table} FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION ${FUNCTION}(${args})`,
  ];
  const mark = fingerprint(`${SCHEMA_MARK}\n${create.join("\n")}`);
  return {
    mark,
    statements: [
      `DROP TRIGGER IF EXISTS ${TRIGGER} ON ${table}`,
      `DROP TRIGGER IF EXISTS ${TRIGGER}_u ON ${table}`,
      ...create,
      `COMMENT ON TRIGGER ${TRIGGER} ON ${table} IS ${quoteLiteral(mark)}`,
      `COMMENT ON TRIGGER ${TRIGGER}_u ON ${table} IS ${quoteLiteral(mark)}`,
    ],
  };
}

/** The marks of what is installed in the current schema: the function's, and each table's triggers'. */
const INSTALLED = `SELECT 'function' AS kind, '' AS table_name, obj_description(p.oid, 'pg_proc') AS mark
  FROM pg_proc p WHERE p.proname = '${FUNCTION}' AND p.pronamespace = current_schema()::regnamespace
UNION ALL
SELECT t.tgname::text, c.relname::text, obj_description(t.oid, 'pg_trigger')
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
  WHERE c.relnamespace = current_schema()::regnamespace AND t.tgname IN ('${TRIGGER}', '${TRIGGER}_u')`;

/** The statements still needed to make the installed outbox match `entities` (none when it does). */
async function pendingStatements(sql: Sql, entities: readonly EntitySchema[]): Promise<string[]> {
  const rows = await sql(INSTALLED);
  const schemaCurrent = rows.some((r) => r.kind === "function" && r.mark === SCHEMA_MARK);
  const pending = schemaCurrent ? [] : [...SCHEMA, `COMMENT ON FUNCTION ${FUNCTION}() IS ${quoteLiteral(SCHEMA_MARK)}`];
  for (const entity of entities) {
    const { mark, statements } = triggerStatements(entity);
    const marked = (name: string) => rows.some((r) => r.kind === name && r.table_name === fitIdentifier(entity.table) && r.mark === mark);
    if (!schemaCurrent || !marked(TRIGGER) || !marked(`${TRIGGER}_u`)) pending.push(...statements);
  }
  return pending;
}

const COLUMNS = `seq::float8 AS seq, entity, record_id, op, version::float8 AS version, (extract(epoch FROM at) * 1000)::float8 AS at_ms, before, after`;

function toEvent(source: string, row: Record<string, unknown>): ChangeEvent {
  const id = String(row.record_id);
  return {
    seq: Number(row.seq),
    source,
    entity: String(row.entity),
    id: /^-?\d+$/.test(id) ? Number(id) : id,
    op: row.op as ChangeOp,
    version: row.version === null ? null : Number(row.version),
    at: new Date(Number(row.at_ms)).toISOString(),
    before: parseJson(row.before),
    after: parseJson(row.after),
  };
}

function parseJson(value: unknown): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  return (typeof value === "string" ? JSON.parse(value) : value) as Record<string, unknown>;
}

/**
 * A NOTIFY payload: which process committed which events (a listener skips its own), or one of
 * this process's barriers coming back.
 */
interface Notice {
  from: string;
  seqs?: number[];
  barrier?: number;
}

function parseNotice(payload: string): Notice | undefined {
  try {
    const notice = JSON.parse(payload) as Notice;
    return typeof notice === "object" && notice !== null && typeof notice.from === "string" ? notice : undefined;
  } catch {
    return undefined;
  }
}

/**
 * ChangeListening.barrier for NOTIFY: this process NOTIFYs its own channel and waits to hear it.
 * PostgreSQL delivers notices in the order their transactions committed and the listener handles
 * them in that order, so once the barrier's notice is handled, so is every notice of a transaction
 * that committed before the barrier was sent — every write another process answered before this
 * read began. Calls that arrive while one barrier is out wait for the next (the one out may have
 * been sent before their request began) and share it. If the notice does not come back within
 * `waitMs` (the LISTEN connection is down), it resolves anyway; the redelivery poll catches up.
 */
class Barriers {
  private next = 0;
  private readonly waiting = new Map<number, () => void>();
  private out: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(
    private readonly processId: string,
    private readonly send: (payload: string) => Promise<void>,
    private readonly waitMs = 1_000,
  ) {}

  wait(): Promise<void> {
    if (this.out !== undefined) {
      this.queued ??= this.out.then(() => {
        this.queued = undefined;
        return this.wait();
      });
      return this.queued;
    }
    const id = ++this.next;
    const heard = new Promise<void>((resolve) => this.waiting.set(id, resolve));
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.waitMs)));
    const sent = this.send(JSON.stringify({ from: this.processId, barrier: id })).then(() => heard);
    this.out = Promise.race([sent.catch(() => undefined), limit]).finally(() => {
      clearTimeout(timer);
      this.waiting.delete(id);
      this.out = undefined;
    });
    return this.out;
  }

  /** Whether `notice` is one of this process's barriers (then it is done with). */
  arrived(notice: Notice): boolean {
    if (notice.from !== this.processId || typeof notice.barrier !== "number") return false;
    this.waiting.get(notice.barrier)?.();
    return true;
  }
}

/** Driver.changes for PostgreSQL. The driver calls `inTransaction` before COMMIT and `deliver` after it. */
export class PgChangeOutbox implements ChangeOutbox {
  private readonly listeners: Array<(events: readonly ChangeEvent[]) => void | Promise<void>> = [];
  private started: Promise<void> | undefined;
  private entities: EntitySchema[] = [];
  /** NOTIFY channel: one per schema, so apps in other schemas of the database do not wake. */
  private channel = "kova_changes";

  constructor(
    private readonly source: string,
    /** This process's id in NOTIFY payloads. */
    private readonly processId: string,
    /** Runs a statement on any connection (outside the caller's transaction). */
    private readonly sql: Sql,
    /** Runs statements in one transaction of their own. */
    private readonly transaction: (work: (sql: Sql) => Promise<void>) => Promise<void>,
    /** Opens the LISTEN connection (pg-listen.ts). */
    private readonly listenOn: (channel: string, onPayload: (payload: string) => void, onError: (error: Error) => void) => ChangeListening,
  ) {}

  /**
   * Other processes' committed events, woken by their NOTIFY (see ChangeOutbox.listen). Notices
   * are handled one after another, in the order PostgreSQL delivers them: the order their
   * transactions committed. That order is what `barrier()` stands on.
   */
  listen(onEvents: (events: readonly ChangeEvent[]) => void, onError: (error: Error) => void): ChangeListening {
    let listening: ChangeListening | undefined;
    let closed = false;
    let handled: Promise<void> = Promise.resolve();
    const barriers = new Barriers(this.processId, (payload) => this.sql("SELECT pg_notify($1, $2)", [this.channel, payload]).then(() => undefined));
    const heard = (payload: string) => {
      handled = handled
        .then(async () => {
          const notice = parseNotice(payload);
          if (notice === undefined || barriers.arrived(notice)) return;
          const events = await this.announced(notice);
          if (events.length > 0) onEvents(events);
        })
        .catch(onError);
    };
    // The channel is known once start() read the schema.
    const ready = this.start().then(() => {
      if (closed) return;
      listening = this.listenOn(this.channel, heard, onError);
    }, onError);
    return {
      get healthy() {
        return listening?.healthy ?? false;
      },
      barrier: () => (listening?.healthy === true ? barriers.wait() : Promise.resolve()),
      async close() {
        closed = true;
        await ready;
        await listening?.close();
      },
    };
  }

  get recording(): boolean {
    return this.started !== undefined;
  }

  onCommit(listener: (events: readonly ChangeEvent[]) => void | Promise<void>): void {
    this.listeners.push(listener);
    void this.start().catch(() => undefined);
  }

  ready(): Promise<void> {
    return this.start();
  }

  /** Creates the table and function and attaches the triggers (idempotent; once per process). */
  start(): Promise<void> {
    this.started ??= (async () => {
      const rows = await this.sql("SELECT current_schema() AS schema");
      this.channel = `kova_changes:${String(rows[0]?.schema ?? "public")}`;
      await this.install(this.entities);
    })();
    return this.started;
  }

  /** migrate() calls this with the entities it stored: their tables get triggers once recording. */
  async remember(entities: readonly EntitySchema[]): Promise<void> {
    const known = new Map(this.entities.map((e) => [e.name, e]));
    for (const entity of entities) known.set(entity.name, entity);
    this.entities = [...known.values()];
    if (this.started !== undefined) {
      await this.started;
      await this.install(entities);
    }
  }

  /** Brings the outbox and the entities' triggers up to date; takes no lock when they are. */
  private async install(entities: readonly EntitySchema[]): Promise<void> {
    if ((await pendingStatements(this.sql, entities)).length === 0) return;
    await this.transaction(async (sql) => {
      // Two processes starting at once would race on CREATE OR REPLACE / CREATE TRIGGER; the one
      // that waited reads again what the other installed.
      await sql("SELECT pg_advisory_xact_lock(hashtext('kova_changes'), hashtext(current_schema()))");
      for (const statement of await pendingStatements(sql, entities)) await sql(statement);
    });
  }

  /** Inside the committing transaction, right before COMMIT: its events, announced to listeners on commit. */
  async inTransaction(sql: Sql): Promise<ChangeEvent[]> {
    if (this.started === undefined) return [];
    await this.started;
    const rows = await sql(`SELECT ${COLUMNS} FROM ${OUTBOX_TABLE} WHERE tx = txid_current() AND delivered_at IS NULL ORDER BY seq`);
    if (rows.length === 0) return [];
    const events = rows.map((row) => toEvent(this.source, row));
    const notice: Notice = { from: this.processId, seqs: events.map((e) => e.seq) };
    // NOTIFY is transactional: listeners hear it only once (and only if) the transaction commits.
    // A payload is at most 8000 bytes: a large transaction announces its range instead.
    const payload = JSON.stringify(notice).length < 7900 ? notice : { from: this.processId, seqs: [events[0].seq, -events[events.length - 1].seq] };
    await sql("SELECT pg_notify($1, $2)", [this.channel, JSON.stringify(payload)]);
    return events;
  }

  /**
   * EMIT's statement (Driver.emit): the event as a row of the outbox in the running transaction,
   * so `inTransaction` reads it with the writes' events and it rolls back with them.
   */
  emitStatement(event: string, payload: Record<string, unknown>): { text: string; values: unknown[] } {
    return {
      text: `INSERT INTO ${OUTBOX_TABLE} (tx, entity, record_id, op, version, at, before, after) VALUES (txid_current(), $1, '', 'emit', NULL, date_trunc('milliseconds', clock_timestamp()), NULL, $2::jsonb)`,
      values: [event, JSON.stringify(payload)],
    };
  }

  /** After the commit: the transaction's events to the change feed. */
  async deliver(events: readonly ChangeEvent[]): Promise<void> {
    if (events.length === 0) return;
    for (const listener of this.listeners) await listener(events);
  }

  /** The NOTIFY channel (for the listen connection). */
  get notifyChannel(): string {
    return this.channel;
  }

  /** The events a NOTIFY announced, unless this process sent it (its own are delivered already). */
  async announced(notice: Notice): Promise<ChangeEvent[]> {
    if (notice.from === this.processId || !Array.isArray(notice.seqs) || notice.seqs.length === 0) return [];
    const range = notice.seqs.length === 2 && notice.seqs[1] < 0;
    const rows = range
      ? await this.sql(`SELECT ${COLUMNS} FROM ${OUTBOX_TABLE} WHERE seq BETWEEN $1 AND $2 ORDER BY seq`, [notice.seqs[0], -notice.seqs[1]])
      : await this.sql(`SELECT ${COLUMNS} FROM ${OUTBOX_TABLE} WHERE seq = ANY($1::bigint[]) ORDER BY seq`, [notice.seqs]);
    return rows.map((row) => toEvent(this.source, row));
  }

  async undelivered(after: number, limit: number): Promise<ChangeEvent[]> {
    await this.start();
    const rows = await this.sql(`SELECT ${COLUMNS} FROM ${OUTBOX_TABLE} WHERE delivered_at IS NULL AND seq > $1 ORDER BY seq LIMIT $2`, [after, limit]);
    return rows.map((row) => toEvent(this.source, row));
  }

  async markDelivered(seqs: readonly number[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.sql(`UPDATE ${OUTBOX_TABLE} SET delivered_at = now() WHERE seq = ANY($1::bigint[]) AND delivered_at IS NULL`, [seqs]);
  }

  async purge(before: number): Promise<number> {
    const rows = await this.sql(`WITH gone AS (DELETE FROM ${OUTBOX_TABLE} WHERE delivered_at IS NOT NULL AND delivered_at < to_timestamp($1::float8 / 1000) RETURNING 1) SELECT count(*)::int AS n FROM gone`, [before]);
    return Number(rows[0]?.n ?? 0);
  }
}
