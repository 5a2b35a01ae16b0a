/**
 * ACTIONs in the JS back end. An action is an async function of the request (or job) context, like
 * an FN, whose statements run in its caller's transaction (ir/writes.ts makes the caller open one
 * on every source the action writes). Before its first step it checks its inputs as a VALIDATE
 * shape (a 400 naming the input) and loads its entity-typed inputs by id (a 404 naming the input);
 * a step that throws is marked with the action, the step's number and its place, which the
 * runtime's problem reports as `action` (runtime/src/problem.ts). The caller's transaction then
 * rolls back, so nothing of the action is kept, and no EMIT of it is delivered.
 */
import { alwaysEnds } from "../../ir/ends.js";
import type { AppModel, KovaFunction, Shape, Stmt } from "../../ir/nodes.js";
import { forEachNode } from "../../ir/writes.js";
import type { CodeWriter } from "./code-writer.js";
import type { Routine } from "../plpgsql/index.js";
import { functionName, type ExpressionPrinter } from "./expressions.js";
import { emitStatements } from "./statements.js";
import { validatorFunction } from "./validators.js";

/** Defined once in a module that has actions. */
export const ACTION_HELPERS = String.raw`
// ── ACTION helpers (generated)
function actionInvalid(action, issues) {
  return new HttpError(400, "ACTION " + action + ": " + issues.map((i) => i.field + " " + i.message).join("; "), { type: "urn:kova:problem:validation-failed", errors: issues });
}
function actionNotFound(action, input, entity, id) {
  return new HttpError(404, "no " + entity + " with id " + str(id) + " (input '" + input + "' of ACTION " + action + ")", { type: "urn:kova:problem:not-found", errors: [{ field: input, message: "no " + entity + " with id " + str(id) }] });
}
/**
 * A failure of an ACTION … IN DATABASE's function (Driver.callAction): its ERROR status and detail
 * as the JS form's HttpError, anything else (a 409 of a UNIQUE field, …) as the driver mapped it;
 * either is then marked with the step the function reported.
 */
function actionDatabaseFailed(error, action, steps) {
  const step = typeof error?.kovaStep === "number" ? error.kovaStep : 0;
  const failure = typeof error?.kovaStatus === "number" ? new HttpError(error.kovaStatus, error.message) : error;
  return actionStepFailed(failure, action, step, steps);
}
/** The innermost action's step names the failure (an action calling another keeps the inner one). */
function actionStepFailed(error, action, step, steps) {
  if (typeof error === "object" && error !== null && error.kovaAction === undefined && step > 0) {
    error.kovaAction = { name: action, step, at: steps[step - 1] };
  }
  return error;
}
`;

/** The VALIDATE-shaped check of an action's inputs other than entities (one per action that has some). */
export function actionInputShapes(app: AppModel): Shape[] {
  return app.functions.flatMap((fn) => (fn.action === undefined || fn.action.inputs.length === 0 ? [] : [{ name: inputShapeName(fn.name), fields: fn.action.inputs, unknown: "reject" as const, span: fn.span }]));
}

function inputShapeName(action: string): string {
  return `ACTION ${action}`;
}

export function emitAction(out: CodeWriter, fn: KovaFunction, x: ExpressionPrinter, sourcePath: string, display: string, routine?: Routine): void {
  const action = fn.action!;
  const name = JSON.stringify(fn.name);
  const steps = fn.body.map((s) => `${display}:${s.span.start.line}:${s.span.start.column}`);
  out.line(`// ACTION ${fn.name}  (${display}:${fn.span.start.line}): steps ${steps.length === 0 ? "none" : `1–${steps.length}`}, in the caller's transaction`);
  out.block(`async function ${functionName(fn.name)}(ctx${fn.params.map((p) => `, v_${p}`).join("")})`, () => {
    if (fn.variables.length > 0) out.line(`let ${fn.variables.map((v) => `v_${v}`).join(", ")};`);
    if (action.inputs.length > 0) {
      const inputs = action.inputs.map((i) => `${JSON.stringify(i.name)}: v_${i.name}`).join(", ");
      out.line(`const issues = ${validatorFunction(inputShapeName(fn.name))}({ ${inputs} }, "", []);`);
      out.line(`if (issues.length > 0) throw actionInvalid(${name}, issues);`);
    }
    for (const load of action.loads) {
      const v = `v_${load.param}`;
      if (!load.optional) out.line(`if (${v} == null) throw actionInvalid(${name}, [{ field: ${JSON.stringify(load.param)}, message: "is required (the id of a ${load.entity})" }]);`);
      // An id, or a row passed in: loaded again, in this transaction, by its id.
      out.block(`if (${v} != null)`, () => {
        out.line(`${v} = typeof ${v} === "object" ? ${v}.id : ${v};`);
        out.line(`const found = ${x.print(load.load)};`);
        out.line(`if (found == null) throw actionNotFound(${name}, ${JSON.stringify(load.param)}, ${JSON.stringify(load.entity)}, ${v});`);
        out.line(`${v} = found;`);
      });
    }
    out.line(`const steps = ${JSON.stringify(steps)};`);
    if (routine !== undefined) {
      // IN DATABASE: the steps are one PL/pgSQL function, called in this transaction (emit/plpgsql).
      const definition = JSON.stringify({ name: routine.name, ddl: routine.ddl });
      const args = fn.params.map((p) => `v_${p}`).join(", ");
      out.line("try {");
      out.indent(() => out.line(`return await ctx.db(${JSON.stringify(routine.source)}).callAction(${definition}, [${args}]);`));
      out.line("} catch (error) {");
      out.indent(() => out.line(`throw actionDatabaseFailed(error, ${name}, steps);`));
      out.line("}");
      return;
    }
    out.line("let step = 0;");
    out.line("try {");
    out.indent(() => {
      fn.body.forEach((statement, i) => {
        out.line(`step = ${i + 1};`);
        emitStatements(out, [statement], x, sourcePath);
      });
      if (!alwaysEnds(fn.body)) out.line("return null;");
    });
    out.line("} catch (error) {");
    out.indent(() => out.line(`throw actionStepFailed(error, ${name}, step, steps);`));
    out.line("}");
  }, "}", fn.span, sourcePath);
}

/**
 * Whether a statement of `kind` runs in one of the FNs or ACTIONs `body` calls (directly or not):
 * a route whose action BROADCASTs holds its messages until it commits, as if it broadcast itself.
 */
export function calledFunctionHas(body: readonly Stmt[], functions: readonly KovaFunction[], kind: Stmt["kind"]): boolean {
  const seen = new Set<string>();
  let found = false;
  const visit = (node: unknown) =>
    forEachNode(node, (n) => {
      if (found || n.kind !== "callFunction" || seen.has(n.function as string)) return;
      seen.add(n.function as string);
      const fn = functions.find((f) => f.name === n.function);
      if (fn === undefined) return;
      forEachNode(fn.body, (inner) => {
        if (inner.kind === kind) found = true;
      });
      if (!found) visit(fn.body);
    });
  visit(body);
  return found;
}
