/**
 * Runs compiled SQLite statements on an open database (better-sqlite3, or SQLite WASM in the
 * playground: sqlite-database.ts), synchronously. Each compiled
 * query is prepared once (statements cached by SQL text, bundles cached per compiled object); each
 * write and the versions it records run in one transaction.
 */
import type { SqliteDatabase, SqliteStatement } from "./sqlite-database.js";
import { cursorKey, fullColumns, pageNeedsCount, QueryError, secretFields, selectResult, TOTAL_COLUMN, writesNothing, type WriteValues, type EntitySchema, type EntitySchemas, type EntityWriteCodec, type HistoryEntry, type WriteRecord as AnyWriteRecord } from "@kova/query";
import { CodecCache, decodeNested, InstantClock, noRecordToSave, saveTarget } from "@kova/sql";
import { historyColumn, historyTable, quoteIdent, type CompiledRead, type CompiledWrite, type Param, type ResultColumn, type SqliteCompiledQuery, type Statement } from "./sqlite-compiled.js";
import type { Outbox } from "./sqlite-outbox.js";
import { convertedColumns, decodeValue, defaultValue, encodeFieldValue, encodeParam, type SqliteValue } from "./sqlite-values.js";

type EntityCodec = EntityWriteCodec<SqliteValue>;
type WriteRecord = AnyWriteRecord<SqliteValue>;

/**
 * The id a save names, read like a filter argument against the id column (digits without spaces,
 * true as 1), as this driver always has; the other drivers read ids their own way.
 */
function readId(id: unknown): number | bigint | undefined {
  const encoded = encodeParam({ kind: "scalar", type: "id" }, id);
  return typeof encoded === "number" && Number.isSafeInteger(encoded) ? encoded : undefined;
}

type Row = Record<string, unknown>;

/** What a write statement's `value`/`present`/`id`/`at` placeholders read. */
interface WriteContext {
  values: ReadonlyArray<SqliteValue | undefined>;
  id: unknown;
  at: number;
}

interface Bound {
  statement: SqliteStatement;
  params: Param[];
  /** For `value`/`present` params: the field's position in the record. */
  positions: number[];
}

interface PreparedRead {
  kind: "read";
  compiled: CompiledRead;
  bound: Bound;
  converted: ResultColumn[];
}

interface PreparedWrite {
  kind: "write";
  compiled: CompiledWrite;
  codec: EntityCodec;
  insert?: Bound;
  update?: Bound;
  delete?: Bound;
  /** null for an entity marked NO HISTORY: its writes record no versions. */
  history: { insert: Bound; update: Bound; delete: Bound } | null;
  /** The entity's last recorded instant (read inside the write's transaction in a shared file). */
  lastAt: SqliteStatement;
  /** Whether the entity has reference fields, whose targets a write must find. */
  references: boolean;
  /** The latest version of a record, as [id, …fields] (the before of an update's change event). */
  previous: SqliteStatement | null;
  /** Field names left out of change events (SECRET). */
  secret: string[];
}

type Prepared = PreparedRead | PreparedWrite;

/** `D` is the database type the caller opened (better-sqlite3's Database on Node), handed back as `db`. */
export class QueryRunner<D extends SqliteDatabase = SqliteDatabase> {
  private readonly statements = new Map<string, SqliteStatement>();
  private readonly prepared = new WeakMap<object, Prepared>();
  private readonly codecs = new CodecCache<SqliteValue>({ encode: encodeFieldValue, defaultValue });
  private readonly inTransaction: (work: () => unknown) => unknown;
  private readonly clock: InstantClock;

  constructor(
    readonly db: D,
    /** The latest write instant recorded in the file (epoch ms); writes never go back in time. */
    lastInstant: number,
    /** The schemas of the entities compiled queries name. */
    private readonly entities: EntitySchemas,
    /**
     * Other processes may write the file too (`kova run --workers N`, locking "shared"). Each
     * write then takes the write lock first (BEGIN IMMEDIATE) and stamps its instant no earlier
     * than the entity's last recorded one, so instants follow version order across processes.
     */
    private readonly shared = false,
    /** Where each write's change event is recorded, in its transaction (when the runtime listens). */
    readonly outbox?: Outbox,
  ) {
    this.clock = new InstantClock(lastInstant);
    // better-sqlite3 turns a nested call into a SAVEPOINT, so this also works inside transaction().
    const transaction = db.transaction((work: () => unknown) => work());
    this.inTransaction = shared ? transaction.immediate : transaction;
  }

