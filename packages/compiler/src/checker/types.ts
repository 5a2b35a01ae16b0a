import type { ScalarType } from "@kova/query";

/**
 * The checker's view of a value's type. Deliberately small: enough to catch comparisons that can
 * never match, wrong field names on shapes and rows, and wrong clause values — not a full type system.
 * `unknown` is compatible with everything (request query strings, JSON columns, imported functions).
 */
export type KovaType =
  | { kind: "unknown" }
  | { kind: "null" }
  | { kind: "boolean" }
  | { kind: "number"; integer: boolean }
  | { kind: "string"; enumValues?: string[] }
  | { kind: "datetime" }
  | { kind: "duration" }
  | { kind: "array"; element: KovaType }
  /** A record with known fields (a row, a VALIDATE shape, an object literal) or an open one (`fields` null). */
  /** `task`: a SPAWN's task (an opaque object), whose AWAIT is a value of that type. */
  | { kind: "object"; fields: Map<string, ShapeField> | null; entity?: string; shape?: string; task?: KovaType };

export interface ShapeField {
  type: KovaType;
  optional: boolean;
}

export const unknownType: KovaType = { kind: "unknown" };
export const stringType: KovaType = { kind: "string" };
export const numberType: KovaType = { kind: "number", integer: false };
export const intType: KovaType = { kind: "number", integer: true };
export const booleanType: KovaType = { kind: "boolean" };
export const nullType: KovaType = { kind: "null" };
export const datetimeType: KovaType = { kind: "datetime" };
export const openObject: KovaType = { kind: "object", fields: null };

/** Type names an ENTITY field may use, with the stored scalar they become. */
export const ENTITY_FIELD_TYPES: Readonly<Record<string, ScalarType>> = {
  text: "string",
  string: "string",
  email: "string",
  url: "string",
  int: "int",
  integer: "int",
  float: "float",
  number: "float",
  decimal: "decimal",
  bool: "boolean",
  boolean: "boolean",
  datetime: "datetime",
  timestamp: "datetime",
  date: "date",
  uuid: "uuid",
  json: "json",
  enum: "string",
};

/** Type names a VALIDATE field may use. */
export const VALIDATION_TYPES: ReadonlySet<string> = new Set([
  "string", "text", "number", "int", "integer", "float", "decimal", "boolean", "bool",
  "email", "url", "uuid", "date", "datetime", "enum", "any", "json",
]);

export function scalarToType(scalar: ScalarType, enumValues?: string[]): KovaType {
  switch (scalar) {
    case "string":
    case "uuid":
      return enumValues ? { kind: "string", enumValues } : stringType;
    case "int":
      return intType;
    case "float":
    case "decimal":
      return numberType;
    case "boolean":
      return booleanType;
    case "datetime":
    case "date":
      return datetimeType;
    case "json":
      return unknownType;
  }
}

/** The type of a validation type name (for VALIDATE shapes). */
export function validationNameToType(name: string, enumValues?: string[]): KovaType {
  switch (name) {
    case "int":
    case "integer":
      return intType;
    case "number":
    case "float":
    case "decimal":
      return numberType;
    case "boolean":
    case "bool":
      return booleanType;
    case "date":
    case "datetime":
      return datetimeType;
    case "any":
    case "json":
      return unknownType;
    case "enum":
      return enumValues ? { kind: "string", enumValues } : stringType;
    default:
      return stringType;
  }
}

export function describe(type: KovaType): string {
  switch (type.kind) {
    case "number":
      return type.integer ? "int" : "number";
    case "array":
      return `${describe(type.element)}[]`;
    case "object":
      return type.entity ? `${type.entity} row` : type.shape ? type.shape : type.task ? "task" : "object";
    case "string":
      return type.enumValues ? `enum(${type.enumValues.map((v) => JSON.stringify(v)).join(", ")})` : "text";
    default:
      return type.kind;
  }
}

/** Can values of these two types ever be equal (or ordered against each other)? */
export function comparable(a: KovaType, b: KovaType): boolean {
  if (a.kind === "unknown" || b.kind === "unknown" || a.kind === "null" || b.kind === "null") return true;
  // Timestamps are written as ISO strings in requests and literals.
  if ((a.kind === "datetime" && b.kind === "string") || (a.kind === "string" && b.kind === "datetime")) return true;
  if (a.kind !== b.kind) return false;
  if (a.kind === "array" && b.kind === "array") return comparable(a.element, b.element);
  return true;
}

/** May a value of type `value` be stored where `target` is expected? */
export function assignable(value: KovaType, target: KovaType): boolean {
  if (target.kind === "unknown" || value.kind === "unknown" || value.kind === "null") return true;
  if (target.kind === "number" && value.kind === "number") return !target.integer || value.integer;
  if (target.kind === "datetime" && value.kind === "string") return true;
  if (target.kind === "array" && value.kind === "array") return assignable(value.element, target.element);
  return target.kind === value.kind;
}
