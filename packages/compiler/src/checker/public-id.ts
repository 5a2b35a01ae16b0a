/**
 * `ENTITY Customer PUBLIC ID uuid { … }` (docs/entities.md, "Public identifiers"): the entity's
 * `id` is a UUID made on insert (stored as the field public_id, UNIQUE, never changed) and its
 * integer key stays inside the server. The plan rewrite and the runtime's view of rows are
 * @kova/query public-id.ts (called by ir/plans.ts and the runtime's data sources). Here:
 * - `id` of the row type is a string (the UUID), and public_id is not a field the program names;
 * - a field of the entity's own may not be named public_id (KV2890);
 * - the kind after PUBLIC ID must be one Kova makes: uuid, uuid7 or ulid (KV2891);
 * - a reference to such an entity holds the integer key but is read and written as the
 *   referenced record's public id (a string; @kova/query public-references.ts), so it must be
 *   kept in the same data source, where the public id is looked up (KV2892);
 * - SAVE into such an entity is refused (KV2893): its id would be the integer key.
 */
import { isUuidKind, PUBLIC_ID_FIELD, PUBLIC_ID_KINDS, publicIdField, publicIdKindOf, type EntitySchema, type FieldSchema, type PublicIdKind } from "@kova/query";
import type { EntityDecl, Query, Span } from "../ast/nodes.js";
import type { CheckContext } from "./context.js";
import type { EntityInfo, SemanticModel } from "./model.js";
import { stringType, type ShapeField } from "./types.js";

/** Adds public_id to a PUBLIC ID entity's schema and makes its row's `id` the UUID (a string). */
export function applyPublicId(ctx: CheckContext, decl: EntityDecl, schema: EntitySchema, rowFields: Map<string, ShapeField>): void {
  if (decl.publicId === null) return;
  const kind = decl.publicId;
  const known = (PUBLIC_ID_KINDS as readonly string[]).includes(kind.name);
  if (!known) {
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
  if (!schema.fields.some((f) => f.name === PUBLIC_ID_FIELD)) schema.fields.push(publicIdField(known ? (kind.name as PublicIdKind) : "uuid"));
  rowFields.set("id", { type: stringType, optional: false });
}

/**
 * A reference field to a PUBLIC ID entity: marked `publicReference`, and typed as the referenced
 * record's public id (a string) in the row. Its public id is looked up in the data source the
 * reference is stored in, so the referenced entity must be kept there too (KV2892).
 */
export function applyPublicIdReference(ctx: CheckContext, decl: EntityDecl, schema: FieldSchema, rowFields: Map<string, ShapeField>, span: Span): void {
  const target = schema.references === undefined ? undefined : ctx.model.entities.get(schema.references);
  if (target === undefined || target.decl.publicId === null) return;
  const first = ctx.model.connections.keys().next().value ?? null;
  const sourceOf = (d: EntityDecl) => (d.source === null || d.source.name === "" ? first : d.source.name);
  if (sourceOf(target.decl) !== sourceOf(decl)) {
    ctx.diagnostics.report("PublicIdReference", span, `${decl.name.name}.${schema.name} refers to ${target.decl.name.name}, which is PUBLIC ID and kept in '${sourceOf(target.decl)}', not in '${sourceOf(decl)}' with ${decl.name.name}: the reference's public id is looked up where the reference is stored`, {
      suggestion: `keep ${target.decl.name.name} and ${decl.name.name} in one data source, or hold the related id as a field of its own (${schema.name}_id: uuid) and look it up with WHERE id = …`,
    });
    return;
  }
  schema.publicReference = true;
  rowFields.set(schema.name, { type: stringType, optional: schema.optional });
}

/** SAVE into a PUBLIC ID entity (KV2893): the id a SAVE carries is the integer key. */
export function refusePublicIdSave(ctx: CheckContext, query: Query, entity: EntityInfo | undefined): void {
  if (query.kind !== "SaveQuery" || entity === undefined || entity.decl.publicId === null) return;
  const name = entity.decl.name.name;
  ctx.diagnostics.report("PublicIdSave", query.span, `SAVE replaces a record by its integer key, which ${name} (PUBLIC ID) never shows`, {
    suggestion: `use UPDATE ${name} SET … WHERE id = $id to change a record, INSERT INTO ${name} … to make one`,
  });
}

/**
 * How a route parameter or a value compared with `name` of this entity is parsed when it is a
 * public id: "uuid" (PUBLIC ID uuid or uuid7, or a reference to such an entity), "ulid" (PUBLIC ID
 * ulid, or a reference to one); undefined when `name` is neither.
 */
export function publicIdInput(model: SemanticModel, entity: EntityInfo, name: string): "uuid" | "ulid" | undefined {
  const kind = (schema: EntitySchema | undefined) => {
    const k = publicIdKindOf(schema);
    return k === undefined ? undefined : isUuidKind(k) ? "uuid" : "ulid";
  };
  if (name === "id") return entity.decl.publicId === null ? undefined : (kind(entity.schema) ?? "uuid");
  const field = entity.schema.fields.find((f) => f.name === name);
  if (field?.publicReference !== true || field.references === undefined) return undefined;
  return kind(model.entities.get(field.references)?.schema) ?? "uuid";
}
