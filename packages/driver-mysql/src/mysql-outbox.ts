/**
 * MySQL/MariaDB's change-event outbox (see ChangeEvent in @kova/query): the table `_kova_changes`
 * and row triggers that write each write's event into it, in the write's transaction — single
 * writes, endpoint transactions and cascades alike — so it rolls back with the write.
 *
 * An entity with history gets one trigger on its HISTORY table: every version written is one event
 * (op, version and instant from the version; `after` its fields, `before` the previous version's, or
 * for a delete the deleted row's). The history keeps no SECRET value, and the event leaves SECRET
 * fields out. An entity marked NO HISTORY gets insert/update/delete triggers on its live table
 * (version null). Each event carries the session variable @kova_tx, set by the driver when it opens
 * a transaction, so the driver reads its own transaction's events before COMMIT and hands them to
 * the change feed after it. MySQL has no NOTIFY: other processes hear of them through Redis when
 * configured, else the feed's poll.
 */
import { keepsHistory, type ChangeEvent, type ChangeOp, type ChangeOutbox, type EntitySchema, type FieldSchema } from "@kova/query";
import { historyColumn, historyTable, identifier, quoteIdent } from "./mysql-compiled.js";
import { datetimeToIso } from "./mysql-values.js";

export const OUTBOX_TABLE = "_kova_changes";

/** Runs one statement (text protocol: trigger DDL cannot be prepared) and returns its rows as objects. */
export type Sql = (text: string, values?: unknown[]) => Promise<Array<Record<string, unknown>>>;

const TABLE = `CREATE TABLE IF NOT EXISTS ${OUTBOX_TABLE} (
  seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tx VARCHAR(64) NULL,
  entity VARCHAR(255) NOT NULL,
  record_id VARCHAR(64) NOT NULL,
  op VARCHAR(6) NOT NULL,
  version BIGINT NULL,
  at DATETIME(3) NOT NULL,
  \`before\` JSON NULL,
  \`after\` JSON NULL,
  delivered_at DATETIME(3) NULL,
  KEY ${OUTBOX_TABLE}_pending (delivered_at, seq),
  KEY ${OUTBOX_TABLE}_tx (tx)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`;

const literal = (text: string) => `'${text.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;

/**
 * JSON_OBJECT('id', r.id, 'field', r.`column`, …) of the non-SECRET fields. Text columns are given
 * one explicit collation: the table's (nopad_bin) and a JSON column's (utf8mb4_bin, MariaDB) would
 * otherwise be an "illegal mix of collations" in one call.
 */
function jsonObject(entity: EntitySchema, row: string, history: boolean): string {
  const fields = entity.fields.filter((f) => f.secret !== true);
  const value = (f: FieldSchema) => {
    const column = `${row}.${quoteIdent(history ? historyColumn(f.name) : f.name)}`;
    return (f.type === "string" || f.type === "uuid") && f.items === undefined ? `${column} COLLATE utf8mb4_bin` : column;
  };
  const pairs = [`'id', ${row}.\`id\``, ...fields.map((f) => `${literal(f.name)}, ${value(f)}`)];
  return `JSON_OBJECT(${pairs.join(", ")})`;
}

function insertEvent(entity: EntitySchema, values: { id: string; op: string; version: string; at: string; before: string; after: string }): string {
  return (
    `INSERT INTO ${OUTBOX_TABLE} (tx, entity, record_id, op, version, at, \`before\`, \`after\`) ` +
    `VALUES (@kova_tx, ${literal(entity.name)}, ${values.id}, ${values.op}, ${values.version}, ${values.at}, ${values.before}, ${values.after})`
  );
}

/** One trigger Kova wants: its name and table (as stored) and its body (what follows FOR EACH ROW). */
interface WantedTrigger {
  name: string;
  table: string;
  timing: string;
  body: string;
}

