/**
 * Where a data source keeps the data keys of its ENCRYPTED fields (envelope.ts), and the record of
 * every erasure. Both are tables of the data source itself, described as entities so that every
 * driver's own migration creates them (`encryptedEntities` adds them to what the runtime
 * migrates) and every statement on them is a plan its dialect compiles — nothing per driver.
 *
 * The key table is NO HISTORY: a destroyed key must leave no copy in a history table, or
 * crypto-shredding would not shred. The erasure table keeps who forgot which record and when,
 * never what it held.
 */
import type { CompiledQuery, Driver } from "../driver.js";
import type { EntitySchema, FieldSchema, Filter, QueryPlan } from "../plan.js";
import type { MasterKeys, DataKey } from "./envelope.js";

const field = (name: string, type: FieldSchema["type"], extra: Partial<FieldSchema> = {}): FieldSchema => ({ name, type, optional: false, unique: false, index: false, ...extra });

/** One row per data key: which record (subject) it encrypts, and the key wrapped by a master key. */
export const DATA_KEY_ENTITY: EntitySchema = {
  name: "KovaDataKey",
  table: "kova_data_keys",
  fields: [
    field("key_id", "uuid", { unique: true }),
    field("subject_entity", "string"),
    field("subject", "int"),
    field("master", "string"),
    field("wrapped", "string"),
  ],
  indexes: [["subject_entity", "subject"]],
  history: false,
};

/** One row per `kova db forget`: the audit record of an erasure (what was forgotten, by whom, when). */
export const ERASURE_ENTITY: EntitySchema = {
  name: "KovaErasure",
  table: "kova_erasures",
  fields: [
    field("subject_entity", "string"),
    field("subject", "int"),
    field("erased_by", "string", { optional: true }),
    field("erased_at", "datetime", { default: { now: true } }),
    field("keys", "int"),
  ],
};

/** Whether any entity has an ENCRYPTED field. */
export function hasEncryptedFields(entities: readonly EntitySchema[]): boolean {
  return entities.some((e) => e.fields.some((f) => f.encrypted === true));
}

/** The entities to migrate: the app's, plus the key and erasure tables when some field is ENCRYPTED. */
export function encryptedEntities(entities: readonly EntitySchema[]): EntitySchema[] {
  if (!hasEncryptedFields(entities) || entities.some((e) => e.name === DATA_KEY_ENTITY.name)) return [...entities];
  return [...entities, DATA_KEY_ENTITY, ERASURE_ENTITY];
}

const arg = (index: number) => ({ kind: "arg" as const, index });
const is = (name: string, index: number): Filter => ({ kind: "compare", op: "==", left: { kind: "field", field: name }, right: arg(index) });
const select = (entity: string, where: Filter | null): QueryPlan => ({ kind: "select", entity, fields: null, where, orderBy: [], limit: null, offset: null, asOf: null, single: false });
const subjectIs: Filter = { kind: "and", items: [is("subject_entity", 0), is("subject", 1)] };

/** The statements on the key table, compiled by the data source's dialect on first use. */
const PLANS = {
  store: { kind: "insert", entity: DATA_KEY_ENTITY.name, values: { kind: "object", operand: arg(0) } },
  byIds: select(DATA_KEY_ENTITY.name, { kind: "in", left: { kind: "field", field: "key_id" }, right: arg(0) }),
  all: select(DATA_KEY_ENTITY.name, null),
  rewrap: { kind: "update", entity: DATA_KEY_ENTITY.name, values: { kind: "fields", fields: [{ field: "master", value: arg(1) }, { field: "wrapped", value: arg(2) }] }, where: is("key_id", 0), single: true },
  destroy: { kind: "delete", entity: DATA_KEY_ENTITY.name, where: subjectIs, single: false },
  erased: { kind: "insert", entity: ERASURE_ENTITY.name, values: { kind: "object", operand: arg(0) } },
} satisfies Record<string, QueryPlan>;

interface KeyRow {
  key_id: string;
  subject_entity: string;
  subject: number;
  master: string;
  wrapped: string;
}

/** What `kova db forget` did: how many data keys it destroyed (0: the record had no encrypted value). */
export interface Erasure {
  entity: string;
  subject: number;
  keys: number;
}

/** A data source's data keys: stored wrapped, read back, destroyed per subject, re-wrapped on rotation. */
export class DataKeys {
  private readonly compiled = new Map<keyof typeof PLANS, CompiledQuery>();
  private readonly schemas = new Map([DATA_KEY_ENTITY, ERASURE_ENTITY].map((e) => [e.name, e]));

  constructor(
    /** The data source's own driver (not the app's view of it): the key statements run on it. */
    readonly driver: Driver,
    readonly masters: MasterKeys,
  ) {}

  private run(name: keyof typeof PLANS, args: readonly unknown[]): Promise<unknown> {
    let query = this.compiled.get(name);
    if (query === undefined) this.compiled.set(name, (query = this.driver.dialect.compile(PLANS[name], this.schemas)));
    return this.driver.execute(query, args);
  }

  /** Stores a new data key for the record `subject` of `entity` (in the transaction open, if any). */
  async store(dataKey: DataKey, entity: string, subject: number): Promise<void> {
    const { master, wrapped } = await this.masters.wrap(dataKey);
    await this.run("store", [{ key_id: dataKey.id, subject_entity: entity, subject, master, wrapped }]);
  }

  /** The data keys with these ids that still exist (a destroyed one is absent: its values read as null). */
  async load(ids: readonly string[]): Promise<Map<string, DataKey>> {
    const found = new Map<string, DataKey>();
    if (ids.length === 0) return found;
    const rows = (await this.run("byIds", [[...new Set(ids)]])) as KeyRow[];
    for (const row of rows) found.set(row.key_id, await this.masters.unwrap(row.key_id, row.master, row.wrapped));
    return found;
  }

  /**
   * `kova db forget`: destroys every data key of the record, so each version of its encrypted
   * values, live or in history, reads as null from now on, and records the erasure — both in one
   * transaction.
   */
  async forget(entity: string, subject: number, by: string | null): Promise<Erasure> {
    return this.driver.transaction(async () => {
      const destroyed = (await this.run("destroy", [entity, subject])) as unknown[];
      await this.run("erased", [{ subject_entity: entity, subject, erased_by: by, keys: destroyed.length }]);
      return { entity, subject, keys: destroyed.length };
    });
  }

  /**
   * `kova db rotate-keys`: re-wraps every data key not wrapped by the current master key (they
   * must unwrap with a retired one), so the retired keys can then be dropped. The records' values
   * are not touched. Returns how many keys were re-wrapped.
   */
  async rotate(): Promise<number> {
    return this.driver.transaction(async () => {
      const rows = (await this.run("all", [])) as KeyRow[];
      let count = 0;
      for (const row of rows) {
        if (row.master === this.masters.current.id) continue;
        const { master, wrapped } = await this.masters.wrap(await this.masters.unwrap(row.key_id, row.master, row.wrapped));
        await this.run("rewrap", [row.key_id, master, wrapped]);
        count++;
      }
      return count;
    });
  }
}
