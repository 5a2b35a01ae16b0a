/**
 * TASK declarations and ENQUEUE statements (docs/language.md, "TASK: background work").
 *
 *   - a scheduled task (`EVERY 10m`, `CRON "0 3 * * *" TZ "Europe/Paris"`) takes no parameters; its
 *     interval, cron expression and time zone are constants checked here, at compile time;
 *   - a queued task (`TASK send_welcome(user: User)`) runs when an ENQUEUE names it, with arguments
 *     checked against its parameters as an FN call's are;
 *   - `WITH { … }` settings are constants with known names and ranges.
 */
import { Cron } from "croner";
import type { EnqueueStmt, Expression, Identifier, OnChangeDecl, Program, Property, TaskDecl } from "../ast/nodes.js";
import { BUILTINS } from "./builtins.js";
import { report, resolve, VariableScope, type CheckContext } from "./context.js";
import { checkBlock } from "./endpoints.js";
import { checkExpression } from "./expressions.js";
import { constantValue } from "./fold.js";
import { parameterType } from "./functions.js";
import { assignable, describe, unknownType, type KovaType } from "./types.js";

/** The settings a task may have in `WITH { … }`, with the defaults the runtime uses. */
export interface TaskSettings {
  /** Runs at most this many times before it is dead-lettered (1 = no retry). */
  attempts: number;
  /** The first retry waits this long; each further one twice as long (with jitter), up to an hour. */
  backoffMs: number;
  /** An attempt running longer than this fails (and is retried). */
  timeoutMs: number;
  /** At most this many jobs of the task run at once in one process. */
  concurrency: number;
  /** Higher runs first among jobs that are due. */
  priority: number;
}

export const TASK_DEFAULTS: TaskSettings = { attempts: 5, backoffMs: 10_000, timeoutMs: 60_000, concurrency: 1, priority: 0 };

interface SettingRule {
  field: keyof TaskSettings;
  kind: "int" | "duration";
  min: number;
  max: number;
  help: string;
}

const SETTINGS: Record<string, SettingRule> = {
  attempts: { field: "attempts", kind: "int", min: 1, max: 100, help: "a whole number of runs from 1 to 100, as in attempts: 5" },
  backoff: { field: "backoffMs", kind: "duration", min: 100, max: 86_400_000, help: "a duration from 100ms to 1d, as in backoff: 10s" },
  timeout: { field: "timeoutMs", kind: "duration", min: 100, max: 86_400_000, help: "a duration from 100ms to 1d, as in timeout: 30s" },
  concurrency: { field: "concurrency", kind: "int", min: 1, max: 1000, help: "a whole number from 1 to 1000, as in concurrency: 4" },
  priority: { field: "priority", kind: "int", min: -1000, max: 1000, help: "a whole number from -1000 to 1000 (higher runs first), as in priority: 10" },
};

export type TaskTrigger =
  | { kind: "queue" }
  /** An ON handler: a job per committed write of this kind to the entity (checker/changes.ts). */
  | { kind: "change"; op: "insert" | "update" | "delete"; entity: string }
  /** An EVENT's ON handler: a job per committed EMIT of it (checker/actions.ts). */
  | { kind: "event"; event: string }
  | { kind: "every"; everyMs: number }
  | { kind: "cron"; expression: string; timezone: string | null };

export interface TaskInfo {
  decl: TaskDecl;
  file: string;
  params: Array<{ name: string; type: KovaType }>;
  trigger: TaskTrigger;
  settings: TaskSettings;
  /** Variables its body assigns, parameters excluded. */
  variables: string[];
  /** Set for an ON handler: its declaration and the `event` variable it binds. */
  change?: { decl: OnChangeDecl; paramName: Identifier };
}

/** Registers every TASK (after entities and shapes, before endpoint bodies are checked). */
export function collectTasks(ctx: CheckContext, programs: Program[]): void {
  for (const program of programs) {
    const fileCtx = { ...ctx, file: program.file };
    for (const decl of program.declarations) {
      if (decl.kind !== "Task" || decl.name.name === "") continue;
      const name = decl.name.name;
      if (ctx.model.tasks.has(name) || BUILTINS.has(name)) {
        ctx.diagnostics.report("DuplicateDeclaration", decl.name.span, `'${name}' is ${BUILTINS.has(name) ? "a built-in function" : "already a TASK"}`, { suggestion: "choose another name" });
        continue;
      }
      const params = (decl.params ?? []).map((p) => ({ name: p.name.name, type: parameterType(fileCtx, p.type) }));
      const seen = new Set<string>();
      for (const p of decl.params ?? []) {
        if (seen.has(p.name.name)) ctx.diagnostics.report("DuplicateParameter", p.name.span, `${name}() has two parameters named '${p.name.name}'`, { suggestion: "give each parameter its own name" });
        seen.add(p.name.name);
      }
      const trigger = checkSchedule(fileCtx, decl);
      const settings = checkSettings(fileCtx, decl.settings);
      ctx.model.tasks.set(name, { decl, file: program.file, params, trigger, settings, variables: [] });
    }
  }
}

