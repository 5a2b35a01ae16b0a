/**
 * Typed json fields (`meta: { kind: text, size: { w: int, h: int }? }?`): the shape is written like
 * a VALIDATE shape, stored as JSON, and known to the checker (a path into it has the declared type;
 * a key it does not declare is an error with did-you-mean) and to the drivers (FieldSchema.shape:
 * writes are checked against it; a number in it compares and sorts as a number).
 */
import { jsonTypeAt, type FieldSchema, type JsonType } from "@kova/query";
import type { FieldDecl, Identifier } from "../ast/nodes.js";
import { report, type CheckContext } from "./context.js";
import { validationType } from "./declarations.js";
import type { EntityInfo } from "./model.js";
import { booleanType, intType, numberType, stringType, type KovaType, type ShapeField } from "./types.js";

/** `meta: { … }` (or `{ … }[]`) on an entity: a json field with its declared shape. */
export function jsonShapeSchema(ctx: CheckContext, field: FieldDecl): FieldSchema {
  const t = field.type;
  const type = validationType(ctx, { ...t, optional: false });
  return { name: field.name.name, type: "json", shape: toJsonType(type), optional: t.optional, unique: false, index: false };
}

/** The checker's type of a shape as the drivers' JsonType (strings of any format are strings). */
function toJsonType(type: KovaType): JsonType {
  switch (type.kind) {
    case "string":
      return type.enumValues ? { kind: "string", enumValues: type.enumValues } : { kind: "string" };
    case "datetime":
      return { kind: "string" };
    case "number":
      return type.integer ? { kind: "int" } : { kind: "float" };
    case "boolean":
      return { kind: "boolean" };
    case "array":
      return { kind: "list", items: toJsonType(type.element) };
    case "object":
      if (type.fields === null) return { kind: "any" };
      return { kind: "object", fields: [...type.fields].map(([name, f]) => ({ name, type: toJsonType(f.type), optional: f.optional })) };
    default:
      return { kind: "any" };
  }
}

/** The type a shaped json field has in the row (and so in handler code and in query paths). */
export function jsonFieldType(shape: JsonType): KovaType {
  switch (shape.kind) {
    case "string":
      return shape.enumValues ? { kind: "string", enumValues: shape.enumValues } : stringType;
    case "int":
      return intType;
    case "float":
      return numberType;
    case "boolean":
      return booleanType;
    case "any":
      return { kind: "unknown" };
    case "list":
      return { kind: "array", element: jsonFieldType(shape.items) };
    case "object":
      return { kind: "object", fields: new Map<string, ShapeField>(shape.fields.map((f) => [f.name, { type: jsonFieldType(f.type), optional: f.optional }])) };
  }
}

/** Whether the declared type at a json path is a number: such a path compares and sorts as a number. */
export function isNumericPath(entity: EntityInfo, field: string, path: readonly string[]): boolean {
  const shape = entity.schema.fields.find((f) => f.name === field)?.shape;
  const at = jsonTypeAt(shape, path);
  return at?.kind === "int" || at?.kind === "float";
}

/** Whether `name` is a json field of the entity (not a list): `name.key` is a path into it. */
export function namesJsonField(entity: EntityInfo, name: string): boolean {
  return entity.schema.fields.some((f) => f.name === name && f.type === "json" && f.items === undefined);
}

/**
 * `ORDER_BY meta.size.w`: the first name is a json field of the entity (not a relation). Checks the
 * keys against a declared shape (KV2002 with did-you-mean); returns false when the first name is no
 * json field, so the caller treats the path as one through relations.
 */
export function checkJsonOrder(ctx: CheckContext, entity: EntityInfo, via: readonly Identifier[], field: Identifier): boolean {
  const json = entity.schema.fields.find((f) => f.name === via[0]?.name && f.type === "json" && f.items === undefined);
  if (json === undefined) return false;
  let at: JsonType | undefined = json.shape;
  for (const key of [...via.slice(1), field]) {
    if (at === undefined || at.kind === "any") return true;
    if (at.kind !== "object") {
      ctx.diagnostics.report("JsonPathNotAValue", key.span, `'${key.name}' is inside a list or a value, not an object, in ${json.name}`, { suggestion: "order by a key of an object in the json field" });
      return true;
    }
    const found = at.fields.find((f) => f.name === key.name);
    if (found === undefined) {
      report(ctx, "UnknownField", key.span, `${json.name} has no key '${key.name}' in its declared shape`, at.fields.map((f) => f.name), key.name);
      return true;
    }
    at = found.type;
  }
  if (at !== undefined && (at.kind === "object" || at.kind === "list")) {
    ctx.diagnostics.report("JsonPathNotAValue", field.span, `ORDER_BY ${[...via, field].map((i) => i.name).join(".")}: that is ${at.kind === "list" ? "a list" : "an object"}, not one value`, { suggestion: "order by a key that holds text, a number or a boolean" });
  }
  return true;
}
