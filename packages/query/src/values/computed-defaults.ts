/**
 * Computed defaults: `DEFAULT uuid()` (a new random UUID per record) and `DEFAULT slug(title)`
 * (the URL slug of another text field of the same record), filled in when a write leaves the field
 * out — the same on every driver, since every driver completes records with EntityWriteCodec.
 */
import type { FieldSchema } from "../plan.js";

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

/**
 * The value of a computed default, from the record's other values by name (as given, before
 * encoding: text is text on every driver); undefined when the field has none.
 */
export function computedDefault(field: FieldSchema, valueOf: (name: string) => unknown): unknown {
  const computed = field.computed;
  if (computed === undefined) return undefined;
  // The Web Crypto global (Node ≥ 19 and browsers), so the playground computes ids the same way.
  if ("uuid" in computed) return globalThis.crypto.randomUUID();
  const source = valueOf(computed.slug);
  return typeof source === "string" ? slugify(source) : null;
}