/** Checks every TASK's body: its parameters are variables; there is no request to answer. */
export function checkTasks(ctx: CheckContext): void {
  for (const task of ctx.model.tasks.values()) {
    const scope = new VariableScope();
    task.decl.params?.forEach((p, i) => {
      const variable = scope.define(p.name, task.params[i]?.type ?? unknownType);
      variable.used = true;
      resolve(ctx, p.name, p.name);
    });
    if (task.change !== undefined) scope.define(task.change.paramName, task.params[0].type).used = true;
    const bodyCtx: CheckContext = { ...ctx, file: task.file, scope, endpoint: null, entity: null, entityUnresolved: false, task };
    checkBlock(bodyCtx, task.decl.body);
    task.variables = [...scope.variables.keys()].filter((v) => !task.params.some((p) => p.name === v));
    for (const variable of scope.variables.values()) {
      if (!variable.used && !variable.name.startsWith("_")) {
        ctx.diagnostics.report("UnusedVariable", variable.declaration.span, `'${variable.name}' is assigned but never used`, {
          suggestion: `use it, remove it, or name it _${variable.name} to keep it on purpose`,
        });
      }
    }
  }
}

function checkSchedule(ctx: CheckContext, decl: TaskDecl): TaskTrigger {
  const schedule = decl.schedule;
  if (schedule === null) return { kind: "queue" };
  if (decl.params !== null && decl.params.length > 0) {
    ctx.diagnostics.report("ScheduledTaskParams", decl.params[0].span, `TASK ${decl.name.name} runs on a schedule, so nothing passes it arguments`, {
      suggestion: `remove the parameters, or remove ${schedule.mode} to make it a queued task run by ENQUEUE ${decl.name.name}(…)`,
    });
  }
  if (schedule.mode === "EVERY") {
    if (schedule.timezone !== null) {
      ctx.diagnostics.report("InvalidTimeZone", schedule.timezone.span, "TZ belongs to a CRON schedule: an EVERY interval is the same in every time zone", { suggestion: "remove TZ, or write CRON \"…\" TZ \"…\"" });
    }
    const value = schedule.value;
    if (value.kind !== "Duration" || value.value < 1000) {
      ctx.diagnostics.report("InvalidTaskInterval", value.span, value.kind === "Duration" ? "an EVERY interval must be at least 1s" : "EVERY takes a constant duration", {
        suggestion: "write EVERY 10m (ms, s, m, h, d), at least 1s",
      });
      return { kind: "every", everyMs: 60_000 };
    }
    return { kind: "every", everyMs: value.value };
  }
  const expression = constantText(schedule.value);
  if (expression === undefined) {
    ctx.diagnostics.report("InvalidCron", schedule.value.span, "CRON takes a constant text: five fields (minute hour day month weekday), or six with seconds first", {
      suggestion: 'write CRON "0 3 * * *" (every day at 03:00)',
    });
    return { kind: "cron", expression: "* * * * *", timezone: null };
  }
  let timezone: string | null = null;
  if (schedule.timezone !== null) {
    const zone = constantText(schedule.timezone);
    if (zone === undefined || !validTimeZone(zone)) {
      ctx.diagnostics.report("InvalidTimeZone", schedule.timezone.span, zone === undefined ? "TZ takes a constant text naming a time zone" : `'${zone}' is not a time zone Node.js knows`, {
        suggestion: 'write an IANA time zone name, as in TZ "Europe/Paris" or TZ "UTC"',
      });
    } else {
      timezone = zone;
    }
  }
  try {
    new Cron(expression, { paused: true, timezone: timezone ?? "UTC" }).nextRun();
  } catch (error) {
    const reason = (error as Error).message.replace(/^CronPattern: /, "");
    ctx.diagnostics.report("InvalidCron", schedule.value.span, `"${expression}" is not a valid cron expression: ${reason}`, {
      suggestion: "five fields: minute (0-59) hour (0-23) day (1-31) month (1-12) weekday (0-6, Sunday 0), as in \"*/15 8-18 * * 1-5\"",
    });
  }
  return { kind: "cron", expression, timezone };
}

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function constantText(e: Expression): string | undefined {
  const value = e.kind === "String" ? constantValue(e) : undefined;
  return typeof value?.value === "string" ? value.value : undefined;
}