/** The triggers an entity's events need. */
function wantedTriggers(entity: EntitySchema): WantedTrigger[] {
  const name = (suffix: string) => identifier(`${entity.table}__kova_changes_${suffix}`);
  if (keepsHistory(entity)) {
    const history = quoteIdent(historyTable(entity));
    const previous = `(SELECT ${jsonObject(entity, "p", true)} FROM ${history} AS p WHERE p.\`id\` = NEW.\`id\` AND p.\`version\` < NEW.\`version\` ORDER BY p.\`version\` DESC LIMIT 1)`;
    const own = jsonObject(entity, "NEW", true);
    const body = insertEvent(entity, {
      id: "NEW.`id`",
      op: "NEW.`op`",
      version: "NEW.`version`",
      at: "NEW.`at`",
      before: `CASE NEW.\`op\` WHEN 'insert' THEN NULL WHEN 'delete' THEN ${own} ELSE ${previous} END`,
      after: `CASE NEW.\`op\` WHEN 'delete' THEN NULL ELSE ${own} END`,
    });
    return [{ name: name("h"), table: historyTable(entity), timing: "AFTER INSERT", body }];
  }
  const now = "UTC_TIMESTAMP(3)";
  return [
    { name: name("i"), table: entity.table, timing: "AFTER INSERT", body: insertEvent(entity, { id: "NEW.`id`", op: "'insert'", version: "NULL", at: now, before: "NULL", after: jsonObject(entity, "NEW", false) }) },
    { name: name("u"), table: entity.table, timing: "AFTER UPDATE", body: insertEvent(entity, { id: "NEW.`id`", op: "'update'", version: "NULL", at: now, before: jsonObject(entity, "OLD", false), after: jsonObject(entity, "NEW", false) }) },
    { name: name("d"), table: entity.table, timing: "AFTER DELETE", body: insertEvent(entity, { id: "OLD.`id`", op: "'delete'", version: "NULL", at: now, before: jsonObject(entity, "OLD", false), after: "NULL" }) },
  ];
}

/** The triggers of this database as installed: name → table, timing and body. */
type InstalledTriggers = Map<string, { table: string; timing: string; body: string }>;

async function installedTriggers(sql: Sql): Promise<InstalledTriggers> {
  const rows = await sql(
    "SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS `table`, CONCAT(ACTION_TIMING, ' ', EVENT_MANIPULATION) AS timing, ACTION_STATEMENT AS body " +
      "FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME LIKE '%\\_\\_kova\\_changes\\_%'",
  );
  return new Map(rows.map((r) => [String(r.name), { table: String(r.table), timing: String(r.timing), body: String(r.body) }]));
}

/**
 * The statements that make an entity's triggers what its events need: none when they already are.
 * Dropping and creating them on every start took each table's metadata lock, so a second process's
 * start waited behind the first one's open transactions, and every query on the table behind it.
 */
function triggerStatements(entity: EntitySchema, installed: InstalledTriggers): string[] {
  const wanted = wantedTriggers(entity);
  const prefix = identifier(`${entity.table}__kova_changes_`);
  const ours = [...installed.keys()].filter((name) => name.startsWith(prefix));
  const current =
    ours.length === wanted.length &&
    wanted.every((w) => {
      const found = installed.get(w.name);
      return found !== undefined && found.table === w.table && found.timing === w.timing && found.body === w.body;
    });
  if (current) return [];
  return [
    ...["h", "i", "u", "d"].map((s) => `DROP TRIGGER IF EXISTS ${quoteIdent(identifier(`${entity.table}__kova_changes_${s}`))}`),
    ...wanted.map((w) => `CREATE TRIGGER ${quoteIdent(w.name)} ${w.timing} ON ${quoteIdent(w.table)} FOR EACH ROW ${w.body}`),
  ];
}

const COLUMNS = "seq, entity, record_id, op, version, at, `before`, `after`";

/** Driver.changes for MySQL/MariaDB. The driver calls `begin` after START TRANSACTION, `inTransaction` before COMMIT and `deliver` after. */
export class MysqlChangeOutbox implements ChangeOutbox {
  private readonly listeners: Array<(events: readonly ChangeEvent[]) => void | Promise<void>> = [];
  private started: Promise<void> | undefined;
  private entities = new Map<string, EntitySchema>();

  constructor(
    private readonly source: string,
    /** Runs a statement on any pooled connection. */
    private readonly sql: Sql,
    /** Runs statements on one connection of their own (holding the install lock). */
    private readonly session: (work: (sql: Sql) => Promise<void>) => Promise<void>,
  ) {}

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

  private start(): Promise<void> {
    this.started ??= this.install([...this.entities.values()]);
    return this.started;
  }

  /** migrate() calls this with the entities it stored: their tables get triggers once recording. */
  async remember(entities: readonly EntitySchema[]): Promise<void> {
    for (const entity of entities) this.entities.set(entity.name, entity);
    if (this.started !== undefined) {
      await this.started;
      await this.install(entities);
    }
  }