  /**
   * A write's instant, taken inside its transaction. In a shared file another process may have
   * recorded a later instant (its clock ahead, or it stamped later but committed first): the
   * instant is then raised to that one, never earlier than the entity's last version.
   */
  private stamp(prepared: PreparedWrite): number {
    const at = this.clock.next();
    if (!this.shared) return at;
    const last = prepared.lastAt.get() as number | undefined;
    if (last === undefined || last <= at) return at;
    this.clock.note(last);
    return last;
  }

  nextInstant(): number {
    return this.clock.next();
  }

  noteInstant(at: number): void {
    this.clock.note(at);
  }

  statement(sql: string): SqliteStatement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  codec(entity: EntitySchema): EntityCodec {
    return this.codecs.codec(entity);
  }

  private bind(statement: Statement, codec: EntityCodec | undefined, raw: boolean): Bound {
    const prepared = this.statement(statement.sql);
    if (prepared.reader) prepared.raw(raw);
    const positions = statement.params.map((p) => (p.from === "value" || p.from === "present" ? codec!.position(p.field) : -1));
    return { statement: prepared, params: statement.params, positions };
  }

  private prepare(compiled: SqliteCompiledQuery): Prepared {
    let prepared = this.prepared.get(compiled);
    if (prepared !== undefined) return prepared;
    if (compiled.dialect !== "sqlite") {
      throw new Error(`the embedded store runs SQLite statements, not ${String(compiled.dialect)} ones`);
    }
    if (compiled.kind === "select" || compiled.kind === "history") {
      // History rows are read as arrays (they are reshaped anyway); selects as objects whose keys
      // are already id-first in column order.
      const read = compiled as CompiledRead;
      const bound = this.bind(read.read, undefined, read.kind === "history");
      prepared = { kind: "read", compiled: read, bound, converted: convertedColumns(read.columns) };
    } else {
      const write = compiled as CompiledWrite;
      const codec = this.codec(this.entities.get(write.plan.entity));
      const bind = (s: Statement | undefined, raw = true) => (s === undefined ? undefined : this.bind(s, codec, raw));
      prepared = {
        kind: "write",
        compiled: write,
        codec,
        insert: bind(write.insert),
        update: bind(write.update),
        delete: bind(write.delete),
        history: write.history === undefined ? null : { insert: bind(write.history.insert)!, update: bind(write.history.update)!, delete: bind(write.history.delete)! },
        lastAt: this.statement(`SELECT "at" FROM ${quoteIdent(historyTable(codec.entity))} ORDER BY "version" DESC LIMIT 1`).pluck(),
        references: codec.entity.fields.some((f) => f.references !== undefined),
        previous:
          write.history === undefined
            ? null
            : this.statement(`SELECT "id", ${codec.entity.fields.map((f) => quoteIdent(historyColumn(f.name))).join(", ")} FROM ${quoteIdent(historyTable(codec.entity))} WHERE "id" = ? ORDER BY "version" DESC LIMIT 1`),
        secret: codec.entity.fields.filter((f) => f.secret === true).map((f) => f.name),
      };
    }
    this.prepared.set(compiled, prepared);
    return prepared;
  }

  private values(bound: Bound, args: readonly unknown[], write?: WriteContext): unknown[] {
    const params = bound.params;
    const out = new Array<unknown>(params.length);
    for (let i = 0; i < params.length; i++) {
      const p = params[i];
      switch (p.from) {
        case "arg":
          out[i] = encodeParam(p.encoding, args[p.index]);
          break;
        case "cursor":
          out[i] = encodeParam(p.encoding, cursorKey(args[p.index], p.position, p.count, p.field));
          break;
        case "literal":
          out[i] = p.value;
          break;
        case "value":
          out[i] = write!.values[bound.positions[i]] ?? null;
          break;
        case "present":
          out[i] = write!.values[bound.positions[i]] === undefined ? 0 : 1;
          break;
        case "id":
          out[i] = write!.id;
          break;
        case "at":
          out[i] = write!.at;
          break;
      }
    }
    return out;
  }

  run(compiled: SqliteCompiledQuery, args: readonly unknown[]): unknown {
    const prepared = this.prepare(compiled);
    if (prepared.kind === "read") return this.read(prepared, args);
    const mark = this.outbox?.mark() ?? 0;
    try {
      return this.inTransaction(() => this.write(prepared, args));
    } catch (error) {
      // The write's savepoint rolled back: so do the events it recorded.
      this.outbox?.rollbackTo(mark);
      throw error;
    }
  }

