/**
 * `ENTITY Ticket SOFT DELETE { … }` (docs/entities.md, "Soft delete"): a deleted record is kept,
 * stamped with deleted_at/deleted_by, and hidden from every read unless the query asks for it.
 *
 * All of it is one rewrite of plans, done before any dialect runs, so every driver (and the
 * GraphQL resolvers, which build plans at run time) behaves alike:
 * - a DELETE becomes an UPDATE that stamps the two fields (the record codec sets their values);
 * - RESTORE (planned as an update carrying `softDelete: restore`) clears them, on deleted rows only;
 * - every SELECT, UPDATE and DELETE of the entity, every related selection (`author { … }`,
 *   `comments { … }`, `COUNT(comments)`) and every condition through a relation (`EXISTS …`,
 *   `author.name = …`) keeps to live rows; `WITH DELETED` lifts that for the queried entity,
 *   `ONLY DELETED` keeps to deleted ones. HISTORY is left as it is: it lists versions.
 */
import type { EntitySchema, FieldSchema, Filter, NestedSelection, Operand, QueryPlan, SoftDeleteRole, WriteValues } from "./plan.js";

/** The names `SOFT DELETE` reserves (a field of the entity's own cannot take one). */
export const SOFT_DELETE_FIELD_NAMES: readonly string[] = ["deleted_at", "deleted_by"];

/** The two fields a soft-deleted entity has besides its own (after them and any audit fields); null while live. */
export function softDeleteFields(): FieldSchema[] {
  const field = (name: string, type: FieldSchema["type"], softDelete: SoftDeleteRole): FieldSchema => ({ name, type, optional: true, unique: false, index: false, softDelete });
  return [field("deleted_at", "datetime", "deletedAt"), field("deleted_by", "string", "deletedBy")];
}

/** Whether the entity is `SOFT DELETE` (its schema carries the deleted_at field). */
export function isSoftDeleteEntity(entity: EntitySchema | undefined): boolean {
  return entity?.fields.some((f) => f.softDelete === "deletedAt") ?? false;
}

/** Which rows of the queried entity a read sees: live ones (the default), all (`WITH DELETED`), deleted ones (`ONLY DELETED`). */
export type DeletedRows = "hide" | "with" | "only";

export interface SoftDeleteContext {
  /** The schema of an entity by name (the queried one and those its relations reach). */
  entity(name: string): EntitySchema | undefined;
  /** The caller's `$auth.sub` as an operand of the plan; asked for only when a DELETE is rewritten. */
  caller(): Operand;
}

/** `deleted_at IS NULL` (live rows), or `IS NOT NULL` (deleted rows). */
export function liveFilter(deleted = false): Filter {
  return { kind: "isNull", operand: { kind: "field", field: "deleted_at" }, negated: deleted };
}

/** The plan as it reads and writes a soft-deleted entity (and related ones); other plans are returned as they are. */
export function rewriteSoftDelete(plan: QueryPlan, ctx: SoftDeleteContext, deleted: DeletedRows = "hide"): QueryPlan {
  const soft = isSoftDeleteEntity(ctx.entity(plan.entity));
  const own = (where: Filter | null, rows: DeletedRows): Filter | null => {
    const related = hideRelated(where, ctx);
    return soft && rows !== "with" ? and(related, liveFilter(rows === "only")) : related;
  };
  switch (plan.kind) {
    case "select":
      return {
        ...plan,
        where: own(plan.where, deleted),
        ...(plan.nested !== undefined ? { nested: plan.nested.map((n) => hideNested(n, ctx)) } : {}),
      };
    case "insert":
    case "save":
      return soft ? { ...plan, values: writing(plan.values) } : plan;
    case "update":
      if (plan.values.softDelete?.action === "restore") return { ...plan, where: own(plan.where, "only") };
      return { ...plan, values: soft ? writing(plan.values) : plan.values, where: own(plan.where, "hide") };
    case "delete":
      if (!soft) return { ...plan, where: hideRelated(plan.where, ctx) };
      // The record stays: the delete stamps it, as an update of the live rows it matches.
      return { kind: "update", entity: plan.entity, values: { kind: "fields", fields: [], softDelete: { action: "delete", by: ctx.caller() } }, where: own(plan.where, "hide"), single: plan.single };
    case "history":
      return plan;
  }
}

/** A write of the program or a client: deleted_at/deleted_by are not theirs to set. */
function writing(values: WriteValues): WriteValues {
  return values.softDelete !== undefined ? values : { ...values, softDelete: { action: "write" } };
}

/** Related rows selected with each row: a deleted one is not there (an object reads as null, a list and a count leave it out). */
function hideNested(n: NestedSelection, ctx: SoftDeleteContext): NestedSelection {
  const where = hideRelated(n.where, ctx);
  return {
    ...n,
    where: isSoftDeleteEntity(ctx.entity(n.relation.entity)) ? and(where, liveFilter()) : where,
    nested: n.nested.map((inner) => hideNested(inner, ctx)),
  };
}

/** A condition through a relation (`EXISTS comments(…)`, `author.name = $n`) holds only for a live related row. */
function hideRelated(filter: Filter | null, ctx: SoftDeleteContext): Filter | null {
  if (filter === null) return null;
  switch (filter.kind) {
    case "and":
    case "or":
      return { kind: filter.kind, items: filter.items.map((f) => hideRelated(f, ctx)!) };
    case "not":
      return { kind: "not", item: hideRelated(filter.item, ctx)! };
    case "related": {
      const inner = hideRelated(filter.filter, ctx);
      return { ...filter, filter: isSoftDeleteEntity(ctx.entity(filter.relation.entity)) ? and(inner, liveFilter()) : inner };
    }
    default:
      return filter;
  }
}

function and(a: Filter | null, b: Filter): Filter {
  if (a === null) return b;
  return { kind: "and", items: a.kind === "and" ? [...a.items, b] : [a, b] };
}
