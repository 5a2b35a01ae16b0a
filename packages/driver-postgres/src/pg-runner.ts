/**
 * Runs compiled PostgreSQL statements on the pool or a transaction's connection. Each statement is
 * prepared once per connection (by the client layer, pg-pool.ts) and returns rows as arrays, which
 * are shaped into objects in the compiled column order (`id` first).
 */
import { integerId, pageNeedsCount, selectResult, writesNothing, type EntitySchema, type EntitySchemas, type EntityWriteCodec, type HistoryEntry, type WriteRecord as AnyWriteRecord } from "@kova/query";
import { bindParams, CodecCache, decodeNested, noRecordToSave, saveTarget } from "@kova/sql";
import type { Param, PgCompiledQuery, PgCompiledRead, PgCompiledWrite, PgStatement, ResultColumn } from "./pg-compiled.js";
import { translateError } from "./pg-errors.js";
import type { PgSession } from "./pg-pool.js";
import { defaultValue, encodeFieldValue, encodeParam, type PgValue } from "./pg-values.js";

type EntityCodec = EntityWriteCodec<PgValue>;
type WriteRecord = AnyWriteRecord<PgValue>;

export type Queryable = Pick<PgSession, "arrays">;

type Row = Record<string, unknown>;


export class PgRunner {
  private readonly codecs = new CodecCache<PgValue>({ encode: encodeFieldValue, defaultValue });

  constructor(
    /** The dialect whose statements this runner accepts. */
    private readonly dialect: string,
    /** The data source's name, for error messages. */
    private readonly source: string,
    /** The schemas of the entities compiled queries name (learned by migrate()). */
    private readonly entities: EntitySchemas,
  ) {}

  private codec(entity: EntitySchema): EntityCodec {
    return this.codecs.codec(entity);
  }

  private values(
    params: readonly Param[],
    args: readonly unknown[],
    codec?: EntityCodec,
    write?: { values: ReadonlyArray<PgValue | undefined>; id?: number; changes?: boolean },
  ): unknown[] {
    const slots = write === undefined ? undefined : { ...write, positions: codec!.positions };
    return bindParams(params, args, encodeParam, (set) => set, slots);
  }

  private async query(db: Queryable, statement: PgStatement, values: unknown[], entity: EntitySchema): Promise<unknown[][]> {
    try {
      return await db.arrays(statement.text, values);
    } catch (error) {
      throw translateError(error, this.source, entity);
    }
  }

  async run(db: Queryable, query: PgCompiledQuery, args: readonly unknown[]): Promise<unknown> {
    if (query.dialect !== this.dialect) {
      throw new Error(`data source '${this.source}' runs ${this.dialect} statements, not ${String(query.dialect)} ones; rebuild the app`);
    }
    if (query.kind === "select" || query.kind === "history") return this.read(db, query as PgCompiledRead, args);
    return this.write(db, query as PgCompiledWrite, args);
  }

  private async read(db: Queryable, compiled: PgCompiledRead, args: readonly unknown[]): Promise<unknown> {
    const rows = await this.query(db, compiled.read, this.values(compiled.read.params, args), this.entities.get(compiled.plan.entity));
    if (compiled.kind === "history") return rows.map((row) => historyEntry(compiled.columns, row));
    if (compiled.single) return rows.length === 0 ? null : shape(compiled.columns, rows[0]);
    const objects = rows.map((row) => shape(compiled.columns, row));
    if (compiled.plan.kind !== "select" || compiled.plan.shape === undefined) return objects;
    const plan = compiled.plan;
    if (compiled.total === undefined || !pageNeedsCount(plan, objects, args)) return selectResult(plan, objects, undefined, args);
    const counted = await this.query(db, compiled.total, this.values(compiled.total.params, args), this.entities.get(plan.entity));
    return selectResult(plan, objects, counted[0][0] as number);
  }

  private async write(db: Queryable, compiled: PgCompiledWrite, args: readonly unknown[]): Promise<unknown> {
    const plan = compiled.plan;
    const codec = this.codec(this.entities.get(compiled.plan.entity));
    const columns = compiled.columns;
    const many = (rows: unknown[][]) => (compiled.single ? (rows.length === 0 ? null : shape(columns, rows[0])) : rows.map((r) => shape(columns, r)));
    switch (plan.kind) {
      case "insert":
        return shape(columns, (await this.insertRow(db, compiled, compiled.write, codec, codec.fromPlan(plan.values, args)))[0]);
      case "update": {
        const record = codec.fromPlan(plan.values, args);
        const changes = !writesNothing(plan.values, record);
        return many(await this.query(db, compiled.write, this.values(compiled.write.params, args, codec, { values: record.values, changes }), codec.entity));
      }
      case "delete":
        return many(await this.query(db, compiled.write, this.values(compiled.write.params, args), codec.entity));
      case "save": {
        // A PUT (see @kova/query saveTarget): replace the row with that id, else a 404; without an
        // id, insert a new row (the store assigns its id). Ids are digits, spaces around them allowed.
        const target = saveTarget(codec, codec.fromPlan(plan.values, args), integerId, Date.now());
        if (target.kind === "insert") return shape(columns, (await this.insertRow(db, compiled, compiled.insert!, codec, target.record))[0]);
        const rows = await this.query(db, compiled.write, this.values(compiled.write.params, args, codec, { values: target.values, id: target.id, changes: true }), codec.entity);
        if (rows.length === 0) throw noRecordToSave(codec.entity, target.id);
        return shape(columns, rows[0]);
      }
      default:
        throw new Error(`cannot write with a ${plan.kind} plan`);
    }
  }

  private async insertRow(db: Queryable, compiled: PgCompiledWrite, statement: PgStatement, codec: EntityCodec, record: WriteRecord): Promise<unknown[][]> {
    const values = codec.completeForInsert(record, Date.now());
    return this.query(db, statement, this.values(statement.params, [], codec, { values }), codec.entity);
  }
}

function shape(columns: readonly ResultColumn[], row: readonly unknown[]): Row {
  const out: Row = {};
  for (let i = 0; i < columns.length; i++) out[columns[i].name] = columns[i].nested ? decodeNested(columns[i], row[i]) : row[i];
  return out;
}

/** [version, op, at, id, …fields] → HistoryEntry. */
function historyEntry(columns: readonly ResultColumn[], row: readonly unknown[]): HistoryEntry {
  const operation = row[1];
  if (operation !== "insert" && operation !== "update" && operation !== "delete") {
    throw new Error(`a history row has an unknown operation ${JSON.stringify(operation)}`);
  }
  return { version: row[0] as number, operation, at: row[2] as string, data: shape(columns, row.slice(3)) };
}