  private read(prepared: PreparedRead, args: readonly unknown[]): unknown {
    const { bound, compiled, converted } = prepared;
    const values = this.values(bound, args);
    if (compiled.kind === "history") {
      return (bound.statement.all(values) as unknown[][]).map((row) => historyEntry(compiled.columns, row));
    }
    if (compiled.single) {
      const row = bound.statement.get(values) as Row | undefined;
      return row === undefined ? null : convert(row, converted);
    }
    const rows = bound.statement.all(values) as Row[];
    if (converted.length > 0) for (const row of rows) convert(row, converted);
    if (compiled.plan.kind !== "select" || compiled.plan.shape === undefined) return rows;
    const plan = compiled.plan;
    if (compiled.total === undefined || !pageNeedsCount(plan, rows, args)) return selectResult(plan, rows, undefined, args);
    const counted = this.bind(compiled.total, undefined, false);
    const total = (counted.statement.get(this.values(counted, args)) as Row)[TOTAL_COLUMN] as number;
    return selectResult(plan, rows, total);
  }

  private write(prepared: PreparedWrite, args: readonly unknown[]): unknown {
    const { compiled, codec } = prepared;
    const plan = compiled.plan;
    const at = this.stamp(prepared);
    const columns = compiled.columns;
    try {
      switch (plan.kind) {
        case "insert":
          return decodeRow(columns, this.insertRow(prepared, codec.fromPlan(plan.values, args), at));
        case "update": {
          const record = codec.fromPlan(plan.values, args);
          const rows = this.updateRows(prepared, prepared.update!, args, record, at);
          return compiled.single ? (rows.length === 0 ? null : decodeRow(columns, rows[0])) : rows.map((r) => decodeRow(columns, r));
        }
        case "delete": {
          const rows = prepared.delete!.statement.all(this.values(prepared.delete!, args)) as SqliteValue[][];
          for (const row of rows) this.change(prepared, "delete", row, this.recordVersion(prepared.history?.delete, row, at), at, row);
          return compiled.single ? (rows.length === 0 ? null : decodeRow(columns, rows[0])) : rows.map((r) => decodeRow(columns, r));
        }
        case "save": {
          // A PUT (see @kova/query saveTarget): replace the record with that id, else a 404.
          const target = saveTarget(codec, codec.fromPlan(plan.values, args), readId, at);
          if (target.kind === "insert") return decodeRow(columns, this.insertRow(prepared, target.record, at));
          const update = prepared.update!;
          if (prepared.references) this.checkParents(codec.entity, codec, target.values);
          const rows = update.statement.all(this.values(update, args, { values: target.values, id: target.id, at })) as SqliteValue[][];
          if (rows.length === 0) throw noRecordToSave(codec.entity, target.id);
          const before = this.before(prepared, rows[0]);
          this.change(prepared, "update", rows[0], this.recordVersion(prepared.history?.update, rows[0], at), at, before);
          return decodeRow(columns, rows[0]);
        }
        default:
          throw new Error(`cannot write with a ${plan.kind} plan`);
      }
    } catch (error) {
      throw translateConstraint(error, codec.entity);
    }
  }

  /**
   * References are enforced here, in the write's transaction: every reference the write sets to a
   * value must name a stored record (SQLite's own FOREIGN KEYs cannot be added to existing tables).
   */
  private checkParents(entity: EntitySchema, codec: EntityCodec, values: ReadonlyArray<SqliteValue | undefined>): void {
    for (const field of entity.fields) {
      if (field.references === undefined) continue;
      const value = values[codec.position(field.name)];
      if (value === undefined || value === null) continue;
      // A reference to an entity of another data source cannot be checked here (nor by any database).
      const parent = this.entities.find(field.references);
      if (parent === undefined) continue;
      if (this.statement(`SELECT 1 FROM ${quoteIdent(parent.table)} WHERE "id" = ?`).pluck().get(value) === undefined) {
        throw new QueryError(`no ${parent.name} has id ${String(value)}, so ${entity.name}.${field.name} cannot refer to it`, 409, field.name, [field.name]);
      }
    }
  }

  /** Inserts a new row (the store assigns its id) and records version "insert"; returns [id, …values]. */
  private insertRow(prepared: PreparedWrite, record: WriteRecord, at: number): SqliteValue[] {
    const values = prepared.codec.completeForInsert(record, at);
    if (prepared.references) this.checkParents(prepared.codec.entity, prepared.codec, values);
    const insert = prepared.insert!;
    const result = insert.statement.run(this.values(insert, [], { values, id: undefined, at }));
    const row: SqliteValue[] = [Number(result.lastInsertRowid), ...values];
    this.change(prepared, "insert", row, this.recordVersion(prepared.history?.insert, row, at), at, null);
    return row;
  }

