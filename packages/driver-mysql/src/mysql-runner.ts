/**
 * Runs compiled MySQL/MariaDB statements on one connection (or the pool, for reads). Writes run
 * here inside a transaction the caller opened: MariaDB has no UPDATE/DELETE … RETURNING, so an
 * update locks its rows (SELECT id … FOR UPDATE), changes exactly those ids, copies them into the
 * history table and reads them back; a delete locks, reads, copies, then deletes.
 */
import { pageNeedsCount, selectResult, writesNothing, type EntitySchemas, type EntityWriteCodec, type HistoryEntry, type WriteRecord as AnyWriteRecord, type WriteValues } from "@kova/query";
import { bindParams, CodecCache, noRecordToSave, saveTarget, type WriteSlots } from "@kova/sql";
import type { CompiledRead, CompiledWrite, MysqlCompiledQuery, Param, ResultColumn, Statement } from "./mysql-compiled.js";
import { datetimeToIso, decodeRow, defaultValue, encodeFieldValue, encodeParam, epochToDatetime, type MysqlValue } from "./mysql-values.js";

type EntityCodec = EntityWriteCodec<MysqlValue>;
type WriteRecord = AnyWriteRecord<MysqlValue>;

/** The id a save names, read like a filter argument against the id column, as this driver always has. */
function readId(id: unknown): number | undefined {
  const encoded = encodeParam({ kind: "scalar", type: "id" }, id);
  return typeof encoded === "number" && Number.isSafeInteger(encoded) ? encoded : undefined;
}

/** What mysql2's pool and pool connections both offer (promise API). */
export interface Queryable {
  execute(options: { sql: string; values?: unknown[]; rowsAsArray?: boolean }): Promise<[unknown, unknown]>;
}

type WriteContext = WriteSlots & { at: string };

type Row = unknown[];

/** Versions written per INSERT (fewer for wide entities: a statement takes at most 65535 placeholders). */
const HISTORY_CHUNK = 500;

export class QueryRunner {
  private readonly codecs = new CodecCache<MysqlValue>({ encode: encodeFieldValue, defaultValue });

  /** `entities`: the schemas of the entities compiled queries name (learned by migrate()). */
  constructor(readonly entities: EntitySchemas) {}

  codec(compiled: CompiledWrite): EntityCodec {
    return this.codecs.codec(this.entities.get(compiled.plan.entity));
  }

  private bind(params: readonly Param[], args: readonly unknown[], write?: WriteContext): unknown[] {
    return bindParams(params, args, encodeParam, (set) => (set ? 1 : 0), write);
  }

  private async run(on: Queryable, statement: Statement, values: unknown[]): Promise<unknown> {
    // The time limit is the server's (max_statement_time, set per session): mysql2's client-side
    // `timeout` leaves its timer running when the connection dies, holding the process open.
    const [result] = await on.execute({ sql: statement.sql, values, rowsAsArray: true });
    return result;
  }

  async read(on: Queryable, compiled: CompiledRead, args: readonly unknown[]): Promise<unknown> {
    const rows = (await this.run(on, compiled.read, this.bind(compiled.read.params, args))) as Row[];
    if (compiled.kind === "history") return rows.map((row) => historyEntry(compiled.columns, row));
    if (compiled.single) return rows.length === 0 ? null : decodeRow(compiled.columns, rows[0]);
    const objects = rows.map((row) => decodeRow(compiled.columns, row));
    if (compiled.plan.kind !== "select" || compiled.plan.shape === undefined) return objects;
    const plan = compiled.plan;
    if (compiled.total === undefined || !pageNeedsCount(plan, objects, args)) return selectResult(plan, objects, undefined, args);
    const counted = (await this.run(on, compiled.total, this.bind(compiled.total.params, args))) as Row[];
    return selectResult(plan, objects, Number(counted[0][0]));
  }

