/**
 * The parts of a write statement every flavour writes alike: INSERT's column list and SET. Values
 * the handler supplies are `value` params (checked by the record codec first); values the
 * database computes from the row (`SET hits = hits + 1`) are SQL expressions, so the update is
 * atomic whatever runs concurrently.
 */
import { fullColumns, isIdentifierField, isStamp, readsRow, writtenFields, type EntitySchema, type FieldSchema, type WriteValues } from "@kova/query";
import type { WritePlan } from "./sql-dispatch.js";
import type { Statement } from "./sql-compiled.js";
import type { SqlBuilder } from "./sql-filter.js";
import type { PlaceholderType } from "./sql-flavour.js";

/** What a written field's placeholder stands for: its column type, or a whole list. */
export function placeholderType(f: FieldSchema): PlaceholderType {
  if (f.items !== undefined) return { kind: "array", items: f.items };
  return f.rich === undefined ? { kind: "column", type: f.type } : { kind: "column", type: f.type, rich: f.rich };
}

/** INSERT of one row with every field as a `value` param; `noColumns` is the flavour's form for an entity without fields. */
export function insertStatement(b: SqlBuilder, table: string, entity: EntitySchema, noColumns: string): Statement {
  const q = b.flavour.quoteIdent;
  if (entity.fields.length === 0) return { sql: `INSERT INTO ${q(table)} ${noColumns}`, params: [] };
  const names = entity.fields.map((f) => q(f.name)).join(", ");
  const marks = entity.fields.map((f) => b.push({ from: "value", field: f.name }, placeholderType(f))).join(", ");
  return { sql: `INSERT INTO ${q(table)} (${names}) VALUES (${marks})`, params: b.params };
}

export interface SetOptions {
  /** The column as SET names it (MySQL qualifies it: its UPDATE joins the id list). */
  target(field: string): string;
  /** The condition a `present` placeholder makes (MySQL: `? = 1`). */
  present?(placeholder: string): string;
}

/**
 * SET for an update. Listed fields are set directly (or computed from the row); for an object
 * argument (a partial update whose keys are known only at run time) every field is
 * `CASE WHEN <present> THEN <value> ELSE itself`. Returns null when nothing is set.
 */
export function setClause(b: SqlBuilder, entity: EntitySchema, values: WriteValues, options: SetOptions): string | null {
  const parts: string[] = [];
  const fieldOf = (name: string): FieldSchema => entity.fields.find((f) => f.name === name)!;
  const value = (f: FieldSchema) => b.push({ from: "value", field: f.name }, placeholderType(f));
  if (values.kind === "fields") {
    for (const { field: name, value: operand } of values.fields) {
      if (name === "id") continue;
      const f = fieldOf(name);
      parts.push(`${options.target(name)} = ${readsRow(operand) ? b.operand(operand, f.type).sql : value(f)}`);
    }
    // An AUDIT entity's update also stamps updated_at/updated_by (the record codec sets their values).
    if (values.audit !== undefined) {
      for (const f of entity.fields) if (f.audit === "updatedAt" || f.audit === "updatedBy") parts.push(`${options.target(f.name)} = ${value(f)}`);
    }
    // An identifier the runtime made for the record (VERSIONED, or a backfill: @kova/query identifier.ts).
    if (values.identifier?.value !== undefined) {
      for (const f of entity.fields) if (isIdentifierField(f)) parts.push(`${options.target(f.name)} = ${value(f)}`);
    }
    // A SOFT DELETE entity's delete or RESTORE sets deleted_at/deleted_by (the record codec sets their values).
    if (values.softDelete !== undefined && values.softDelete.action !== "write") {
      for (const f of entity.fields) if (f.softDelete !== undefined) parts.push(`${options.target(f.name)} = ${value(f)}`);
    }
  } else {
    for (const f of entity.fields) {
      const col = options.target(f.name);
      const present = b.push({ from: "present", field: f.name }, { kind: "boolean" });
      parts.push(`${col} = CASE WHEN ${options.present?.(present) ?? present} THEN ${value(f)} ELSE ${col} END`);
    }
  }
  return parts.length === 0 ? null : parts.join(", ");
}

/**
 * SET for a SAVE that replaces a record by id: every field is a `value` param (the runner completes
 * the record first with `saveTarget`), whatever the value listed — but a `DEFAULT now()` field the
 * value leaves out keeps its instant (`CASE WHEN <present> …`, see completeForReplace). Returns null
 * for an entity without fields.
 */
export function replaceClause(b: SqlBuilder, entity: EntitySchema, options: Pick<SetOptions, "target" | "present">): string | null {
  const parts = entity.fields.map((f) => {
    const col = options.target(f.name);
    if (!isStamp(f)) return `${col} = ${b.push({ from: "value", field: f.name }, placeholderType(f))}`;
    const present = b.push({ from: "present", field: f.name }, { kind: "boolean" });
    return `${col} = CASE WHEN ${options.present?.(present) ?? present} THEN ${b.push({ from: "value", field: f.name }, placeholderType(f))} ELSE ${col} END`;
  });
  return parts.length === 0 ? null : parts.join(", ");
}

/**
 * What every compiled write starts with: its dialect and plan, the result's columns, one row or
 * many. Fields a write lists are checked here, at build time (an object's keys at run time).
 */
export function writeBase<D extends string>(dialect: D, plan: WritePlan, entity: EntitySchema) {
  if (plan.kind !== "delete") writtenFields(plan.values, entity);
  return {
    dialect,
    plan,
    kind: plan.kind,
    columns: fullColumns(entity),
    single: plan.kind === "update" || plan.kind === "delete" ? plan.single : true,
  };
}
