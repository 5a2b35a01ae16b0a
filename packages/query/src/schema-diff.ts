import type { EntitySchema, FieldSchema } from "./plan.js";

/**
 * One step from a stored schema to the declared one. `kova migrate` computes these from the last
 * snapshot and asks each dialect for the SQL (see `Migrations`).
 */
export type SchemaChange =
  | { kind: "createEntity"; entity: EntitySchema }
  | { kind: "dropEntity"; entity: EntitySchema }
  | { kind: "addField"; entity: EntitySchema; field: FieldSchema }
  | { kind: "dropField"; entity: EntitySchema; field: FieldSchema }
  /** Type, optional, default, unique, index, enum values or doc comment changed. */
  | {
      kind: "alterField";
      entity: EntitySchema;
      from: FieldSchema;
      to: FieldSchema;
      /** The field was removed earlier and is declared again: `from` is its kept column. */
      kept?: true;
    }
  /** The entity's composite `UNIQUE (a, b)` / `INDEX (a, b)` or its doc comment changed: `from` is the entity as it was. */
  | { kind: "alterConstraints"; entity: EntitySchema; from: EntitySchema };

/** What a driver package exports for `kova migrate`: the SQL (or commands) for schema changes. */
export interface Migrations {
  /**
   * Statements that carry a database from the old schema to the new, history tables included.
   * `entities` is every entity the data source declares now (a reference's FOREIGN KEY names its
   * target's table, which may not have changed).
   */
  sql(changes: readonly SchemaChange[], entities?: readonly EntitySchema[]): string[];
}

/**
 * An entity as `kova migrate` keeps it in its snapshot (`schema.json`). A removed field keeps its
 * column and history, and a removed entity its tables, so the snapshot remembers them: `kept` holds
 * the removed fields (with the indexes their removal dropped taken off), `removed` marks an entity
 * no longer declared. A field or entity declared again is then compared with what was kept (a
 * changed type is refused, as for any field), not created afresh over the old data.
 */
export interface SnapshotEntity extends EntitySchema {
  kept?: FieldSchema[];
  removed?: true;
}

/**
 * Compares two schema lists by entity and field name, in declaration order. Pure. `before` may be
 * a snapshot (see SnapshotEntity): a field declared again after its removal is an `alterField`
 * from the kept column, and a re-declared entity is compared with its kept tables.
 */
export function diffSchemas(before: readonly SnapshotEntity[], after: readonly EntitySchema[]): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const old = new Map(before.map((e) => [e.name, e]));
  for (const entity of after) {
    const previous = old.get(entity.name);
    if (!previous) {
      changes.push({ kind: "createEntity", entity });
      continue;
    }
    const oldFields = new Map(previous.fields.map((f) => [f.name, f]));
    const kept = new Map((previous.kept ?? []).map((f) => [f.name, f]));
    for (const field of entity.fields) {
      const was = oldFields.get(field.name);
      const back = kept.get(field.name);
      if (!was && back) changes.push({ kind: "alterField", entity, from: back, to: field, kept: true });
      else if (!was) changes.push({ kind: "addField", entity, field });
      else if (JSON.stringify(normalise(was)) !== JSON.stringify(normalise(field))) changes.push({ kind: "alterField", entity, from: was, to: field });
    }
    for (const field of previous.fields) {
      if (!entity.fields.some((f) => f.name === field.name)) changes.push({ kind: "dropField", entity: plain(previous), field });
    }
    if (JSON.stringify(constraintsOf(previous)) !== JSON.stringify(constraintsOf(entity))) {
      changes.push({ kind: "alterConstraints", entity, from: plain(previous) });
    }
  }
  for (const entity of before) {
    if (!entity.removed && !after.some((e) => e.name === entity.name)) changes.push({ kind: "dropEntity", entity: plain(entity) });
  }
  return changes;
}

/**
 * The snapshot `kova migrate` stores after a migration from `before` to `after`: the declared
 * entities, the fields removed from them so far (`kept`), and the removed entities (`removed`).
 */
export function nextSnapshot(before: readonly SnapshotEntity[], after: readonly EntitySchema[]): SnapshotEntity[] {
  const old = new Map(before.map((e) => [e.name, e]));
  const out: SnapshotEntity[] = [];
  for (const entity of after) {
    const previous = old.get(entity.name);
    const kept = new Map((previous?.kept ?? []).map((f) => [f.name, f]));
    // A removed field's indexes were dropped with it (see each driver's dropField); its column stays.
    for (const field of previous?.fields ?? []) kept.set(field.name, { ...field, unique: false, index: false, references: undefined });
    for (const field of entity.fields) kept.delete(field.name);
    const next: SnapshotEntity = plain(entity);
    if (kept.size > 0) next.kept = [...kept.values()].map((f) => JSON.parse(JSON.stringify(f)) as FieldSchema);
    out.push(next);
  }
  for (const entity of before) {
    if (!after.some((e) => e.name === entity.name)) out.push({ ...entity, removed: true });
  }
  return out;
}

/** The entity without the snapshot's bookkeeping. */
function plain(entity: SnapshotEntity): EntitySchema {
  const { kept: _kept, removed: _removed, ...rest } = entity;
  return rest;
}

/** Field schemas compared with keys in one order, absent optionals dropped. */
function normalise(f: FieldSchema): unknown {
  const base = [f.name, f.type, f.optional, f.unique, f.index, f.default ?? null, f.enumValues ?? null, f.references ?? null];
  // Only a declared ON DELETE other than the default is a change, so older snapshots compare equal;
  // likewise a doc comment (the column's COMMENT) only when there is one.
  const withAction = f.references !== undefined && f.onDelete !== undefined && f.onDelete !== "restrict" ? [...base, f.onDelete] : base;
  return f.doc !== undefined ? [...withAction, { doc: f.doc }] : withAction;
}

function constraintsOf(entity: EntitySchema): unknown {
  const base = [entity.uniques ?? [], entity.indexes ?? []];
  return entity.doc !== undefined ? [...base, entity.doc] : base;
}

/**
 * Stored values are never converted: a changed field type is refused, for every driver, with this
 * message (which says so when the field was removed earlier and its column kept).
 */
export function refuseTypeChange(change: Extract<SchemaChange, { kind: "alterField" }>): void {
  if (change.from.type === change.to.type) return;
  const name = `${change.entity.name}.${change.to.name}`;
  const why = change.kept
    ? `${name} was removed earlier, but its column and history keep its ${change.from.type} values; declare it as ${change.from.type} again, or use a new field name`
    : "Kova does not convert stored values; add a new field instead (or export the data, change the type and import it)";
  throw new Error(`cannot migrate ${name} from ${change.from.type} to ${change.to.type}: ${why}`);
}

/**
 * The check every driver runs at start-up against the schema it recorded last time: a field whose
 * type changed would leave stored values that no longer fit, so it is refused with the same message
 * `kova migrate` gives (see refuseTypeChange).
 */
export function refuseStoredTypeChanges(entity: EntitySchema, previous: readonly FieldSchema[] | undefined): void {
  if (previous === undefined) return;
  for (const field of entity.fields) {
    const before = previous.find((f) => f.name === field.name);
    if (before !== undefined) refuseTypeChange({ kind: "alterField", entity, from: before, to: field });
  }
}