  /**
   * Runs a write on `on`, which must be inside a transaction. `stamp` gives the write's instant
   * (epoch ms); it is taken after the rows are locked, so a write that waited for another one's
   * rows is stamped after that one committed: instants follow version order within a row's
   * history, whatever the number of processes.
   */
  async write(on: Queryable, compiled: CompiledWrite, args: readonly unknown[], stamp: () => number): Promise<unknown> {
    const codec = this.codec(compiled);
    const plan = compiled.plan;
    const instant = () => epochToDatetime(stamp());
    const columns = compiled.columns;
    const many = (rows: Row[]) => (compiled.single ? (rows.length === 0 ? null : decodeRow(columns, rows[0])) : rows.map((r) => decodeRow(columns, r)));
    switch (plan.kind) {
      case "insert":
        return decodeRow(columns, await this.insertRow(on, compiled, codec, codec.fromPlan(plan.values, args), stamp()));
      case "update": {
        // Values are checked before any row is locked.
        const record = codec.fromPlan(plan.values, args);
        const ids = await this.lock(on, compiled, args);
        if (ids.length === 0) return many([]);
        return many(await this.updateRows(on, compiled, codec, args, record, ids, instant()));
      }
      case "delete": {
        const ids = await this.lock(on, compiled, args);
        if (ids.length === 0) return many([]);
        const at = instant();
        const context: WriteContext = { values: [], positions: codec.positions, ids, at };
        const rows = (await this.run(on, compiled.fetch, this.bind(compiled.fetch.params, args, context))) as Row[];
        await this.recordVersions(on, compiled, "delete", rows, at);
        await this.run(on, compiled.delete!, this.bind(compiled.delete!.params, args, context));
        return many(rows);
      }
      case "save": {
        // A PUT (see @kova/query saveTarget): replace the row with that id, else a 404.
        const target = saveTarget(codec, codec.fromPlan(plan.values, args), readId, Date.now());
        if (target.kind === "insert") return decodeRow(columns, await this.insertRow(on, compiled, codec, target.record, stamp()));
        const ids = await this.lock(on, compiled, args, { values: [], positions: codec.positions, id: target.id, at: "" });
        if (ids.length === 0) throw noRecordToSave(codec.entity, target.id);
        return decodeRow(columns, (await this.updateRows(on, compiled, codec, args, { values: target.values, id: target.id }, ids, instant(), true))[0]);
      }
      default:
        throw new Error(`cannot write with a ${plan.kind} plan`);
    }
  }

  /** The ids of the rows the write touches, locked until the transaction ends. */
  private async lock(on: Queryable, compiled: CompiledWrite, args: readonly unknown[], context?: WriteContext): Promise<number[]> {
    const rows = (await this.run(on, compiled.lock!, this.bind(compiled.lock!.params, args, context))) as Row[];
    return rows.map((r) => Number(r[0]));
  }

  /** Inserts a new row (the store assigns its id) and records version "insert"; returns [id, …values]. */
  private async insertRow(on: Queryable, compiled: CompiledWrite, codec: EntityCodec, record: WriteRecord, atMs: number): Promise<Row> {
    const at = epochToDatetime(atMs);
    const values = codec.completeForInsert(record, atMs);
    const context: WriteContext = { values, positions: codec.positions, at };
    const result = (await this.run(on, compiled.insert!, this.bind(compiled.insert!.params, [], context))) as { insertId: number | string };
    const row = [Number(result.insertId), ...values];
    await this.recordVersions(on, compiled, "insert", [row], at);
    return row;
  }

  private async updateRows(
    on: Queryable,
    compiled: CompiledWrite,
    codec: EntityCodec,
    args: readonly unknown[],
    record: WriteRecord,
    ids: number[],
    at: string,
    /** A SAVE's replacement: always a version, even of an entity without fields. */
    replace = false,
  ): Promise<Row[]> {
    const context: WriteContext = { values: record.values, positions: codec.positions, ids, at };
    // An update that sets nothing (PATCH {}) changes nothing: the rows as they are, no version.
    const changes = replace || !writesNothing((compiled.plan as { values: WriteValues }).values, record);
    if (changes) await this.run(on, compiled.update!, this.bind(compiled.update!.params, args, context));
    const rows = (await this.run(on, compiled.fetch, this.bind(compiled.fetch.params, args, context))) as Row[];
    if (changes) await this.recordVersions(on, compiled, "update", rows, at);
    return rows;
  }

  /** Writes one version per row ([id, …field values] as stored), in chunks of multi-row INSERTs. */
  private async recordVersions(on: Queryable, compiled: CompiledWrite, op: "insert" | "update" | "delete", rows: Row[], at: string): Promise<void> {
    if (compiled.history === undefined) return; // NO HISTORY
    const { prefix, tuple, secret } = compiled.history;
    const perChunk = Math.max(1, Math.min(HISTORY_CHUNK, Math.floor(60_000 / (this.entities.get(compiled.plan.entity).fields.length + 2))));
    for (let start = 0; start < rows.length; start += perChunk) {
      const chunk = rows.slice(start, start + perChunk);
      const values: unknown[] = [];
      for (const row of chunk) {
        const fields = row.slice(1);
        for (const i of secret ?? []) fields[i] = null;
        values.push(row[0], at, ...fields);
      }
      await this.run(on, { sql: prefix + chunk.map(() => tuple[op]).join(", "), params: [] }, values);
    }
  }
}

export function isWrite(compiled: MysqlCompiledQuery): compiled is CompiledWrite {
  return compiled.kind !== "select" && compiled.kind !== "history";
}

/** [version, op, at, id, …fields] → HistoryEntry. */
function historyEntry(columns: readonly ResultColumn[], row: Row): HistoryEntry {
  return {
    version: Number(row[0]),
    operation: row[1] as HistoryEntry["operation"],
    at: datetimeToIso(String(row[2])),
    data: decodeRow(columns, row, 3),
  };
}