export function checkSettings(ctx: CheckContext, properties: Property[]): TaskSettings {
  const settings: TaskSettings = { ...TASK_DEFAULTS };
  const seen = new Set<string>();
  for (const property of properties) {
    const name = property.key.name;
    const rule = SETTINGS[name];
    if (rule === undefined) {
      report(ctx, "UnknownTaskSetting", property.key.span, `a TASK has no setting '${name}' (settings: ${Object.keys(SETTINGS).join(", ")})`, Object.keys(SETTINGS), name);
      continue;
    }
    if (seen.has(name)) {
      ctx.diagnostics.report("DuplicateField", property.key.span, `'${name}' is set twice`, { suggestion: "keep one" });
      continue;
    }
    seen.add(name);
    const value = property.value;
    const constant = constantValue(value);
    const number = typeof constant?.value === "number" ? constant.value : undefined;
    const kindFits = rule.kind === "duration" ? value.kind === "Duration" : value.kind !== "Duration" && number !== undefined && Number.isInteger(number);
    if (!kindFits || number === undefined || number < rule.min || number > rule.max) {
      ctx.diagnostics.report("InvalidTaskSetting", value.span, `${name} must be ${rule.help}`);
      continue;
    }
    settings[rule.field] = number;
  }
  return settings;
}

/** `ENQUEUE task(args) DELAY d KEY k`: a queued task, arguments that fit its parameters, a duration and a text. */
export function checkEnqueue(ctx: CheckContext, statement: EnqueueStmt): void {
  const argTypes = statement.args.map((a) => checkExpression(ctx, a));
  if (statement.delay !== null) {
    const type = checkExpression(ctx, statement.delay);
    if (type.kind !== "number" && type.kind !== "unknown") {
      ctx.diagnostics.report("InvalidEnqueueOption", statement.delay.span, `DELAY takes a duration (or a number of milliseconds), not ${describe(type)}`, { suggestion: "write DELAY 5m (ms, s, m, h, d)" });
    }
  }
  if (statement.key !== null) {
    const type = checkExpression(ctx, statement.key);
    if (type.kind !== "string" && type.kind !== "unknown") {
      ctx.diagnostics.report("InvalidEnqueueOption", statement.key.span, `KEY takes a text, not ${describe(type)}`, { suggestion: 'write KEY "welcome:{user.id}"' });
    }
  }
  const name = statement.task.name;
  if (name === "") return;
  const task = ctx.model.tasks.get(name);
  if (task === undefined) {
    const what = ctx.model.kovaFunctions.has(name) ? ` ('${name}' is an FN: call it directly)` : "";
    report(ctx, "UnknownTask", statement.task.span, `there is no TASK named '${name}'${what}`, ctx.model.tasks.keys(), name);
    return;
  }
  resolve(ctx, statement.task, task.decl);
  if (task.trigger.kind === "change" || task.trigger.kind === "event") {
    const what = task.trigger.kind === "change" ? `ON ${task.trigger.op.toUpperCase()} ${task.trigger.entity} handler: it runs after each such write` : `ON ${task.trigger.event} handler: it runs after each committed EMIT of the event`;
    ctx.diagnostics.report("UnknownTask", statement.task.span, `'${name}' is the ${what}, not by ENQUEUE`, { suggestion: "write a TASK for work you enqueue yourself" });
    return;
  }
  if (task.trigger.kind !== "queue" && statement.args.length > 0) {
    ctx.diagnostics.report("ScheduledTaskParams", statement.span, `TASK ${name} runs on a schedule and takes no arguments`, { suggestion: `write ENQUEUE ${name}() to run it once now, besides its schedule` });
    return;
  }
  if (statement.args.length !== task.params.length) {
    ctx.diagnostics.report("TaskArgumentCount", statement.span, `TASK ${name} takes ${task.params.length} argument${task.params.length === 1 ? "" : "s"}, not ${statement.args.length}`, {
      suggestion: `write ENQUEUE ${taskSignature(task)}`,
    });
    return;
  }
  statement.args.forEach((arg, i) => {
    const param = task.params[i];
    if (!assignable(argTypes[i], param.type)) {
      ctx.diagnostics.report("TaskArgumentType", arg.span, `TASK ${name} takes ${describe(param.type)} for '${param.name}', not ${describe(argTypes[i])}`, {
        suggestion: `write ENQUEUE ${taskSignature(task)}`,
      });
    }
  });
}

/** `send_welcome(user: User row)`, for messages and hover. */
export function taskSignature(task: TaskInfo): string {
  return `${task.decl.name.name}(${task.params.map((p) => `${p.name}: ${describe(p.type)}`).join(", ")})`;
}
