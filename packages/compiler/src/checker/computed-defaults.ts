/**
 * `DEFAULT uuid()` and `DEFAULT slug(title)` on an entity field: a default computed per record
 * (@kova/query values/computed-defaults.ts). `uuid()` fits a uuid or text field; `slug(f)` fits a
 * text field and names another text field `f` of the same entity (its value as the write gives it).
 */
import type { EntityDecl, Expression, FieldDecl } from "../ast/nodes.js";
import type { FieldSchema } from "@kova/query";
import { report, type CheckContext } from "./context.js";

const TEXT_TYPES: ReadonlySet<string> = new Set(["string", "uuid"]);

/** Whether `value` is a computed default this checker handles (then it has checked it). */
export function checkComputedDefault(ctx: CheckContext, decl: EntityDecl, field: FieldDecl, schema: FieldSchema, value: Expression): boolean {
  if (value.kind !== "Call" || (value.callee.name !== "uuid" && value.callee.name !== "slug")) return false;
  const name = value.callee.name;
  if (name === "uuid") {
    if (value.args.length > 0) ctx.diagnostics.report("WrongArgumentCount", value.span, "uuid() takes no arguments", { suggestion: "write DEFAULT uuid()" });
    else if (!TEXT_TYPES.has(schema.type)) ctx.diagnostics.report("TypeMismatch", value.span, `uuid() is text, but '${schema.name}' is ${schema.type}`, { suggestion: `declare ${schema.name}: uuid` });
    else schema.computed = { uuid: true };
    return true;
  }
  const source = value.args[0];
  if (value.args.length !== 1 || source.kind !== "Name") {
    ctx.diagnostics.report("InvalidArgument", value.span, "a DEFAULT slug() takes one field of this entity, as in DEFAULT slug(title)", { suggestion: "name the text field the slug is made from" });
    return true;
  }
  const others = decl.fields.filter((f) => f !== field && f.by === null);
  const target = others.find((f) => f.name.name === source.name);
  if (target === undefined) {
    report(ctx, "UnknownField", source.span, `${decl.name.name} has no field '${source.name}' to make the slug from`, others.map((f) => f.name.name), source.name);
    return true;
  }
  if (!["string", "text", "email", "url"].includes(target.type.name.name) || schema.type !== "string") {
    ctx.diagnostics.report("TypeMismatch", value.span, `slug() makes text from text: '${source.name}' is ${target.type.name.name} and '${schema.name}' is ${schema.type}`, {
      suggestion: "make the slug from a text field, into a text field",
    });
    return true;
  }
  schema.computed = { slug: source.name };
  return true;
}
