/**
 * Runs compiled MongoDB queries. Each write and the versions it records go through one callback
 * that the driver runs inside a multi-document transaction when the server offers them (a replica
 * set or sharded cluster), else as ordered single-document writes (standalone server: a crash
 * between the row and its version could lose the version; README says so).
 */
import type { ClientSession, Db, Document, Filter as MongoFilter } from "mongodb";
import { CodecCache, keepsHistory, secretFields, InstantClock, noRecordToSave, QueryError, saveTarget, type EntitySchema, type EntitySchemas, type EntityWriteCodec, type WriteRecord as AnyWriteRecord } from "@kova/query";
import type { CompiledRead, CompiledWrite, MongoCompiledQuery } from "./mongo-compiled.js";
import { counterCommand, fillSlots, historyDocument, historyEntryFrom, liveDocument, rowFromData, rowFromDocument } from "./mongo-documents.js";
import { defaultValue, encodeFieldValue, encodeSlotValue, type StoredValue } from "./mongo-values.js";

type Doc = Record<string, unknown>;
/** A document keyed by a number or name (ids, versions, counters), not an ObjectId. */
interface Keyed {
  _id: number | string;
  [key: string]: unknown;
}

export class MongoRunner {
  private readonly codecs = new CodecCache<StoredValue>({ encode: encodeFieldValue, defaultValue });
  /** Write instants: the wall clock, never before the last instant handed out (as the embedded store). */
  private readonly clock = new InstantClock();

  constructor(
    private readonly db: Db,
    /** The schemas of the entities compiled queries name (learned by migrate()). */
    private readonly entities: EntitySchemas,
  ) {}

  private nextInstant(): number {
    return this.clock.next();
  }

  private codec(entity: EntitySchema): EntityCodec {
    return this.codecs.codec(entity);
  }

  /** The next number of a sequence. Taken outside any transaction: a hot counter inside one would make concurrent writes conflict; a rolled-back write leaves a gap, ids are never reused. */
  async nextNumber(sequence: string): Promise<number> {
    const c = counterCommand(sequence);
    const doc = await this.db.collection<Keyed>(c.collection).findOneAndUpdate(c.filter, c.update, { ...c.options, returnDocument: "after" });
    return Number((doc as Doc | null)?.seq);
  }

  async read(compiled: CompiledRead, args: readonly unknown[], session: ClientSession | undefined): Promise<unknown> {
    const command = fillSlots(compiled.command, compiled.slots, args);
    let rows: unknown[];
    if (command.op === "find") {
      // MongoDB reads limit 0 as "no limit"; SQL's LIMIT 0 returns nothing.
      if (command.limit === 0) return compiled.single ? null : [];
      const cursor = this.db.collection(command.collection).find(command.filter as MongoFilter<Document>, {
        projection: command.projection,
        sort: command.sort,
        ...(command.skip !== undefined && command.skip !== null ? { skip: command.skip } : {}),
        ...(command.limit !== undefined && command.limit !== null ? { limit: command.limit } : {}),
        session,
      });
      const docs = await cursor.toArray();
      rows = compiled.kind === "history" ? docs.map((d) => historyEntryFrom(d, compiled.columns)) : docs.map((d) => rowFromDocument(d, compiled.columns));
    } else {
      if (command.pipeline.some((stage) => stage.$limit === 0)) return compiled.single ? null : [];
      const docs = await this.db.collection(command.collection).aggregate(command.pipeline, { session, allowDiskUse: true }).toArray();
      rows = docs.map((d) => rowFromData(d, compiled.columns));
    }
    return compiled.single ? (rows[0] ?? null) : rows;
  }

  /**
   * The live documents a write's WHERE matches, in id order, each as a filter `{ _id, …WHERE }`:
   * writing through that filter skips a row another writer changed so it no longer matches
   * (which matters without transactions; inside one, snapshot isolation already ensures it).
   */
  private async matching(compiled: CompiledWrite, args: readonly unknown[], session: ClientSession | undefined): Promise<Array<MongoFilter<Keyed>>> {
    const command = fillSlots(compiled.command!, compiled.slots, args);
    const docs = await this.db.collection<Keyed>(command.collection).find(command.filter, { projection: { _id: 1 }, sort: { _id: 1 }, session }).toArray();
    const where = Object.keys(command.filter).length === 0 ? [] : [command.filter];
    return docs.map((d) => (where.length === 0 ? { _id: d._id } : { $and: [{ _id: d._id }, ...where] }) as MongoFilter<Keyed>);
  }

  private async recordVersion(compiled: CompiledWrite, operation: "insert" | "update" | "delete", at: number, live: Doc, session: ClientSession | undefined): Promise<void> {
    // NO HISTORY records nothing; a SECRET field is kept out of the version (@kova/query history-control.ts).
    const entity = this.entities.get(compiled.plan.entity);
    if (!keepsHistory(entity)) return;
    const version = await this.nextNumber(compiled.historyCollection);
    await this.db.collection<Keyed>(compiled.historyCollection).insertOne(historyDocument(version, operation, at, live, secretFields(entity)) as Keyed, { session });
  }

  private async insert(compiled: CompiledWrite, codec: EntityCodec, record: WriteRecord, at: number, session: ClientSession | undefined): Promise<Doc> {
    const values = codec.completeForInsert(record, at);
    const id = await this.nextNumber(compiled.collection);
    const doc = liveDocument(id, codec.entity.fields.map((f) => f.name), values);
    await this.db.collection<Keyed>(compiled.collection).insertOne(doc as Keyed, { session });
    await this.recordVersion(compiled, "insert", at, doc, session);
    return doc;
  }

