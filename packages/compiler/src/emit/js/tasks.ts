/** The JS back end's part for TASK: one async function per task and the `tasks` list the runtime schedules. */
import type { TaskDef } from "../../ir/nodes.js";
import type { CodeWriter } from "./code-writer.js";
import type { ExpressionPrinter } from "./expressions.js";
import { emitStatements } from "./statements.js";

export function taskFunctionName(name: string): string {
  return `task_${name}`;
}

/** `async function task_x(ctx, v_param…)`: its queries run in the job's transaction when it writes. */
export function emitTaskFunction(out: CodeWriter, task: TaskDef, x: ExpressionPrinter, sourcePath: string, displayPath: string): void {
  out.line(`// TASK ${task.name}  (${displayPath}:${task.span.start.line})`);
  out.block(`async function ${taskFunctionName(task.name)}(ctx${task.params.map((p) => `, v_${p}`).join("")})`, () => {
    if (task.variables.length > 0) out.line(`let ${task.variables.map((v) => `v_${v}`).join(", ")};`);
    emitStatements(out, task.body, x, sourcePath);
  }, "}", task.span, sourcePath);
}

/** One entry of the app definition's `tasks` list (see TaskDefinition in @kova/runtime). */
export function taskDefinition(task: TaskDef, source: string): string {
  const parts = [
    `name: ${JSON.stringify(task.name)}`,
    `params: ${JSON.stringify(task.params)}`,
    `trigger: ${JSON.stringify(task.trigger)}`,
    `attempts: ${task.attempts}`,
    `backoffMs: ${task.backoffMs}`,
    `timeoutMs: ${task.timeoutMs}`,
    `concurrency: ${task.concurrency}`,
    `priority: ${task.priority}`,
    `handler: ${taskFunctionName(task.name)}`,
  ];
  if (task.writes.length > 0) parts.push(`writes: ${JSON.stringify(task.writes)}`);
  parts.push(`source: ${source}`);
  return `{ ${parts.join(", ")} }`;
}
