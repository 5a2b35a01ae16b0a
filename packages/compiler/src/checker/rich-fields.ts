/**
 * Rich scalar types (phone, money, ipv4, decimal(p, s), … — @kova/query's rich-types registry) in
 * ENTITY fields and VALIDATE shapes: which names are rich, decimal(p, s)'s arguments, and the
 * comparisons that have no common meaning across drivers (KV2800).
 */
import { MAX_DECIMAL_PRECISION, RICH_TYPES, richType, type FieldSchema, type RichTypeRef } from "@kova/query";
import type { Expression, Identifier, TypeRef } from "../ast/nodes.js";
import type { CheckContext } from "./context.js";
import { constantValue } from "./fold.js";
import type { EntityInfo } from "./model.js";
import { intType, numberType, stringType, type KovaType } from "./types.js";

/** Every rich type name, for completion and did-you-mean lists. */
export const RICH_TYPE_NAMES: readonly string[] = [...RICH_TYPES.keys()];

/** One line for an editor: what the type holds and an example ("a phone number … e.g. "+14155550100""). */
export function richTypeSummary(name: string): string | undefined {
  const type = richType(name);
  return type && `${type.description}; e.g. ${JSON.stringify(type.example)}`;
}

/**
 * The rich type a TypeRef names, with its storage scalar; undefined for a plain type (`decimal`
 * without arguments stays the plain decimal). decimal(p, s)'s arguments are checked here (KV2801).
 */
export function richTypeRef(ctx: CheckContext, t: TypeRef): { ref: RichTypeRef; storage: FieldSchema["type"] } | undefined {
  const type = richType(t.name.name);
  if (type === undefined || (type.arity !== undefined && t.args.length === 0)) return undefined;
  if (type.arity === undefined) return { ref: { name: type.name }, storage: type.storage };
  const args = t.args.map((a) => constantValue(a)?.value);
  const [p, s] = args;
  const whole = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);
  if (args.length !== 2 || !whole(p) || !whole(s) || p < 1 || p > MAX_DECIMAL_PRECISION || s < 0 || s > p) {
    ctx.diagnostics.report("InvalidDecimalPrecision", t.span, `decimal(p, s) takes two whole numbers: p digits in all (1 to ${MAX_DECIMAL_PRECISION}), s of them after the point (0 to p)`, {
      suggestion: "write decimal(10, 2) for amounts with cents",
    });
    return { ref: { name: type.name, args: [MAX_DECIMAL_PRECISION, 0] }, storage: type.storage };
  }
  return { ref: { name: type.name, args: [p, s] }, storage: type.storage };
}

/** The checker's type of a rich value (its storage scalar's). */
export function richKovaType(storage: FieldSchema["type"]): KovaType {
  return storage === "int" ? intType : storage === "float" || storage === "decimal" ? numberType : stringType;
}

/** The rich field `name` of `entity`, when its type has no order shared by every driver. */
function unorderedRich(entity: EntityInfo, name: string): string | undefined {
  const rich = entity.schema.fields.find((f) => f.name === name)?.rich;
  return rich !== undefined && richType(rich.name)?.orderable === false ? rich.name : undefined;
}

/** ORDER_BY, MIN/MAX, <, >, BETWEEN on a field whose type has no common order (KV2800). */
export function checkRichOrder(ctx: CheckContext, entity: EntityInfo, field: Expression | Identifier, clause: string): void {
  // A field named in ORDER_BY (an Identifier) or in a condition (a Name expression).
  const name = field.kind === "Name" || field.kind === "Identifier" ? field.name : undefined;
  if (name === undefined) return;
  const type = unorderedRich(entity, name);
  if (type === undefined) return;
  ctx.diagnostics.report("UnorderedRichType", field.span, `${clause} on '${name}': a ${type} value has no order every database agrees on`, {
    suggestion: `compare '${name}' with == or IN, or order by another field`,
  });
}
