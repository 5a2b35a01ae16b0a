import type { BetweenExpr, ComprehensionExpr, ConditionalExpr, Identifier } from "../ast/nodes.js";
import { VariableScope, type CheckContext } from "./context.js";
import { checkExpression } from "./expressions.js";
import { booleanType, comparable, describe, unknownType, type KovaType } from "./types.js";

/** `test ? a : b`: the type both branches share (a null branch takes the other's type). */
export function checkConditional(ctx: CheckContext, expr: ConditionalExpr): KovaType {
  checkExpression(ctx, expr.test);
  return commonType(checkExpression(ctx, expr.then), checkExpression(ctx, expr.otherwise));
}

/** One type for values that may come from either of two places (IF branches, RETURNs). */
export function commonType(a: KovaType, b: KovaType): KovaType {
  if (a.kind === "null") return b;
  if (b.kind === "null") return a;
  if (a.kind !== b.kind) return unknownType;
  if (a.kind === "number" && b.kind === "number") return a.integer && b.integer ? a : { kind: "number", integer: false };
  return a;
}

/** `x BETWEEN low AND high`: the bounds must be comparable with x. */
export function checkBetween(ctx: CheckContext, expr: BetweenExpr): KovaType {
  const operand = checkExpression(ctx, expr.operand);
  for (const bound of [expr.low, expr.high]) {
    const type = checkExpression(ctx, bound);
    if (!comparable(operand, type)) {
      ctx.diagnostics.report("IncompatibleComparison", bound.span, `cannot compare ${describe(operand)} with ${describe(type)}: BETWEEN is never true`, {
        suggestion: "give bounds of the same type as the value",
      });
    }
  }
  return booleanType;
}

/** `[element FOR v IN list IF condition]`: v is each item of the list, in a scope of its own. */
export function checkComprehension(ctx: CheckContext, expr: ComprehensionExpr): KovaType {
  const list = checkExpression(ctx, expr.list);
  const scope = loopScope(ctx, expr.variable, elementOf(ctx, list, expr.list.span));
  const inner: CheckContext = { ...ctx, scope };
  if (expr.condition) checkExpression(inner, expr.condition);
  return { kind: "array", element: checkExpression(inner, expr.element) };
}

/** The type of a list's items; reports a value that is not a list. */
export function elementOf(ctx: CheckContext, list: KovaType, span: ComprehensionExpr["span"]): KovaType {
  if (list.kind === "array") return list.element;
  if (list.kind !== "unknown" && list.kind !== "null") {
    ctx.diagnostics.report("TypeMismatch", span, `FOR … IN needs a list, but this is ${describe(list)}`, {
      suggestion: "loop over a query that returns rows, a list literal, or split(text, \",\")",
    });
  }
  return unknownType;
}

/** A scope holding only the loop variable; refuses a name that would hide a variable of the handler. */
export function loopScope(ctx: CheckContext, variable: Identifier, type: KovaType): VariableScope {
  const scope = new VariableScope(ctx.scope);
  const hidden = ctx.scope?.lookup(variable.name);
  if (hidden) {
    ctx.diagnostics.report("ShadowedName", variable.span, `'${variable.name}' is already a variable here (line ${hidden.declaration.span.start.line}); a loop variable needs a name of its own`, {
      suggestion: `rename the loop variable, e.g. each_${variable.name}`,
    });
  }
  const defined = scope.define(variable, type);
  defined.used = true;
  ctx.model.resolutions.set(variable, variable);
  return scope;
}
