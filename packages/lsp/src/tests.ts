/**
 * Tests in the editor: a "Run test" code lens above each TEST of a *.test.kova file (and one for
 * the whole file), which runs `kova test --reporter tap` on it, then shows the outcome where the
 * user looks — the lens says passed/failed, and a failed EXPECT is an error on its own line with
 * expected and actual, until the file is edited again.
 */
import { spawn } from "node:child_process";
import { dirname } from "node:path";
import type { Program } from "@kova/compiler";
import { DiagnosticSeverity, type CodeLens, type Diagnostic } from "vscode-languageserver";
import { toRange } from "./convert.js";

export const RUN_TESTS_COMMAND = "kova.runTests";

export interface TestOutcome {
  name: string;
  ok: boolean;
  /** The failure's message (EXPECT … failed at …, expected, actual). */
  message?: string;
  /** 1-based, where the failing EXPECT is. */
  line?: number;
  column?: number;
}

export interface TestRun {
  outcomes: TestOutcome[];
  /** Set when no test ran: the program did not build, or kova could not start. */
  problem?: string;
}

export function isTestFile(path: string): boolean {
  return path.endsWith(".test.kova");
}

/** One lens per TEST (its result once run), and one on the first to run the whole file. */
export function testLenses(program: Program, uri: string, run: TestRun | undefined): CodeLens[] {
  const tests = program.declarations.filter((d) => d.kind === "Test");
  const lenses: CodeLens[] = [];
  tests.forEach((decl, i) => {
    const range = toRange(decl.title.span);
    if (i === 0) lenses.push({ range, command: { title: "▶ Run all tests in this file", command: RUN_TESTS_COMMAND, arguments: [uri] } });
    const outcome = run?.outcomes.find((o) => o.name === decl.title.value);
    const title = outcome === undefined ? "▶ Run test" : outcome.ok ? "✔ passed · run again" : "✖ failed · run again";
    lenses.push({ range, command: { title, command: RUN_TESTS_COMMAND, arguments: [uri, decl.title.value] } });
  });
  return lenses;
}

/** Errors at the failing EXPECTs (or on the TEST's name when the failure has no EXPECT place). */
export function testDiagnostics(program: Program, run: TestRun | undefined): Diagnostic[] {
  if (run === undefined) return [];
  const out: Diagnostic[] = [];
  for (const outcome of run.outcomes) {
    if (outcome.ok) continue;
    const decl = program.declarations.find((d) => d.kind === "Test" && d.title.value === outcome.name);
    const range = outcome.line !== undefined
      ? { start: { line: outcome.line - 1, character: (outcome.column ?? 1) - 1 }, end: { line: outcome.line - 1, character: Number.MAX_SAFE_INTEGER } }
      : decl !== undefined && decl.kind === "Test" ? toRange(decl.title.span) : { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    out.push({ range, severity: DiagnosticSeverity.Error, source: "kova test", message: `TEST ${JSON.stringify(outcome.name)} failed: ${outcome.message ?? "see kova test"}` });
  }
  return out;
}

/** Runs `<command…> --reporter tap [--filter ^name$] file` and reads its TAP report. */
export function runTests(command: readonly string[], file: string, name?: string): Promise<TestRun> {
  const args = [...command.slice(1), "--reporter", "tap", "--no-color"];
  if (name !== undefined) args.push("--filter", `^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
  args.push(file);
  return new Promise((resolve) => {
    const child = spawn(command[0], args, { cwd: dirname(file), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", (error) => resolve({ outcomes: [], problem: `cannot run kova test: ${error.message}` }));
    child.on("close", () => {
      const outcomes = parseTap(stdout);
      resolve(outcomes.length > 0 ? { outcomes } : { outcomes, problem: (stderr.trim().split("\n").at(-1) ?? "") || "no test ran" });
    });
  });
}

/** The tests of a `node:test` TAP report (suites skipped), with each failure's message and .kova place. */
export function parseTap(tap: string): TestOutcome[] {
  const outcomes: TestOutcome[] = [];
  const lines = tap.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const result = /^\s+(ok|not ok) \d+ - (.*)$/.exec(lines[i]);
    if (result === null) continue;
    const outcome: TestOutcome = { name: unescapeTap(result[2]), ok: result[1] === "ok" };
    // The YAML block after it, up to its `...`.
    const block: string[] = [];
    for (let j = i + 1; j < lines.length && !/^\s+\.\.\.$/.test(lines[j]); j++) block.push(lines[j]);
    const text = block.join("\n");
    if (/type: 'suite'/.test(text)) continue;
    if (!outcome.ok) {
      const error = /error: \|-\n([\s\S]*?)\n\s+code:/.exec(text) ?? /error: '(.*)'/.exec(text);
      outcome.message = error ? error[1].split("\n").map((l) => l.trim()).join("\n") : undefined;
      const place = /failed at .*?:(\d+):(\d+)/.exec(text);
      if (place) {
        outcome.line = Number(place[1]);
        outcome.column = Number(place[2]);
      }
    }
    outcomes.push(outcome);
  }
  return outcomes;
}

function unescapeTap(name: string): string {
  return name.replace(/\\#/g, "#").replace(/\\\\/g, "\\");
}
