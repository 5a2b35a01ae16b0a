/**
 * Personal data beyond ENCRYPTED (docs/entities.md, "Masked fields" and "Data subjects"):
 *
 * - `ssn: text MASKED` / `MASKED UNLESS admin, dpo`: the schema is marked (`masked`, with the
 *   kind of mask its type calls for and the roles that see it whole); the runtime masks it in
 *   every answer (@kova/query masks/). KV2918 refuses it on a field that is not text (or an
 *   enum); KV2919 a role the app's AUTH does not declare; KV2923 a field an IDENTIFIER or a
 *   slug is made from (which would show it).
 * - `ENTITY Person SUBJECT` and `ENTITY Order PERSONAL DATA OF customer`: the schema is marked
 *   (`subject`, `personalDataOf`), so each write's data key is linked to the subject
 *   (@kova/query secrets/encrypted-driver.ts, keyOwner) and `kova db forget Person 42` erases the
 *   person's ENCRYPTED values in every such entity. KV2920 refuses PERSONAL DATA OF a field that
 *   is not a reference to a SUBJECT, KV2921 both on one entity; KV2922 warns when there is nothing
 *   to forget (no ENCRYPTED field).
 */
import type { EntitySchema, MaskRule } from "@kova/query";
import type { EntityDecl } from "../ast/nodes.js";
import { closestName } from "../diagnostics/suggest.js";
import type { CheckContext } from "./context.js";

/** Marks the MASKED fields of the entity's schema, refusing those that are not text (KV2918). */
export function applyMasked(ctx: CheckContext, decl: EntityDecl, schema: EntitySchema): void {
  for (const field of decl.fields) {
    const modifier = field.modifiers.find((m) => m.modifier === "MASKED");
    if (modifier === undefined) continue;
    const name = field.name.name;
    const stored = schema.fields.find((f) => f.name === name);
    if (stored === undefined) continue;
    if (stored.type !== "string" || stored.items !== undefined || stored.references !== undefined || stored.file === true) {
      ctx.diagnostics.report("MaskedFieldType", modifier.span, `'${name}' is ${field.type.name.name}${field.type.array ? "[]" : ""}: only a text field can be MASKED (its characters are what is hidden)`, {
        suggestion: `remove MASKED, or keep the value in a text field (${name}: text MASKED)`,
      });
      continue;
    }
    if (stored.enumValues !== undefined) {
      ctx.diagnostics.report("MaskedFieldType", modifier.span, `'${name}' is an enum: its values are listed in the API for everyone, so masking them hides nothing`, {
        suggestion: "remove MASKED, or make it a text field",
      });
      continue;
    }
    // An identifier or slug made from it would show in every answer what the mask hides.
    const identifier = schema.fields.find((f) => f.computed !== undefined && "identifier" in f.computed && f.computed.identifier.includes(name));
    const slugged = schema.fields.find((f) => f.computed !== undefined && "slug" in f.computed && f.computed.slug === name);
    if (identifier !== undefined || slugged !== undefined) {
      const why = identifier !== undefined ? `${decl.name.name}'s IDENTIFIER slug(…)` : `${slugged!.name} DEFAULT slug(${name})`;
      ctx.diagnostics.report("MaskedFieldDerived", modifier.span, `'${name}' is MASKED, but ${why} is made from it and would show it in every answer`, {
        suggestion: `remove MASKED from '${name}', or make the slug from fields that are not MASKED`,
      });
      continue;
    }
    const kind: MaskRule["kind"] = stored.rich?.name === "email" ? "email" : stored.rich?.name === "phone" ? "phone" : "text";
    stored.masked = { kind, unless: modifier.roles.map((r) => r.name) };
  }
}

/**
 * After every ENTITY and the AUTH declaration: MASKED UNLESS roles exist (KV2919), and SUBJECT /
 * PERSONAL DATA OF are marked on the schemas (KV2920–KV2922).
 */
