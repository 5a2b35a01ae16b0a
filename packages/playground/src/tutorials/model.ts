/**
 * A tutorial is a sequence of steps. Each step says what to do and why, may start from a program of
 * its own, stores a program that solves it, and lists its requirements: checks of the reader's
 * program as the compiler saw it (diagnostics and the program's outline, see outline.ts) and of the
 * running app's answers (responses.ts). A step is done when its requirements and those of every
 * step before it hold, so removing an earlier step's work is noticed; the first one that does not
 * hold says what to do next.
 */
import type { Diagnostic } from "@kova/compiler/browser";
import type { ProgramOutline } from "./outline.js";
import type { ObservedResponse } from "./responses.js";

/** Everything a step is checked against. */
export interface StepInput {
  /** The latest check's diagnostics. */
  diagnostics: readonly Diagnostic[];
  /** The program's outline; undefined when it has errors. */
  outline: ProgramOutline | undefined;
  /** The app's answers seen since the page opened, oldest first. */
  responses: readonly ObservedResponse[];
}

/** One thing a step asks for: undefined when the program does it, else what to do next. */
export type Requirement = (outline: ProgramOutline, responses: readonly ObservedResponse[]) => string | undefined;

export interface Step {
  title: string;
  /** What to do and why; `code` in backticks is shown as code. */
  text: string;
  /** The program the step starts from, put in the editor when the reader moves on to it. */
  start?: string;
  /** What the step adds to the requirements of the steps before it, checked in order. */
  requires: Requirement[];
  /** A program that completes this step and every one before it. */
  solution: string;
  /** For a step the running app can show: what to try in the request panel. */
  tryIt?: string;
}

export interface Tutorial {
  /** Stable: progress in localStorage is kept under it. */
  id: string;
  title: string;
  /** How long it takes, as shown: "30 seconds". */
  duration: string;
  steps: Step[];
}

export type Verdict = { done: true } | { done: false; hint: string };

/** Whether step `index` of `tutorial` is done for this program, and if not, what to do next. */
export function checkStep(tutorial: Tutorial, index: number, input: StepInput): Verdict {
  const error = input.diagnostics.find((d) => d.severity === "error");
  if (error !== undefined) {
    const at = `line ${error.span.start.line}, column ${error.span.start.column}`;
    return { done: false, hint: `First fix the error at ${at}: ${error.message}${error.suggestion ? ` (${error.suggestion})` : ""}` };
  }
  if (input.outline === undefined) return { done: false, hint: "The program has not been checked yet." };
  for (let i = 0; i <= index; i++) {
    for (const requirement of tutorial.steps[i].requires) {
      const hint = requirement(input.outline, input.responses);
      if (hint !== undefined) return { done: false, hint: i < index ? `${hint} (from step ${i + 1}, “${tutorial.steps[i].title}”)` : hint };
    }
  }
  return { done: true };
}

/** The program to show for a step when the reader has none saved: the previous step's solution, else the step's start. */
export function programBefore(tutorial: Tutorial, index: number): string {
  const start = tutorial.steps[index].start;
  if (start !== undefined) return start;
  return index > 0 ? tutorial.steps[index - 1].solution : "";
}
