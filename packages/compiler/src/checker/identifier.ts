/**
 * `ENTITY Article PUBLIC ID uuid IDENTIFIER slug(title) { … }` (docs/entities.md, "Human-readable
 * identifiers"): the entity gets a field `identifier`, the slug of the named fields made when a
 * record is inserted, UNIQUE (per tenant on a TENANT BY entity), `-2`, `-3`… on a collision, and
 * kept when those fields change. The plan rewrite, the codec and the retry on a collision are
 * @kova/query identifier.ts (called by ir/plans.ts and the runtime's data sources). Here:
 * - the way it is made must be one Kova has: slug (KV2894);
 * - the fields it is made from must be text fields of the entity, at least one (KV2895);
 * - a field of the entity's own may not be named identifier (KV2896);
 * - a write in the source may not set it (KV2897; a client's body naming it is ignored);
 * - `VERSIONED` (made again when its fields change, old ones kept as aliases): no SAVE into the
 *   entity (KV2930), which would replace the record without making its new identifier.
 * A route parameter compared with it is parsed as a slug (checker/expressions.ts inferParamType):
 * a malformed one is a 400 naming the parameter.
 */
import { IDENTIFIER_FIELD, IDENTIFIER_KINDS, identifierField, isIdentifierField, slugify, TENANT_FIELD_NAME, type EntitySchema } from "@kova/query";
import type { EntityDecl, Identifier, Query } from "../ast/nodes.js";
import { report, type CheckContext } from "./context.js";
import type { EntityInfo } from "./model.js";
import { stringType, type ShapeField } from "./types.js";

const EXAMPLE = "IDENTIFIER slug(title)";

/** Adds the identifier field to an IDENTIFIER entity's schema and row type (after its own fields, AUDIT's, SOFT DELETE's and TENANT BY's). */
export function applyIdentifier(ctx: CheckContext, decl: EntityDecl, schema: EntitySchema, rowFields: Map<string, ShapeField>): void {
  const declared = decl.identifier;
  if (declared === null) return;
  const name = decl.name.name;
  if (!IDENTIFIER_KINDS.includes(declared.maker.name)) {
    ctx.diagnostics.report("IdentifierMaker", declared.maker.span, `'${declared.maker.name}' is not a way Kova makes identifiers (it makes: ${IDENTIFIER_KINDS.join(", ")})`, {
      suggestion: `write ENTITY ${name} IDENTIFIER slug(${declared.from.map((f) => f.name).join(", ") || "title"}) { … }`,
      replacement: "slug",
    });
  }
  const textFields = schema.fields.filter((f) => f.type === "string" && f.items === undefined && !f.file && !isIdentifierField(f) && f.tenant === undefined);
  if (declared.from.length === 0) {
    ctx.diagnostics.report("IdentifierSource", declared.span, `IDENTIFIER ${declared.maker.name}() names no field of ${name} to make the identifier from`, {
      suggestion: textFields.length > 0 ? `name a text field: IDENTIFIER slug(${textFields[0].name})` : `add a text field (title: text) and write ${EXAMPLE}`,
    });
  }
  for (const source of declared.from) {
    if (source.name === "") continue;
    const field = schema.fields.find((f) => f.name === source.name);
    if (field === undefined) {
      report(ctx, "IdentifierSource", source.span, `${name} has no field '${source.name}' to make the identifier from`, textFields.map((f) => f.name), source.name);
    } else if (!textFields.includes(field)) {
      ctx.diagnostics.report("IdentifierSource", source.span, `an identifier is made from text, and '${source.name}' of ${name} is not a text field`, {
        suggestion: textFields.length > 0 ? `make it from a text field (${textFields.map((f) => f.name).join(", ")})` : "add a text field to make it from",
      });
    }
  }
  for (const field of decl.fields) {
    if (field.name.name !== IDENTIFIER_FIELD) continue;
    ctx.diagnostics.report("IdentifierFieldTaken", field.name.span, `${name} is IDENTIFIER, which keeps the record's identifier in '${IDENTIFIER_FIELD}'`, {
      suggestion: "remove this field (IDENTIFIER makes it for you), or rename it",
    });
  }
  if (schema.fields.some((f) => f.name === IDENTIFIER_FIELD)) return;
  // Unique per tenant on a TENANT BY entity (its tenant column was added before this).
  const perTenant = schema.fields.some((f) => f.tenant !== undefined);
  schema.fields.push(identifierField(declared.from.map((f) => f.name), slugify(schema.table) || "record", perTenant, declared.versioned));
  if (perTenant) (schema.uniques ??= []).push([TENANT_FIELD_NAME, IDENTIFIER_FIELD]);
  rowFields.set(IDENTIFIER_FIELD, { type: stringType, optional: false });
}

/** Whether `key` names the identifier of `entity`, which a write cannot set (reported as KV2897). */
export function refuseIdentifierWrite(ctx: CheckContext, entity: EntityInfo, key: Identifier): boolean {
  const field = entity.schema.fields.find((f) => f.name === key.name);
  if (field === undefined || !isIdentifierField(field)) return false;
  ctx.diagnostics.report("IdentifierWritten", key.span, `'${key.name}' of ${entity.decl.name.name} is made when the record is inserted and kept afterwards, not set by the program`, {
    suggestion: `leave ${key.name} out: IDENTIFIER makes it from ${entity.decl.identifier?.from.map((f) => f.name).join(", ") ?? "its fields"}`,
  });
  return true;
}

/** SAVE into an entity whose identifier is VERSIONED (KV2930): an UPDATE makes the new identifier and keeps the old. */
export function refuseVersionedIdentifierSave(ctx: CheckContext, query: Query, entity: EntityInfo | undefined): void {
  if (query.kind !== "SaveQuery" || entity === undefined || entity.decl.identifier?.versioned !== true) return;
  const name = entity.decl.name.name;
  ctx.diagnostics.report("VersionedIdentifierSave", query.span, `SAVE replaces a whole record, and ${name}'s identifier is VERSIONED: an UPDATE makes its new identifier and keeps the old one finding the record`, {
    suggestion: `use UPDATE ${name} SET … WHERE id = $id to change a record, INSERT INTO ${name} … to make one`,
  });
}
