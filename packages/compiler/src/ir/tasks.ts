/** Lowers the checker's TASKs into the IR's TaskDefs (trigger and settings were decided by the checker). */
import type { SemanticModel } from "../checker/model.js";
import { HandlerLowering, type LowerState } from "./expressions.js";
import type { TaskDef } from "./nodes.js";

export function lowerTasks(model: SemanticModel, state: LowerState): TaskDef[] {
  return [...model.tasks.values()].map((task): TaskDef => ({
    name: task.decl.name.name,
    params: task.params.map((p) => p.name),
    trigger: task.trigger,
    attempts: task.settings.attempts,
    backoffMs: task.settings.backoffMs,
    timeoutMs: task.settings.timeoutMs,
    concurrency: task.settings.concurrency,
    priority: task.settings.priority,
    variables: task.variables,
    body: new HandlerLowering(state, null).block(task.decl.body.statements),
    writes: [],
    span: task.decl.span,
  }));
}