  private async updateOne(
    compiled: CompiledWrite,
    filter: MongoFilter<Keyed>,
    changes: Doc,
    at: number,
    session: ClientSession | undefined,
    /** Fields computed from the document (a pipeline update: atomic, like SQL's `SET hits = hits + 1`). */
    computed?: Doc,
    /** A SAVE's replacement: always a version, even of an entity without fields. */
    replace = false,
  ): Promise<Doc | null> {
    const live = this.db.collection<Keyed>(compiled.collection);
    const literal = Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, { $literal: v }]));
    const doc =
      computed !== undefined
        ? await live.findOneAndUpdate(filter, [{ $set: { ...literal, ...computed } }], { returnDocument: "after", session })
        : Object.keys(changes).length === 0
          ? await live.findOne(filter, { session })
          : await live.findOneAndUpdate(filter, { $set: changes }, { returnDocument: "after", session });
    if (doc === null) return null;
    // An update that sets nothing (PATCH {}) changes nothing: no version.
    if (replace || computed !== undefined || Object.keys(changes).length > 0) await this.recordVersion(compiled, "update", at, doc, session);
    return doc;
  }

  /** Runs a write; `session` is the transaction's, or undefined on a server without transactions. */
  async write(compiled: CompiledWrite, args: readonly unknown[], session: ClientSession | undefined): Promise<unknown> {
    const codec = this.codec(this.entities.get(compiled.plan.entity));
    const plan = compiled.plan;
    const at = this.nextInstant();
    const columns = compiled.columns;
    const out = (docs: Doc[]) => (compiled.single ? (docs[0] === undefined ? null : rowFromDocument(docs[0], columns)) : docs.map((d) => rowFromDocument(d, columns)));
    try {
      switch (plan.kind) {
        case "insert":
          return rowFromDocument(await this.insert(compiled, codec, codec.fromPlan(plan.values, args), at, session), columns);
        case "update": {
          const changes = codec.changes(codec.fromPlan(plan.values, args));
          const computed = compiled.computed === undefined ? undefined : withArgs(compiled.computed, args);
          const docs: Doc[] = [];
          for (const filter of await this.matching(compiled, args, session)) {
            const doc = await this.updateOne(compiled, filter, changes, at, session, computed);
            if (doc !== null) docs.push(doc);
          }
          return out(docs);
        }
        case "delete": {
          const docs: Doc[] = [];
          for (const filter of await this.matching(compiled, args, session)) {
            const doc = await this.db.collection<Keyed>(compiled.collection).findOneAndDelete(filter, { session });
            if (doc === null) continue;
            await this.recordVersion(compiled, "delete", at, doc, session);
            docs.push(doc);
          }
          return out(docs);
        }
        case "save": {
          // A PUT (see @kova/query saveTarget): replace the document with that id (every field
          // set), else a 404; without an id, insert a new one.
          const target = saveTarget(codec, codec.fromPlan(plan.values, args), readId, at);
          if (target.kind === "insert") return rowFromDocument(await this.insert(compiled, codec, target.record, at, session), columns);
          const updated = await this.updateOne(compiled, { _id: target.id }, codec.changes({ values: target.values, id: target.id }), at, session, undefined, true);
          if (updated === null) throw noRecordToSave(codec.entity, target.id);
          return rowFromDocument(updated, columns);
        }
        default:
          throw new Error(`cannot write with a ${(plan as { kind: string }).kind} plan`);
      }
    } catch (error) {
      throw translateDuplicateKey(error, codec.entity);
    }
  }

  run(compiled: MongoCompiledQuery, args: readonly unknown[], session: ClientSession | undefined): Promise<unknown> {
    return compiled.kind === "select" || compiled.kind === "history" ? this.read(compiled as CompiledRead, args, session) : this.write(compiled as CompiledWrite, args, session);
  }
}

/** Duplicate key (11000) on a UNIQUE field is the client's conflict: 409 naming the field. */
export function translateDuplicateKey(error: unknown, entity: EntitySchema): unknown {
  const e = error as { code?: number; keyPattern?: Record<string, unknown>; message?: string };
  if (e === null || typeof e !== "object" || e.code !== 11000) return error;
  let field = e.keyPattern === undefined ? undefined : Object.keys(e.keyPattern)[0];
  if (field === undefined) field = /index: \S+__unique_(\w+)/.exec(e.message ?? "")?.[1] ?? "id";
  return new QueryError(`a ${entity.name} with this ${field} already exists`, 409, field);
}

/** A compiled aggregation expression with each `{ $kovaArg: n }` replaced by argument n as a literal. */
export function withArgs(expression: unknown, args: readonly unknown[]): any {
  if (Array.isArray(expression)) return expression.map((e) => withArgs(e, args));
  if (expression === null || typeof expression !== "object") return expression;
  const record = expression as Record<string, unknown>;
  if (typeof record.$kovaArg === "number") return { $literal: args[record.$kovaArg] ?? null };
  if ("$literal" in record) return record;
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, withArgs(v, args)]));
}

type EntityCodec = EntityWriteCodec<StoredValue>;
type WriteRecord = AnyWriteRecord<StoredValue>;

/** The id a save names, read like a filter argument against the id (encodeSlotValue), as this driver always has. */
function readId(id: unknown): number | undefined {
  const encoded = encodeSlotValue({ kind: "scalar", type: "id" }, id);
  return typeof encoded === "number" && Number.isSafeInteger(encoded) ? encoded : undefined;
}
