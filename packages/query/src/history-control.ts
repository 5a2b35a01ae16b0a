/**
 * History control (docs/language.md, "History control"): what an entity's versions keep.
 *
 * - A `SECRET` field is kept out of history: every driver writes its versions from
 *   `historyEntity(entity)`, which has no secret fields, so a version holds no value for them
 *   (not even a hash: a keyed hash would only tell whether the value changed, at the price of a
 *   key to guard and rotate, and a password hash hashed again is still a secret to protect).
 * - An entity marked `NO HISTORY` records no versions at all (`keepsHistory` is false); the
 *   checker refuses HISTORY and AS OF on it, so no read ever looks for versions that are not there.
 */
import type { EntitySchema, FieldSchema } from "./plan.js";

/** Whether writes to the entity record versions. */
export function keepsHistory(entity: EntitySchema): boolean {
  return entity.history !== false;
}

/** The fields a version keeps: every field but the SECRET ones. */
export function historyFields(entity: EntitySchema): FieldSchema[] {
  return entity.fields.some((f) => f.secret === true) ? entity.fields.filter((f) => f.secret !== true) : entity.fields;
}

/** The entity as its history table sees it: the same name and table, without the SECRET fields. */
export function historyEntity(entity: EntitySchema): EntitySchema {
  const fields = historyFields(entity);
  return fields === entity.fields ? entity : { ...entity, fields };
}

/** The names of the SECRET fields (empty for most entities). */
export function secretFields(entity: EntitySchema): string[] {
  return entity.fields.filter((f) => f.secret === true).map((f) => f.name);
}

/**
 * The fields `SELECT *` reads: null (every field) when the entity has no SECRET field, else the
 * others by name. A SECRET field is read only when a query names it.
 */
export function starFields(entity: EntitySchema): string[] | null {
  return entity.fields.some((f) => f.secret === true) ? entity.fields.filter((f) => f.secret !== true).map((f) => f.name) : null;
}
