/**
 * SPAWN and AWAIT (docs/language.md, "Concurrent work"). `SPAWN f(args)` runs an FN of the program
 * as a task beside the code that spawned it: its arguments are evaluated when it is spawned, so a
 * task sees only what it was given and shares nothing else (Kova values are never changed in
 * place), and the two tiers give the same answers whatever order the tasks run in. `AWAIT t` is
 * the FN's result, or its error.
 */
import type { AwaitExpr, SpawnExpr } from "../ast/nodes.js";
import type { CheckContext } from "./context.js";
import { checkExpression } from "./expressions.js";
import { describe, unknownType, type KovaType } from "./types.js";

export function checkSpawn(ctx: CheckContext, expr: SpawnExpr): KovaType {
  const call = expr.call;
  const isFunctionCall = call.kind === "Call" && ctx.model.kovaFunctions.has(call.callee.name);
  // Checked as any expression (a call of an FN is checked as a call: arguments, recursion).
  const result = checkExpression(ctx, call);
  if (!isFunctionCall) {
    const what = call.kind === "Call" && call.callee.name !== "" ? `${call.callee.name}() is not an FN of this program` : "SPAWN runs a call of an FN";
    ctx.diagnostics.report("SpawnNeedsFunctionCall", call.span, `${what}: a task is an FN call, run beside the code that spawns it`, {
      suggestion: "declare the work as FN name(params) { … } and write SPAWN name(args)",
    });
    return unknownType;
  }
  return { kind: "object", fields: null, task: result };
}

export function checkAwait(ctx: CheckContext, expr: AwaitExpr): KovaType {
  const type = checkExpression(ctx, expr.task);
  if (type.kind === "object" && type.task !== undefined) return type.task;
  // An open object may hold a task (a variable assigned on several paths); anything else cannot.
  if (type.kind === "unknown" || (type.kind === "object" && type.fields === null && type.entity === undefined && type.shape === undefined)) return unknownType;
  ctx.diagnostics.report("AwaitNeedsTask", expr.task.span, `AWAIT waits for a task, and this is ${describe(type) === "object" ? "an object" : `a value of type ${describe(type)}`}`, {
    suggestion: "AWAIT the value of a SPAWN: t = SPAWN work(x) … result = AWAIT t",
  });
  return unknownType;
}

/** `SPAWN f(x)` as a statement: its task is dropped, so its result and errors are lost. */
export function reportUnawaited(ctx: CheckContext, expr: SpawnExpr): void {
  ctx.diagnostics.report("SpawnNeverAwaited", expr.span, "this task is never awaited: its result and its errors would be lost, and the request may answer before it ends", {
    suggestion: "keep the task and wait for it: t = SPAWN work(x) … AWAIT t",
  });
}
