/**
 * `ENTITY Customer PUBLIC ID uuid { … }` (docs/entities.md, "Public identifiers"): the entity's
 * `id` is a UUID made on insert (stored as the field public_id, UNIQUE, never changed) and its
 * integer key stays inside the server. The plan rewrite and the runtime's view of rows are
 * @kova/query public-id.ts (called by ir/plans.ts and the runtime's data sources). Here:
 * - `id` of the row type is a string (the UUID), and public_id is not a field the program names;
 * - a field of the entity's own may not be named public_id (KV2890);
 * - the kind after PUBLIC ID must be one Kova makes: uuid (KV2891);
 * - a reference to such an entity is refused for now (KV2892): it holds the integer key, which
 *   responses would show;
 * - SAVE into such an entity is refused (KV2893): its id would be the integer key.
 */
import { PUBLIC_ID_FIELD, PUBLIC_ID_KINDS, publicIdField, type EntitySchema } from "@kova/query";
import type { EntityDecl, Query } from "../ast/nodes.js";
import type { CheckContext } from "./context.js";
import type { EntityInfo } from "./model.js";
import { stringType, type ShapeField } from "./types.js";

/** Adds public_id to a PUBLIC ID entity's schema and makes its row's `id` the UUID (a string). */
export function applyPublicId(ctx: CheckContext, decl: EntityDecl, schema: EntitySchema, rowFields: Map<string, ShapeField>): void {
  if (decl.publicId === null) return;
  const kind = decl.publicId;
  if (!PUBLIC_ID_KINDS.includes(kind.name)) {
    ctx.diagnostics.report("PublicIdKind", kind.span, `'${kind.name}' is not a kind of public id Kova makes (it makes: ${PUBLIC_ID_KINDS.join(", ")})`, {
      suggestion: `write ENTITY ${decl.name.name} PUBLIC ID uuid { … }`,
      replacement: "uuid",
    });
  }
  for (const field of decl.fields) {
    if (field.name.name !== PUBLIC_ID_FIELD) continue;
    ctx.diagnostics.report("PublicIdFieldTaken", field.name.span, `${decl.name.name} is PUBLIC ID, which keeps its public id in '${PUBLIC_ID_FIELD}' (shown as id)`, {
      suggestion: "remove this field (PUBLIC ID makes the UUID for you), or rename it",
    });
  }
  if (!schema.fields.some((f) => f.name === PUBLIC_ID_FIELD)) schema.fields.push(publicIdField());
  rowFields.set("id", { type: stringType, optional: false });
}

/** A reference field to a PUBLIC ID entity (KV2892): it would hold, and show, the integer key. */
export function refusePublicIdReference(ctx: CheckContext, decl: EntityDecl, fieldName: string, span: EntityDecl["span"], target: string): void {
  const entity = ctx.model.entities.get(target);
  if (entity === undefined || entity.decl.publicId === null) return;
  ctx.diagnostics.report("PublicIdReference", span, `${decl.name.name}.${fieldName} refers to ${target}, which is PUBLIC ID: a reference holds the integer key, which never leaves the server, and references to PUBLIC ID entities are not built yet`, {
    suggestion: `keep the related id as a text field (${fieldName}_id: uuid) and look it up with WHERE id = …, or drop PUBLIC ID from ${target}`,
  });
}

/** SAVE into a PUBLIC ID entity (KV2893): the id a SAVE carries is the integer key. */
export function refusePublicIdSave(ctx: CheckContext, query: Query, entity: EntityInfo | undefined): void {
  if (query.kind !== "SaveQuery" || entity === undefined || entity.decl.publicId === null) return;
  const name = entity.decl.name.name;
  ctx.diagnostics.report("PublicIdSave", query.span, `SAVE replaces a record by its integer key, which ${name} (PUBLIC ID) never shows`, {
    suggestion: `use UPDATE ${name} SET … WHERE id = $id to change a record, INSERT INTO ${name} … to make one`,
  });
}
