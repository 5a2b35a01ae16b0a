/**
 * `ENTITY Post AUDIT { … }` (docs/entities.md, "Audit trail"): the entity gets created_at,
 * updated_at, created_by and updated_by as ordinary fields of its schema (so migrations, history,
 * OpenAPI, GraphQL and TypeScript types see them like any other), stamped by the record codec of
 * every driver on the writes whose plan carries `audit` (ir/plans.ts adds it to each write of an
 * audited entity). They belong to the server, as `id` does:
 * - a field of the entity's own may not take one of their names (KV2810);
 * - a write written in the source may not set one (KV2811); a client's body naming one is
 *   ignored at run time, as a body's `id` is ignored by an insert.
 */
import { AUDIT_FIELD_NAMES, auditFields, type EntitySchema } from "@kova/query";
import type { EntityDecl, Identifier } from "../ast/nodes.js";
import type { CheckContext } from "./context.js";
import type { EntityInfo } from "./model.js";
import { scalarToType, type ShapeField } from "./types.js";

/** Adds the audit fields to an AUDIT entity's schema and row type (after its own fields). */
export function applyAudit(ctx: CheckContext, decl: EntityDecl, schema: EntitySchema, rowFields: Map<string, ShapeField>): void {
  if (!decl.audit) return;
  for (const field of decl.fields) {
    if (!AUDIT_FIELD_NAMES.includes(field.name.name)) continue;
    ctx.diagnostics.report("AuditFieldTaken", field.name.span, `${decl.name.name} is AUDIT, which already adds '${field.name.name}' (set by every write)`, {
      suggestion: "remove this field (AUDIT keeps it for you), or rename it",
    });
  }
  for (const field of auditFields()) {
    if (schema.fields.some((f) => f.name === field.name)) continue;
    schema.fields.push(field);
    rowFields.set(field.name, { type: scalarToType(field.type), optional: field.optional });
  }
}

/** Whether `key` names an audit field of `entity`, which a write cannot set (reported as KV2811). */
export function refuseAuditWrite(ctx: CheckContext, entity: EntityInfo, key: Identifier): boolean {
  const field = entity.schema.fields.find((f) => f.name === key.name);
  if (field?.audit === undefined) return false;
  ctx.diagnostics.report("AuditFieldWritten", key.span, `'${key.name}' of ${entity.decl.name.name} is set by every write (the entity is AUDIT), not by the program`, {
    suggestion: `leave ${key.name} out: it is stamped with the write's time or the caller's $auth.sub`,
  });
  return true;
}
