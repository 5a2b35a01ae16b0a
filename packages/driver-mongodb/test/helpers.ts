/** Shared test fixtures: entities and plan builders. */
import type { EntitySchema, FieldSchema, Filter, HistoryPlan, Operand, OrderTerm, QueryPlan, SelectPlan } from "@kova/query";
import { mongoDialect } from "../src/index.js";

function field(name: string, type: FieldSchema["type"], extra: Partial<FieldSchema> = {}): FieldSchema {
  return { name, type, optional: false, unique: false, index: false, ...extra };
}

export const User: EntitySchema = {
  name: "User",
  table: "user",
  fields: [
    field("name", "string"),
    field("email", "string", { unique: true }),
    field("age", "int", { optional: true, index: true }),
    field("score", "float", { optional: true }),
    field("price", "decimal", { optional: true }),
    field("active", "boolean", { default: { value: true } }),
    field("meta", "json", { optional: true }),
    field("born", "date", { optional: true }),
    field("joined", "datetime", { default: { now: true } }),
    field("role", "string", { optional: true, enumValues: ["admin", "member"] }),
  ],
};

export const Note: EntitySchema = { name: "Note", table: "note", fields: [field("text", "string"), field("big", "int", { optional: true })] };

export const entities = new Map([User, Note].map((e) => [e.name, e]));

export const f = (name: string): Operand => ({ kind: "field", field: name });
export const arg = (index: number): Operand => ({ kind: "arg", index });
export const lit = (value: string | number | boolean | null): Operand => ({ kind: "literal", value });
export const eq = (left: Operand, right: Operand): Filter => ({ kind: "compare", op: "==", left, right });
export const byId = (index = 0): Filter => eq(f("id"), arg(index));

export function select(entity: string, extra: Partial<SelectPlan> = {}): SelectPlan {
  return { kind: "select", entity, fields: null, where: null, orderBy: [], limit: null, offset: null, asOf: null, single: false, ...extra };
}
export function history(entity: string, extra: Partial<HistoryPlan> = {}): HistoryPlan {
  return { kind: "history", entity, where: null, orderBy: [], limit: null, offset: null, ...extra };
}
export const asc = (name: string): OrderTerm => ({ field: name, direction: "ASC" });
export const desc = (name: string): OrderTerm => ({ field: name, direction: "DESC" });
export const insertPlan = (entity: string): QueryPlan => ({ kind: "insert", entity, values: { kind: "object", operand: arg(0) } });
export const savePlan = (entity: string): QueryPlan => ({ kind: "save", entity, values: { kind: "object", operand: arg(0) } });
export const updatePlan = (entity: string): QueryPlan => ({ kind: "update", entity, values: { kind: "object", operand: arg(1) }, where: byId(0), single: true });
export const deletePlan = (entity: string): QueryPlan => ({ kind: "delete", entity, where: byId(0), single: true });

export const cmp = (op: "==" | "!=" | "<" | "<=" | ">" | ">=", left: Operand, right: Operand): Filter => ({ kind: "compare", op, left, right });

/** Compiles through a JSON round trip, as `kova build` writes the statements into the app. */
export function compile(plan: QueryPlan): any {
  const compiled = mongoDialect.compile(plan, entities);
  const json = JSON.parse(JSON.stringify(compiled));
  return json;
}

