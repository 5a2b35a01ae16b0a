/**
 * `ENTITY Ticket SOFT DELETE { … }` (docs/entities.md, "Soft delete"): the entity gets deleted_at
 * and deleted_by as ordinary fields of its schema (so migrations, history, OpenAPI, GraphQL and
 * TypeScript types see them like any other). The plan rewrite that makes DELETE stamp them and
 * every read hide deleted records is @kova/query soft-delete.ts, called by ir/soft-delete.ts.
 * Here, what the source may say:
 * - a field of the entity's own may not take one of their names (KV2840);
 * - a write written in the source may not set one (KV2841): only DELETE and RESTORE do;
 * - RESTORE, WITH DELETED and ONLY DELETED need a SOFT DELETE entity (KV2842);
 * - ON DELETE of such an entity would never run (KV2843): its delete is an update.
 */
import { SOFT_DELETE_FIELD_NAMES, softDeleteFields, type EntitySchema } from "@kova/query";
import type { EntityDecl, Identifier, Query, Span } from "../ast/nodes.js";
import type { CheckContext } from "./context.js";
import type { EntityInfo } from "./model.js";
import { scalarToType, type ShapeField } from "./types.js";

/** Adds deleted_at and deleted_by to a SOFT DELETE entity's schema and row type (after its own and any audit fields). */
export function applySoftDelete(ctx: CheckContext, decl: EntityDecl, schema: EntitySchema, rowFields: Map<string, ShapeField>): void {
  if (!decl.softDelete) return;
  for (const field of decl.fields) {
    if (!SOFT_DELETE_FIELD_NAMES.includes(field.name.name)) continue;
    ctx.diagnostics.report("SoftDeleteFieldTaken", field.name.span, `${decl.name.name} is SOFT DELETE, which already adds '${field.name.name}' (set by DELETE, cleared by RESTORE)`, {
      suggestion: "remove this field (SOFT DELETE keeps it for you), or rename it",
    });
  }
  for (const field of softDeleteFields()) {
    if (schema.fields.some((f) => f.name === field.name)) continue;
    schema.fields.push(field);
    rowFields.set(field.name, { type: scalarToType(field.type), optional: field.optional });
  }
}

/** Whether `key` names a soft-delete field of `entity`, which a write cannot set (reported as KV2841). */
export function refuseSoftDeleteWrite(ctx: CheckContext, entity: EntityInfo, key: Identifier): boolean {
  const field = entity.schema.fields.find((f) => f.name === key.name);
  if (field?.softDelete === undefined) return false;
  ctx.diagnostics.report("SoftDeleteFieldWritten", key.span, `'${key.name}' of ${entity.decl.name.name} is set by DELETE and cleared by RESTORE (the entity is SOFT DELETE), not by a write`, {
    suggestion: `leave ${key.name} out: DELETE FROM ${entity.decl.name.name} WHERE … stamps it, RESTORE ${entity.decl.name.name} WHERE … clears it`,
  });
  return true;
}

/** RESTORE, WITH DELETED and ONLY DELETED ask for deleted records, which only a SOFT DELETE entity keeps (KV2842). */
export function checkDeletedRows(ctx: CheckContext, query: Query, entity: EntityInfo | undefined): void {
  if (entity === undefined || entity.decl.softDelete) return;
  const name = entity.decl.name.name;
  let what: string | undefined;
  let span: Span = query.span;
  if (query.kind === "RestoreQuery") what = "RESTORE";
  else if (query.kind === "SelectQuery" && query.deleted !== null) what = query.deleted === "with" ? "WITH DELETED" : "ONLY DELETED";
  if (what === undefined) return;
  if (query.kind === "RestoreQuery") span = query.entity.span;
  ctx.diagnostics.report("NotSoftDelete", span, `${what} reads deleted records, and ${name} keeps none: it is not SOFT DELETE (a DELETE removes its records)`, {
    suggestion: `declare ENTITY ${name} SOFT DELETE { … }, or drop ${what}`,
  });
}

/** `ON DELETE Ticket { … }` of a SOFT DELETE entity: its records are never deleted, so it would never run (KV2843). */
export function refuseOnDelete(ctx: CheckContext, op: string, entity: EntityInfo, span: Span): boolean {
  if (op !== "DELETE" || !entity.decl.softDelete) return false;
  const name = entity.decl.name.name;
  ctx.diagnostics.report("SoftDeleteOnDelete", span, `ON DELETE ${name} would never run: ${name} is SOFT DELETE, so DELETE FROM ${name} updates the record (it sets deleted_at)`, {
    suggestion: `use ON UPDATE ${name} and test event.after.deleted_at != null (a soft delete is an update event)`,
  });
  return true;
}
