/**
 * Computed defaults: `DEFAULT uuid()` (a new random UUID per record) and `DEFAULT slug(title)`
 * (the URL slug of another text field of the same record), filled in when a write leaves the field
 * out — the same on every driver, since every driver completes records with EntityWriteCodec.
 */
import type { FieldSchema } from "../plan.js";
import { newPublicId } from "../public-id-kinds.js";

/** A URL slug: accents dropped, lower case, letters and digits joined by single dashes, at most 200 characters. */
export function slugify(text: string): string {
  const s = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return s.slice(0, 200).replace(/-+$/, "");
}

/** The field `ENTITY … IDENTIFIER slug(…)` adds (identifier.ts): made on insert, kept afterwards. */
export function isIdentifierField(field: FieldSchema): boolean {
  return field.computed !== undefined && "identifier" in field.computed;
}

/**
 * The part of a record's identifier before any suffix (`ENTITY … IDENTIFIER slug(title)`,
 * identifier.ts): the slugs of the source values that give one, joined by dashes, at most 200
 * characters; `empty` (the entity's name as a slug) when none gives any (a title of "!!!").
 */
export function identifierBase(sources: readonly unknown[], empty: string): string {
  const parts = sources.map((s) => (typeof s === "string" ? slugify(s) : "")).filter((s) => s.length > 0);
  const base = parts.join("-").slice(0, 200).replace(/-+$/, "");
  return base.length > 0 ? base : empty;
}

/** The identifier an insert tries at its `attempt`: the base, then `base-2`, `base-3`… */
export function identifierCandidate(base: string, attempt: number): string {
  return attempt <= 1 ? base : `${base}-${attempt}`;
}

/**
 * The value of a computed default, from the record's other values by name (as given, before
 * encoding: text is text on every driver); undefined when the field has none. `attempt` is the
 * identifier's (see identifierCandidate).
 */
export function computedDefault(field: FieldSchema, valueOf: (name: string) => unknown, attempt = 1): unknown {
  const computed = field.computed;
  if (computed === undefined) return undefined;
  // The Web Crypto global (Node ≥ 19 and browsers), so the playground computes ids the same way.
  if ("uuid" in computed) return globalThis.crypto.randomUUID();
  // A time-ordered public id (`PUBLIC ID uuid7`, `PUBLIC ID ulid`): public-id-kinds.ts.
  if ("publicId" in computed) return newPublicId(computed.publicId);
  if ("identifier" in computed) return identifierCandidate(identifierBase(computed.identifier.map(valueOf), computed.empty), attempt);
  const source = valueOf(computed.slug);
  return typeof source === "string" ? slugify(source) : null;
}
