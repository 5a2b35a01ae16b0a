/**
 * Which task runtime serves which data sources. Its own module so request code (ctx.enqueue, health,
 * metrics) can look one up without loading the task runtime into apps that declare no TASK.
 */
import type { DataSources } from "../data-sources.js";
import type { TaskRuntime } from "./task-runtime.js";

const registry = new WeakMap<DataSources, TaskRuntime>();

/** The task runtime serving these data sources (ctx.enqueue finds it here). */
export function taskRuntimeFor(dataSources: DataSources): TaskRuntime | undefined {
  return registry.get(dataSources);
}

export function registerTaskRuntime(dataSources: DataSources, runtime: TaskRuntime): void {
  registry.set(dataSources, runtime);
}
