export type { EnqueueOptions, Job, JobState, TaskDefinition, TaskTrigger } from "./definition.js";
export { backoffDelay, MAX_BACKOFF_MS } from "./backoff.js";
export { SqliteJobStore, type QueueCounts } from "./job-store.js";
export { scheduleOf, type Schedule } from "./schedule.js";
export { TaskContext } from "./task-context.js";
export { TaskRuntime, taskRuntimeFor, type ProcessRole, type TaskRuntimeOptions, type TaskStats } from "./task-runtime.js";