  private updateRows(prepared: PreparedWrite, update: Bound, args: readonly unknown[], record: WriteRecord, at: number): SqliteValue[][] {
    if (prepared.references) this.checkParents(prepared.codec.entity, prepared.codec, record.values);
    const rows = update.statement.all(this.values(update, args, { values: record.values, id: record.id, at })) as SqliteValue[][];
    // An update that sets nothing (PATCH {}) changes nothing: no version.
    if (!writesNothing((prepared.compiled.plan as { values: WriteValues }).values, record)) {
      for (const row of rows) {
        const before = this.before(prepared, row);
        this.change(prepared, "update", row, this.recordVersion(prepared.history?.update, row, at), at, before);
      }
    }
    return rows;
  }

  /** The record's latest version before this write (null when not recording, or NO HISTORY). */
  private before(prepared: PreparedWrite, row: SqliteValue[]): SqliteValue[] | null {
    if (this.outbox?.recording !== true || prepared.previous === null) return null;
    return (prepared.previous.raw(true).get(row[0]) as SqliteValue[] | undefined) ?? null;
  }

  /**
   * Records the insert events of rows a batch wrote ([id, …values] as stored; versions consecutive
   * from `firstVersion`, null for NO HISTORY), in the batch's transaction, like single inserts.
   */
  changeInserts(entity: EntitySchema, rows: readonly SqliteValue[][], firstVersion: number | null, at: number): void {
    const outbox = this.outbox;
    if (outbox?.recording !== true) return;
    const columns = fullColumns(entity);
    const secret = secretFields(entity);
    rows.forEach((row, i) => {
      const after = decodeRow(columns, row);
      for (const name of secret) delete after[name];
      outbox.record(entity.name, row[0], "insert", firstVersion === null ? null : firstVersion + i, at, null, after);
    });
  }

  /** Whether the outbox records events now, and where its pending events stand (see Outbox.mark). */
  outboxMark(): number {
    return this.outbox?.mark() ?? 0;
  }

  outboxRollbackTo(mark: number): void {
    this.outbox?.rollbackTo(mark);
  }

  /** Records the write's change event in the outbox (in this transaction), SECRET fields left out. */
  private change(prepared: PreparedWrite, op: "insert" | "update" | "delete", row: SqliteValue[], version: number | null, at: number, before: SqliteValue[] | null): void {
    const outbox = this.outbox;
    if (outbox?.recording !== true) return;
    const columns = prepared.compiled.columns;
    const payload = (values: SqliteValue[] | null): Row | null => {
      if (values === null) return null;
      const out = decodeRow(columns, values);
      for (const name of prepared.secret) delete out[name];
      return out;
    };
    const entity = prepared.codec.entity.name;
    if (op === "delete") outbox.record(entity, row[0], op, version, at, payload(before), null);
    else outbox.record(entity, row[0], op, version, at, payload(before), payload(row));
  }

  /** Writes one version; `row` is [id, …field values] as stored. */
  private recordVersion(history: Bound | undefined, row: SqliteValue[], at: number): number | null {
    if (history === undefined) return null;
    return Number(history.statement.run(this.values(history, [], { values: row.slice(1), id: row[0], at })).lastInsertRowid);
  }
}

function convert(row: Row, converted: readonly ResultColumn[]): Row {
  for (const column of converted) row[column.name] = column.nested ? decodeNested(column, row[column.name]) : decodeValue(column.type, row[column.name]);
  return row;
}

function decodeRow(columns: readonly ResultColumn[], row: readonly unknown[]): Row {
  const out: Row = {};
  for (let i = 0; i < columns.length; i++) out[columns[i].name] = columns[i].nested ? decodeNested(columns[i], row[i]) : decodeValue(columns[i].type, row[i]);
  return out;
}

/** [version, op, at, id, …fields] → HistoryEntry. */
function historyEntry(columns: readonly ResultColumn[], row: readonly unknown[]): HistoryEntry {
  return {
    version: row[0] as number,
    operation: row[1] as HistoryEntry["operation"],
    at: new Date(row[2] as number).toISOString(),
    data: decodeRow(columns, row.slice(3)),
  };
}

/** A UNIQUE violation is the client's conflict (409, naming the fields); anything else passes through. */
export function translateConstraint(error: unknown, entity: EntitySchema): unknown {
  if (error instanceof Error && (error as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") {
    // "UNIQUE constraint failed: follow.follower, follow.followee"
    const match = /UNIQUE constraint failed: (.+)$/.exec(error.message);
    const fields = (match?.[1] ?? "unknown").split(",").map((column) => column.trim().replace(/^[^.]*\./, ""));
    return uniqueViolation(entity, fields);
  }
  return error;
}

/** The 409 for a record that would share its UNIQUE value(s) with another: it names the fields and the entity. */
export function uniqueViolation(entity: EntitySchema, fields: readonly string[]): QueryError {
  const what = fields.length === 1 ? fields[0] : `(${fields.join(", ")})`;
  return new QueryError(`a ${entity.name} with this ${what} already exists`, 409, fields[0], fields);
}
