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
  /** Type, optional, default, unique, index or enum values changed. */
  | { kind: "alterField"; entity: EntitySchema; from: FieldSchema; to: FieldSchema };

/** What a driver package exports for `kova migrate`: the SQL (or commands) for schema changes. */
export interface Migrations {
  /** Statements that carry a database from the old schema to the new, history tables included. */
  sql(changes: readonly SchemaChange[]): string[];
}

/** Compares two schema lists by entity and field name, in declaration order. Pure. */
export function diffSchemas(before: readonly EntitySchema[], after: readonly EntitySchema[]): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const old = new Map(before.map((e) => [e.name, e]));
  for (const entity of after) {
    const previous = old.get(entity.name);
    if (!previous) {
      changes.push({ kind: "createEntity", entity });
      continue;
    }
    const oldFields = new Map(previous.fields.map((f) => [f.name, f]));
    for (const field of entity.fields) {
      const was = oldFields.get(field.name);
      if (!was) changes.push({ kind: "addField", entity, field });
      else if (JSON.stringify(normalise(was)) !== JSON.stringify(normalise(field))) changes.push({ kind: "alterField", entity, from: was, to: field });
    }
    for (const field of previous.fields) {
      if (!entity.fields.some((f) => f.name === field.name)) changes.push({ kind: "dropField", entity: previous, field });
    }
  }
  for (const entity of before) {
    if (!after.some((e) => e.name === entity.name)) changes.push({ kind: "dropEntity", entity });
  }
  return changes;
}

/** Field schemas compared with keys in one order, absent optionals dropped. */
function normalise(f: FieldSchema): unknown {
  return [f.name, f.type, f.optional, f.unique, f.index, f.default ?? null, f.enumValues ?? null, f.references ?? null];
}
