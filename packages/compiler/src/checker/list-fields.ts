/**
 * List fields on entities (`tags: text[]`, `scores: int[]`): the field's schema, its type in the
 * row, and the one test a query makes on it — `contains(tags, $tag)` (or `$tag IN tags`), which
 * every relational driver compiles (native arrays on PostgreSQL, JSON arrays elsewhere).
 */
import type { FieldSchema, ListItemType } from "@kova/query";
import type { Expression, FieldDecl, Identifier, OrderBy } from "../ast/nodes.js";
import { report, type CheckContext } from "./context.js";
import type { EntityInfo } from "./model.js";
import { assignable, describe, ENTITY_FIELD_TYPES, scalarToType, type KovaType } from "./types.js";

/** The element types a list may hold, by the names a program writes. */
const LIST_ELEMENT_NAMES: Readonly<Record<string, ListItemType>> = { text: "string", string: "string", int: "int", integer: "int", float: "float", number: "float" };

/**
 * `name: text[]`: a json-typed field whose `items` is the element type. An element type other than
 * text, int or float is KV2380; UNIQUE, INDEX or DEFAULT on a list is KV2381.
 */
export function listFieldSchema(ctx: CheckContext, field: FieldDecl): FieldSchema | undefined {
  const t = field.type;
  const typeName = t.name.name;
  const items = LIST_ELEMENT_NAMES[typeName];
  if (items === undefined) {
    if (typeName !== "") {
      const known = ENTITY_FIELD_TYPES[typeName] !== undefined;
      report(
        ctx,
        "UnsupportedListElement",
        t.name.span,
        known ? `a list field holds text, int or float elements, not ${typeName}` : `'${typeName}' is not a list element type (text, int or float)`,
        Object.keys(LIST_ELEMENT_NAMES),
        typeName,
      );
    }
    return undefined;
  }
  for (const m of field.modifiers) {
    if (m.modifier === "UNIQUE" || m.modifier === "PRIMARY" || m.modifier === "INDEX" || m.modifier === "DEFAULT") {
      ctx.diagnostics.report("ListFieldModifier", m.span, `${m.modifier} does not apply to the list field '${field.name.name}'`, {
        suggestion: m.modifier === "DEFAULT" ? "leave DEFAULT out: an INSERT that omits an optional list stores null" : `remove ${m.modifier}, or keep the values in an entity of their own that refers back to this one`,
      });
    }
  }
  return { name: field.name.name, type: "json", items, optional: t.optional, unique: false, index: false };
}

/** The type a list field has in the row: a list of its elements. */
export function listFieldType(items: ListItemType): KovaType {
  return { kind: "array", element: scalarToType(items) };
}

/** Whether `e` names a list field of the entity (`tags`). */
export function isListField(entity: EntityInfo, e: Expression): boolean {
  return e.kind === "Name" && entity.schema.fields.some((f) => f.name === e.name && f.items !== undefined);
}

/** `contains(tags, value)` with a list field first: the filter it plans to, or undefined. */
export function containsCall(entity: EntityInfo, e: Expression): { field: string; item: Expression } | undefined {
  if (e.kind !== "Call" || e.callee.name !== "contains" || e.args.length !== 2) return undefined;
  const [list, item] = e.args;
  return isListField(entity, list) ? { field: (list as { name: string }).name, item } : undefined;
}

/** `value IN tags` with a list field on the right: the same test as contains(tags, value). */
export function inListField(entity: EntityInfo, e: Expression): { field: string; item: Expression } | undefined {
  if (e.kind !== "Binary" || e.operator !== "IN" || !isListField(entity, e.right)) return undefined;
  return { field: (e.right as { name: string }).name, item: e.left };
}

/**
 * A WHERE test on a list field: `contains(tags, v)` / `v IN tags` with a value (not a field) as v
 * is what the databases compile; a list compared, LIKE'd or used as a boolean is KV2382.
 * Returns true when `e` is such a test (checked), so the caller does not look at it again.
 */
export function checkListCondition(ctx: CheckContext, entity: EntityInfo, e: Expression, mentionsField: (x: Expression) => boolean): boolean {
  const test = containsCall(entity, e) ?? inListField(entity, e);
  if (test !== undefined) {
    if (mentionsField(test.item)) {
      ctx.diagnostics.report("ListFieldMisuse", test.item.span, `contains(${test.field}, …) tests the list for a value, not for another field`, {
        suggestion: "compare with a request value, a variable or a literal",
      });
      return true;
    }
    // The element type is the field's: contains(tags, 3) on a text list is never true.
    const items = entity.schema.fields.find((f) => f.name === test.field)!.items!;
    const element = scalarToType(items);
    const type = ctx.model.types.get(test.item);
    if (type !== undefined && type.kind !== "unknown" && !assignable(type, element) && !(items !== "string" && type.kind === "string")) {
      ctx.diagnostics.report("TypeMismatch", test.item.span, `'${test.field}' holds ${describe(element)} elements, and this is ${describe(type)}: the test is never true`);
    }
    return true;
  }
  const sides = e.kind === "Binary" ? [e.left, e.right] : e.kind === "IsNull" || e.kind === "Between" ? [] : [e];
  const list = sides.find((side) => isListField(entity, side));
  if (list !== undefined) {
    const name = (list as { name: string }).name;
    ctx.diagnostics.report("ListFieldMisuse", list.span, `'${name}' is a list: a WHERE tests whether it holds a value`, {
      suggestion: `write contains(${name}, <value>) or <value> IN ${name}`,
    });
    return true;
  }
  return false;
}

/** ORDER_BY a list field: lists have no order of their own across databases (KV2382). */
export function checkListOrder(ctx: CheckContext, entity: EntityInfo, orderBy: OrderBy | null): void {
  for (const item of orderBy?.items ?? []) {
    if (item.via.length > 0) continue;
    for (const name of item.choice ? item.choice.fields : [item.field]) listMisuse(ctx, entity, name, "ORDER_BY", "order by a field that holds one value");
  }
}

/** GROUP_BY a list field (KV2382): rows are grouped by one value each. */
export function checkListGroup(ctx: CheckContext, entity: EntityInfo, fields: readonly Identifier[]): void {
  for (const name of fields) listMisuse(ctx, entity, name, "GROUP_BY", "group by a field that holds one value, and test the list with contains in the WHERE");
}

/**
 * `COUNT(tags)` beside fields, with `tags` a list field: beside fields COUNT(x) counts related rows
 * (a relation), so a list there is KV2382, naming both meanings. Returns whether it reported.
 */
export function checkListCount(ctx: CheckContext, entity: EntityInfo, name: Identifier): boolean {
  if (!entity.schema.fields.some((f) => f.name === name.name && f.items !== undefined)) return false;
  ctx.diagnostics.report("ListFieldMisuse", name.span, `beside fields, COUNT(${name.name}) counts related rows, and '${name.name}' is a list field, not a relation`, {
    suggestion: `to count the rows whose ${name.name} is set, select the aggregate alone (SELECT COUNT(${name.name}) AS n FROM …); to find rows by an element, WHERE contains(${name.name}, <value>)`,
  });
  return true;
}

function listMisuse(ctx: CheckContext, entity: EntityInfo, name: Identifier, clause: string, instead: string): void {
  if (!entity.schema.fields.some((f) => f.name === name.name && f.items !== undefined)) return;
  ctx.diagnostics.report("ListFieldMisuse", name.span, `${clause} ${name.name}: '${name.name}' is a list, which databases do not ${clause === "ORDER_BY" ? "order" : "group"} alike`, {
    suggestion: instead,
  });
}
