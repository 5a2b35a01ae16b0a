/**
 * `email: email ENCRYPTED` (docs/entities.md, "Encrypted fields"): the field is stored as
 * AES-256-GCM ciphertext under a data key of the record's own (@kova/query secrets/), so the
 * database can neither compare, order nor index its values. Declared here: the schema is marked
 * (`encrypted`), and what cannot work is refused where it is written —
 * - KV2970: ENCRYPTED on a field that is not text (a number, a boolean, a date, a list, a
 *   reference or a file have no text to hold ciphertext);
 * - KV2971: ENCRYPTED with UNIQUE, INDEX, PRIMARY or DEFAULT, in a composite UNIQUE/INDEX, or
 *   as a source of the entity's IDENTIFIER (each would need the plaintext in the database).
 * Queries comparing or ordering by it (KV2972), an UPDATE of many records writing it (KV2973) and
 * drivers that cannot keep the key table (KV2974) are refused by the build, on the plans
 * (build/encrypted-plans.ts).
 */
import type { EntitySchema } from "@kova/query";
import type { EntityDecl } from "../ast/nodes.js";
import type { CheckContext } from "./context.js";

/** Marks the ENCRYPTED fields of the entity's schema, refusing those that cannot be (KV2970, KV2971). */
export function applyEncrypted(ctx: CheckContext, decl: EntityDecl, schema: EntitySchema): void {
  for (const field of decl.fields) {
    const modifier = field.modifiers.find((m) => m.modifier === "ENCRYPTED");
    if (modifier === undefined) continue;
    const name = field.name.name;
    const stored = schema.fields.find((f) => f.name === name);
    if (stored === undefined) continue;
    if (stored.type !== "string" || stored.items !== undefined || stored.references !== undefined || stored.file === true) {
      ctx.diagnostics.report("EncryptedFieldType", modifier.span, `'${name}' is ${field.type.name.name}${field.type.array ? "[]" : ""}: only a text field can be ENCRYPTED (its ciphertext is text)`, {
        suggestion: `remove ENCRYPTED, or keep the value in a text field (${name}: text ENCRYPTED)`,
      });
      continue;
    }
    const clash = field.modifiers.find((m) => m.modifier === "UNIQUE" || m.modifier === "INDEX" || m.modifier === "PRIMARY" || m.modifier === "DEFAULT");
    if (clash !== undefined) {
      ctx.diagnostics.report("EncryptedFieldModifier", clash.span, `'${name}' is ENCRYPTED: the database holds only ciphertext, so ${clash.modifier} cannot work on it`, {
        suggestion: `remove ${clash.modifier}; to look records up by this value, keep a separate field that is not ENCRYPTED`,
      });
      continue;
    }
    const composite = [...(schema.uniques ?? []).map((f) => ["UNIQUE", f] as const), ...(schema.indexes ?? []).map((f) => ["INDEX", f] as const)].find(([, fields]) => fields.includes(name));
    const identifier = schema.fields.find((f) => f.computed !== undefined && "identifier" in f.computed && f.computed.identifier.includes(name));
    const slugged = schema.fields.find((f) => f.computed !== undefined && "slug" in f.computed && f.computed.slug === name);
    const why = composite !== undefined ? `${composite[0]} (${composite[1].join(", ")})` : identifier !== undefined ? `IDENTIFIER slug(…)` : slugged !== undefined ? `${slugged.name} DEFAULT slug(${name})` : undefined;
    if (why !== undefined) {
      ctx.diagnostics.report("EncryptedFieldModifier", modifier.span, `'${name}' is ENCRYPTED, but ${decl.name.name} uses it in ${why}, which would need its plaintext in the database`, {
        suggestion: `remove ENCRYPTED from '${name}', or leave it out of ${why}`,
      });
      continue;
    }
    stored.encrypted = true;
  }
}