  private install(entities: readonly EntitySchema[]): Promise<void> {
    return this.session(async (sql) => {
      await sql(TABLE);
      const pending = (installed: InstalledTriggers) => entities.flatMap((entity) => triggerStatements(entity, installed));
      if (pending(await installedTriggers(sql)).length === 0) return;
      // Two processes starting at once would race on DROP/CREATE TRIGGER; the one that waited
      // reads again what the other installed.
      await sql("SELECT GET_LOCK('kova_changes', 60)");
      try {
        for (const statement of pending(await installedTriggers(sql))) await sql(statement);
      } finally {
        await sql("SELECT RELEASE_LOCK('kova_changes')");
      }
    });
  }

  /** The value for @kova_tx of a transaction that is opening (null while not recording). */
  begin(): string | null {
    return this.started === undefined ? null : `${process.pid}:${Date.now().toString(36)}:${Math.random().toString(36).slice(2)}`;
  }

  /**
   * EMIT's statement (Driver.emit): the event as a row of the outbox, tagged with the running
   * transaction's @kova_tx, so `inTransaction` reads it with the writes' events and it rolls back with them.
   */
  emitStatement(event: string, payload: Record<string, unknown>): { text: string; values: unknown[] } {
    return {
      text: `INSERT INTO ${OUTBOX_TABLE} (tx, entity, record_id, op, version, at, \`before\`, \`after\`) VALUES (@kova_tx, ?, '', 'emit', NULL, UTC_TIMESTAMP(3), NULL, ?)`,
      values: [event, JSON.stringify(payload)],
    };
  }

  /** Inside the committing transaction, right before COMMIT: its events. */
  async inTransaction(sql: Sql, tx: string): Promise<ChangeEvent[]> {
    await this.started;
    const rows = await sql(`SELECT ${COLUMNS} FROM ${OUTBOX_TABLE} WHERE tx = ? AND delivered_at IS NULL ORDER BY seq`, [tx]);
    return rows.map((row) => this.toEvent(row));
  }

  async deliver(events: readonly ChangeEvent[]): Promise<void> {
    if (events.length === 0) return;
    for (const listener of this.listeners) await listener(events);
  }

  async undelivered(after: number, limit: number): Promise<ChangeEvent[]> {
    await this.start();
    const rows = await this.sql(`SELECT ${COLUMNS} FROM ${OUTBOX_TABLE} WHERE delivered_at IS NULL AND seq > ? ORDER BY seq LIMIT ${Math.max(1, Math.floor(limit))}`, [after]);
    return rows.map((row) => this.toEvent(row));
  }

  async markDelivered(seqs: readonly number[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.sql(`UPDATE ${OUTBOX_TABLE} SET delivered_at = UTC_TIMESTAMP(3) WHERE seq IN (${seqs.map(() => "?").join(", ")}) AND delivered_at IS NULL`, [...seqs]);
  }

  async purge(before: number): Promise<number> {
    const rows = await this.sql(`DELETE FROM ${OUTBOX_TABLE} WHERE delivered_at IS NOT NULL AND delivered_at < ?`, [new Date(before).toISOString().slice(0, 23).replace("T", " ")]);
    return Number((rows as unknown as { affectedRows?: number }).affectedRows ?? 0);
  }

  private toEvent(row: Record<string, unknown>): ChangeEvent {
    const entity = this.entities.get(String(row.entity));
    const id = String(row.record_id);
    return {
      seq: Number(row.seq),
      source: this.source,
      entity: String(row.entity),
      id: /^-?\d+$/.test(id) ? Number(id) : id,
      op: row.op as ChangeOp,
      version: row.version === null ? null : Number(row.version),
      at: datetimeToIso(String(row.at)),
      before: decode(entity, row.before),
      after: decode(entity, row.after),
    };
  }
}

/** JSON_OBJECT's values as Kova's: booleans are TINYINT 0/1 there, datetimes DATETIME text. */
function decode(entity: EntitySchema | undefined, value: unknown): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  const record = (typeof value === "string" ? JSON.parse(value) : value) as Record<string, unknown>;
  for (const field of entity?.fields ?? []) {
    const v = record[field.name];
    if (v === null || v === undefined) continue;
    if (field.type === "boolean" && (field as FieldSchema).items === undefined) record[field.name] = v === 1 || v === true;
    else if (field.type === "datetime" && typeof v === "string") record[field.name] = datetimeToIso(v);
    else if (field.type === "json" && typeof v === "string") record[field.name] = safeParse(v);
  }
  return record;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
