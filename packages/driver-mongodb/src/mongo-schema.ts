/**
 * Storage for entities in MongoDB: collections, indexes and the `_kova_schema` record.
 *
 *   <table>            { _id: id, …fields }; a unique index per UNIQUE field, an index per INDEX
 *                      or reference field.
 *   <table>__history   { _id: version, version, operation, at, data: { id, …fields } }; indexes
 *                      (data.id, at) for "this row as of t", (at) for AS OF scans, and data.<field>
 *                      for UNIQUE/INDEX fields so HISTORY reads pinned by them do not scan.
 *   _kova_counters     { _id: <collection>, seq }: the next id / version, taken with $inc.
 *   _kova_schema       { _id: entity, table, fields, migratedAt }.
 *
 * `commandsFor` is pure (the database commands `kova migrate` can print); `migrateSchema` runs
 * them idempotently and also fills new fields into existing documents.
 */
import type { Db } from "mongodb";
import { refuseStoredTypeChanges, type EntitySchema, type FieldSchema, type ScalarType } from "@kova/query";
import { historyCollection, SCHEMA_COLLECTION } from "./mongo-compiled.js";
import { encodeFieldValue } from "./mongo-values.js";

export interface IndexSpec {
  name: string;
  key: Record<string, 1>;
  unique?: boolean;
  partialFilterExpression?: Record<string, unknown>;
}

/** The BSON type a field's non-null values are stored as (for unique indexes that skip nulls). */
function bsonType(type: ScalarType): string {
  switch (type) {
    case "int":
    case "float":
    case "decimal":
      return "number";
    case "boolean":
      return "bool";
    case "datetime":
      return "date";
    default:
      return "string";
  }
}

export function liveIndexes(entity: EntitySchema): IndexSpec[] {
  const specs: IndexSpec[] = [];
  for (const field of entity.fields) {
    if (field.unique) {
      // SQL UNIQUE lets many rows hold NULL; a plain unique index would not, so nulls are left out.
      specs.push({ name: `${entity.table}__unique_${field.name}`, key: { [field.name]: 1 }, unique: true, partialFilterExpression: { [field.name]: { $type: bsonType(field.type) } } });
    } else if (field.index || field.references !== undefined) {
      specs.push({ name: `${entity.table}__index_${field.name}`, key: { [field.name]: 1 } });
    }
  }
  return specs;
}

export function historyIndexes(entity: EntitySchema): IndexSpec[] {
  const history = historyCollection(entity);
  const specs: IndexSpec[] = [
    { name: `${history}_id_at`, key: { "data.id": 1, at: 1 } },
    { name: `${history}_at`, key: { at: 1 } },
  ];
  for (const field of entity.fields) {
    if (field.unique || field.index || field.references !== undefined) specs.push({ name: `${history}__index_${field.name}`, key: { [`data.${field.name}`]: 1 } });
  }
  return specs;
}

/** The database commands that create an entity's storage (what `kova migrate` would run). */
export function commandsFor(entities: readonly EntitySchema[]): Array<Record<string, unknown>> {
  const commands: Array<Record<string, unknown>> = [];
  for (const entity of entities) {
    commands.push({ create: entity.table });
    const live = liveIndexes(entity);
    if (live.length > 0) commands.push({ createIndexes: entity.table, indexes: live });
    commands.push({ create: historyCollection(entity) });
    commands.push({ createIndexes: historyCollection(entity), indexes: historyIndexes(entity) });
  }
  return commands;
}

/** The same commands as JSON text, one per line (for `db.runCommand(…)` in mongosh). */
export function ddlFor(entities: readonly EntitySchema[]): string[] {
  return commandsFor(entities).map((c) => JSON.stringify(c));
}


async function syncIndexes(db: Db, collection: string, wanted: IndexSpec[], ours: (name: string) => boolean): Promise<void> {
  const existing = await db.collection(collection).listIndexes().toArray();
  for (const index of existing) {
    const name = String(index.name);
    if (ours(name) && !wanted.some((w) => w.name === name)) await db.collection(collection).dropIndex(name);
  }
  for (const spec of wanted) {
    try {
      const { name, key, ...options } = spec;
      await db.collection(collection).createIndex(key, { name, ...options });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if ((error as { code?: number }).code === 11000) throw new Error(`cannot create the unique index ${spec.name}: stored documents already share a value (${reason})`);
      throw error;
    }
  }
}

/** Creates or evolves the storage of `entities`. Running it twice changes nothing. */
export async function migrateSchema(db: Db, entities: readonly EntitySchema[]): Promise<void> {
  const have = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  const schema = db.collection<{ _id: string; table: string; fields: FieldSchema[]; migratedAt: Date }>(SCHEMA_COLLECTION);
  for (const entity of entities) {
    const recorded = await schema.findOne({ _id: entity.name });
    refuseStoredTypeChanges(entity, recorded?.fields);
    const history = historyCollection(entity);
    for (const name of [entity.table, history]) if (!have.has(name)) await db.createCollection(name);
    // Every document holds every field (null when unset), so `$eq: null` and sorting see the same
    // rows as SQL would; a new field is filled with its constant default, or null.
    for (const field of entity.fields) {
      const fill = field.default !== undefined && !("now" in field.default) ? encodeFieldValue(field, field.default.value) : null;
      await db.collection(entity.table).updateMany({ [field.name]: { $exists: false } }, { $set: { [field.name]: fill } });
      await db.collection(history).updateMany({ [`data.${field.name}`]: { $exists: false } }, { $set: { [`data.${field.name}`]: fill } });
    }
    await syncIndexes(db, entity.table, liveIndexes(entity), (n) => n.startsWith(`${entity.table}__unique_`) || n.startsWith(`${entity.table}__index_`));
    await syncIndexes(db, history, historyIndexes(entity), (n) => n.startsWith(`${history}__index_`));
    await schema.updateOne({ _id: entity.name }, { $set: { table: entity.table, fields: entity.fields, migratedAt: new Date() } }, { upsert: true });
  }
}
