/**
 * `ENTITY Post AUDIT { … }`: the four fields an audited entity has besides its own, the same on
 * every driver. The checker adds them to the entity's schema (so every driver's migration, the
 * history, OpenAPI and TypeScript types see ordinary fields) and the record codec stamps them
 * (write-record.ts) on every write whose plan carries `audit`.
 */
import type { AuditRole, FieldSchema } from "../plan.js";

/**
 * The audit fields, in the order they follow the entity's own fields. Every write of the program
 * sets them, yet all four may be null: a record stored before AUDIT was added to its entity has
 * no creation instant or author to tell (its created_* stay null; its updated_* are set by its
 * next write), and no driver's migration invents one.
 */
export function auditFields(): FieldSchema[] {
  const at = (name: string, audit: AuditRole): FieldSchema => ({ name, type: "datetime", optional: true, unique: false, index: false, default: { now: true }, audit });
  const by = (name: string, audit: AuditRole): FieldSchema => ({ name, type: "string", optional: true, unique: false, index: false, audit });
  return [at("created_at", "createdAt"), at("updated_at", "updatedAt"), by("created_by", "createdBy"), by("updated_by", "updatedBy")];
}

/** The names `AUDIT` reserves (a field of the entity's own cannot take one). */
export const AUDIT_FIELD_NAMES: readonly string[] = ["created_at", "updated_at", "created_by", "updated_by"];

/** The caller a write is stamped with: `$auth.sub` as text, or null when anonymous. */
export function auditActor(by: unknown): string | null {
  return by === undefined || by === null || by === "" ? null : String(by);
}
