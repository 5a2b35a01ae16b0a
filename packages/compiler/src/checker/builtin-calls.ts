import type { CallExpr, Expression } from "../ast/nodes.js";
import { closestName } from "../diagnostics/suggest.js";
import { report, type CheckContext } from "./context.js";
import { builtinSignature, fitsArgument, maxArity, minArity, type Builtin, type ConstantCheck } from "./builtins.js";
import { describe, type KovaType } from "./types.js";

const DATE_UNITS = ["year", "month", "week", "day", "hour", "minute", "second"];
const SORT_ORDERS = ["asc", "desc"];

let zoneNames: string[] | undefined;

function timeZones(): string[] {
  zoneNames ??= (Intl as unknown as { supportedValuesOf(key: string): string[] }).supportedValuesOf("timeZone");
  return zoneNames;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Checks a call to a built-in: arity, argument kinds, constant arguments; returns the result type. */
export function checkBuiltinCall(ctx: CheckContext, expr: CallExpr, builtin: Builtin, argTypes: KovaType[]): KovaType {
  const min = minArity(builtin);
  const max = maxArity(builtin);
  const count = expr.args.length;
  if (count < min || count > max) {
    const takes = max === Infinity ? `at least ${min} argument${min === 1 ? "" : "s"}` : min === max ? (min === 0 ? "no arguments" : `${min} argument${min === 1 ? "" : "s"}`) : `${min} to ${max} arguments`;
    ctx.diagnostics.report("WrongArgumentCount", expr.span, `${builtin.name}() takes ${takes}, not ${count}`, {
      suggestion: `call it as ${builtinSignature(builtin)}`,
    });
  }
  expr.args.forEach((arg, i) => {
    const param = builtin.params[Math.min(i, builtin.params.length - 1)];
    if (!param) return;
    const type = argTypes[i];
    if (!fitsArgument(type, param.kind)) {
      ctx.diagnostics.report("TypeMismatch", arg.span, `${builtin.name}() needs ${param.kind} for '${param.name}', but this is ${describe(type)}`, {
        suggestion: `call it as ${builtinSignature(builtin)}`,
      });
      return;
    }
    const check = builtin.constants?.[i] ?? (param.rest ? builtin.constants?.[builtin.params.indexOf(param)] : undefined);
    if (check) checkConstant(ctx, builtin, check, arg, argTypes[0]);
  });
  return builtin.result(argTypes, expr.args);
}

function checkConstant(ctx: CheckContext, builtin: Builtin, check: ConstantCheck, arg: Expression, first: KovaType | undefined): void {
  if (arg.kind !== "String") return;
  const value = arg.value;
  switch (check) {
    case "regex":
      try {
        new RegExp(value, "u");
      } catch (error) {
        ctx.diagnostics.report("InvalidRegex", arg.span, `this regular expression does not compile: ${(error as Error).message.replace(/^Invalid regular expression: /, "")}`, {
          suggestion: "fix the pattern (JavaScript syntax); write it in single quotes so braces are not interpolation",
        });
      }
      return;
    case "time zone":
      if (!isTimeZone(value)) {
        report(ctx, "UnknownTimeZone", arg.span, `${JSON.stringify(value)} is not a time zone (use an IANA name such as "Europe/Paris" or "UTC")`, timeZones(), value);
      }
      return;
    case "date unit":
      if (!DATE_UNITS.includes(value)) report(ctx, "InvalidArgument", arg.span, `${builtin.name}() has no unit ${JSON.stringify(value)} (units: ${DATE_UNITS.join(", ")})`, DATE_UNITS, value);
      return;
    case "sort order":
      if (!SORT_ORDERS.includes(value)) report(ctx, "InvalidArgument", arg.span, `the order is "asc" or "desc", not ${JSON.stringify(value)}`, SORT_ORDERS, value);
      return;
    case "row field": {
      const row = first?.kind === "array" ? first.element : first;
      if (row?.kind !== "object" || !row.fields || row.fields.has(value)) return;
      const owner = row.entity ? `a ${row.entity} row` : row.shape ? `shape ${row.shape}` : "this object";
      const guess = closestName(value, row.fields.keys());
      ctx.diagnostics.report("UnknownField", arg.span, `${owner} has no field ${JSON.stringify(value)}`, guess !== undefined
        ? { suggestion: `did you mean '${guess}'?`, replacement: JSON.stringify(guess) }
        : { suggestion: `its fields are ${[...row.fields.keys()].join(", ")}` });
    }
  }
}