export function checkSensitive(ctx: CheckContext): void {
  const declared = ctx.model.auth?.roles ?? new Map<string, unknown>();
  for (const info of ctx.model.entities.values()) {
    const here = { ...ctx, file: info.file };
    for (const field of info.decl.fields) {
      for (const role of field.modifiers.find((m) => m.modifier === "MASKED")?.roles ?? []) {
        if (declared.has(role.name)) continue;
        const guess = closestName(role.name, declared.keys());
        here.diagnostics.report("MaskedUnknownRole", role.span, declared.size === 0
          ? `'${role.name}' is not a role: the app declares no AUTH with roles, so nobody could see ${field.name.name} whole`
          : `'${role.name}' is not a role the AUTH declares (it declares: ${[...declared.keys()].join(", ")})`, guess !== undefined
          ? { suggestion: `did you mean '${guess}'?`, replacement: guess }
          : { suggestion: declared.size === 0 ? "declare the roles in AUTH (roles: [\"admin\"]), or drop UNLESS to mask the value for everyone" : "name one of the declared roles, or add it to AUTH's roles" });
      }
    }
    checkSubject(here, info.decl, info.schema);
  }
}

function checkSubject(ctx: CheckContext, decl: EntityDecl, schema: EntitySchema): void {
  const of = decl.personalDataOf;
  if (decl.subject && of !== null) {
    ctx.diagnostics.report("SubjectAndPersonalData", of.span, `${decl.name.name} is SUBJECT, so its records are their own subjects; it cannot also be PERSONAL DATA OF ${of.name}`, {
      suggestion: `keep SUBJECT (each ${decl.name.name} is a person) or PERSONAL DATA OF ${of.name} (each belongs to one), not both`,
    });
    return;
  }
  if (decl.subject) {
    schema.subject = true;
    nothingToForget(ctx, decl, schema, "SUBJECT");
    return;
  }
  if (of === null || of.name === "") return;
  const field = schema.fields.find((f) => f.name === of.name);
  const target = field?.references === undefined ? undefined : ctx.model.entities.get(field.references);
  if (field === undefined || field.references === undefined) {
    const guess = closestName(of.name, schema.fields.filter((f) => f.references !== undefined).map((f) => f.name));
    ctx.diagnostics.report("PersonalDataOfField", of.span, field === undefined ? `${decl.name.name} has no field '${of.name}'` : `'${of.name}' is not a reference: PERSONAL DATA OF names the field that refers to the data subject`, guess !== undefined
      ? { suggestion: `did you mean '${guess}'?`, replacement: guess }
      : { suggestion: `add a reference to the subject (${of.name}: Person) and name it here` });
    return;
  }
  if (target === undefined || !target.decl.subject) {
    ctx.diagnostics.report("PersonalDataOfField", of.span, `'${of.name}' refers to ${field.references}, which is not a SUBJECT: only a data subject's records can be forgotten with their personal data`, {
      suggestion: `declare ENTITY ${field.references} SUBJECT { … }`,
    });
    return;
  }
  schema.personalDataOf = { field: of.name, entity: field.references };
  nothingToForget(ctx, decl, schema, `PERSONAL DATA OF ${of.name}`);
}

/** KV2922: only ENCRYPTED values are erased by forgetting a subject (their keys are destroyed). */
function nothingToForget(ctx: CheckContext, decl: EntityDecl, schema: EntitySchema, what: string): void {
  if (schema.fields.some((f) => f.encrypted === true)) return;
  // A SUBJECT whose personal data lives only in entities that are PERSONAL DATA OF it is fine.
  if (schema.subject === true && [...ctx.model.entities.values()].some((e) => e.decl.personalDataOf !== null && e.schema.fields.some((f) => f.encrypted === true) && e.schema.fields.find((f) => f.name === e.decl.personalDataOf!.name)?.references === decl.name.name)) return;
  ctx.diagnostics.report("PersonalDataNothingToForget", decl.name.span, `${decl.name.name} is ${what} but has no ENCRYPTED field: forgetting its subject erases nothing of it`, {
    suggestion: "mark its personal fields ENCRYPTED (name: text ENCRYPTED); only encrypted values are erased, by destroying their keys",
  });
}
