/** Language-server help for TASK and ENQUEUE: task names after ENQUEUE, settings in WITH { } (of a TASK or an ON handler), hover on a task. */
import type { Program, TaskDecl } from "@kova/compiler";
import { CompletionItemKind } from "vscode-languageserver";
import type { KovaCompletion } from "./completion.js";
import type { Analysis } from "./workspace.js";

const SETTINGS: ReadonlyArray<[string, string]> = [
  ["attempts", "runs of one job at most (1–100), then the dead-letter list; default 5"],
  ["backoff", "the wait before the first retry, doubled for each next one (with jitter); default 10s"],
  ["timeout", "one run's time limit; default 60s"],
  ["concurrency", "jobs of this task running at once, per process; default 1"],
  ["priority", "among due jobs, higher runs first (−1000…1000); default 0"],
];

/** Completions for a TASK context at the cursor, or undefined when the cursor is elsewhere. */
export function taskCompletions(analysis: Analysis, prefix: string, offset: number, nodes: readonly { kind: string }[]): KovaCompletion[] | undefined {
  const enqueue = /\bENQUEUE\s+([A-Za-z_0-9]*)$/.exec(prefix);
  if (enqueue) {
    return tasksOf(analysis).map((task) => ({
      label: task.name.name,
      kind: CompletionItemKind.Event,
      detail: `TASK ${signature(task)}`,
      replaceFrom: offset - enqueue[1].length,
    }));
  }
  // `TASK t(x: int) WITH { att|` (a settings block typed on one line, or its first line).
  const setting = /\bWITH\s*\{(?:[^}]*[\s,])?([a-z_]*)$/.exec(prefix);
  if (setting && nodes.some((n) => n.kind === "Task" || n.kind === "OnChange")) {
    return SETTINGS.map(([name, doc]) => ({ label: name, kind: CompletionItemKind.Property, documentation: doc, replaceFrom: offset - setting[1].length }));
  }
  return undefined;
}

/** Hover on a task's name (its declaration, or an ENQUEUE of it). */
export function taskHover(decl: TaskDecl): string {
  const schedule = decl.schedule === null ? "queued: runs when an ENQUEUE names it" : decl.schedule.mode === "EVERY" ? "scheduled: EVERY …" : "scheduled: CRON …";
  const settings = decl.settings.map((s) => s.key.name).join(", ");
  return "```kova\nTASK " + signature(decl) + "\n```\n" + schedule + (settings === "" ? "" : ` · settings: ${settings}`);
}

function signature(task: TaskDecl): string {
  return `${task.name.name}(${(task.params ?? []).map((p) => `${p.name.name}: ${p.type.name.name}${p.type.array ? "[]" : ""}${p.type.optional ? "?" : ""}`).join(", ")})`;
}

function tasksOf(analysis: Analysis): TaskDecl[] {
  return analysis.result.files.flatMap((file: { program: Program }) => file.program.declarations.filter((d): d is TaskDecl => d.kind === "Task"));
}
