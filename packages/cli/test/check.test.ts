import { test } from "node:test";
import assert from "node:assert/strict";
import { checkExitCode } from "../src/commands/check.js";
import { BROKEN_PROGRAM, VALID_PROGRAM, kova, tempProject } from "./helpers.js";

const ANSI = /\x1b\[[0-9;]*m/;

test("a valid program: exit 0 and a clean summary", () => {
  const dir = tempProject({ "app.kova": VALID_PROGRAM });
  const r = kova(["check", "app.kova"], { cwd: dir });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, "checked 1 file: 0 errors, 0 warnings\n");
});

test("errors: exit 1, human output with file:line:col, the source line and a caret line", () => {
  const dir = tempProject({ "bad.kova": BROKEN_PROGRAM });
  const r = kova(["check", "bad.kova"], { cwd: dir });
  assert.equal(r.status, 1);
  const lines = r.stdout.split("\n");
  assert.ok(lines.includes(" --> bad.kova:2:16"), r.stdout);
  assert.ok(lines.includes("2 |   x = SELECT * FORM User"), r.stdout);
  assert.ok(lines.includes("  |                ^^^^"), r.stdout);
  assert.ok(lines.includes(" --> bad.kova:5:1"), r.stdout);
  assert.match(r.stdout, /^error\[KV1105\]: /m);
  // The checker may add findings of its own after the parse errors; the summary counts them all.
  const errors = (r.stdout.match(/^error\[KV\d+\]/gm) ?? []).length;
  assert.ok(errors >= 2);
  assert.ok(r.stdout.endsWith(`checked 1 file: ${errors} errors, 0 warnings\n`), r.stdout);
  assert.doesNotMatch(r.stdout, ANSI, "no colour when stdout is not a terminal");
});

test("folders are searched, and the default path is the current folder", () => {
  const dir = tempProject({ "src/a.kova": VALID_PROGRAM, "src/nested/b.kova": BROKEN_PROGRAM, "node_modules/x/c.kova": "nonsense" });
  const explicit = kova(["check", "src"], { cwd: dir });
  assert.equal(explicit.status, 1);
  assert.match(explicit.stdout, /--> src\/nested\/b\.kova:2:16/);
  assert.match(explicit.stdout, /checked 2 files: /);

  const byDefault = kova(["check"], { cwd: dir });
  assert.equal(byDefault.status, 1);
  assert.match(byDefault.stdout, /checked 2 files: /, "node_modules is skipped");
});

test("--format json prints diagnostics and a summary", () => {
  const dir = tempProject({ "bad.kova": BROKEN_PROGRAM, "good.kova": VALID_PROGRAM });
  const r = kova(["check", "--format", "json", "."], { cwd: dir });
  assert.equal(r.status, 1);
  const output = JSON.parse(r.stdout) as {
    diagnostics: { code: string; severity: string; message: string; span: { file: string; start: { line: number; column: number } } }[];
    summary: { errors: number; warnings: number; files: number };
  };
  assert.deepEqual(Object.keys(output), ["diagnostics", "summary"]);
  const count = (severity: string) => output.diagnostics.filter((d) => d.severity === severity).length;
  assert.deepEqual(output.summary, { errors: count("error"), warnings: count("warning"), files: 2 });
  const located = output.diagnostics.map((d) => [d.code, d.severity, d.span.file, d.span.start.line, d.span.start.column]);
  // The parse errors are there, in source order (the checker may add its own findings between them).
  const fromKeyword = located.findIndex((l) => l[0] === "KV1105");
  assert.deepEqual(located[0], ["KV1101", "error", "bad.kova", 2, 16]);
  assert.deepEqual(located[fromKeyword], ["KV1105", "error", "bad.kova", 5, 1]);
  assert.ok(output.diagnostics.every((d) => d.message.length > 0));
});

test("--format json on a valid program: exit 0, no diagnostics", () => {
  const dir = tempProject({ "good.kova": VALID_PROGRAM });
  const r = kova(["check", "--format=json"], { cwd: dir });
  assert.equal(r.status, 0);
  assert.deepEqual(JSON.parse(r.stdout), { diagnostics: [], summary: { errors: 0, warnings: 0, files: 1 } });
});

test("warnings alone exit 0; more warnings than --max-warnings exit 1", () => {
  // An unused variable is a warning (KV2010), not an error.
  const dir = tempProject({ "warn.kova": VALID_PROGRAM.replace("  RESPOND user", "  unused = 1\n  RESPOND user") });
  const json = kova(["check", "--format", "json"], { cwd: dir });
  assert.equal(json.status, 0, json.stdout);
  const { summary } = JSON.parse(json.stdout) as { summary: { errors: number; warnings: number } };
  assert.equal(summary.errors, 0);
  assert.ok(summary.warnings >= 1);
  assert.match(kova(["check"], { cwd: dir }).stdout, /^warning\[KV2010\]: /m);

  assert.equal(kova(["check", "--max-warnings", String(summary.warnings)], { cwd: dir }).status, 0);
  const over = kova(["check", "--max-warnings", "0"], { cwd: dir });
  assert.equal(over.status, 1);
  assert.match(over.stderr, /more than --max-warnings 0/);
});

test("a path that does not exist: a clear message and exit 2", () => {
  const dir = tempProject({ "good.kova": VALID_PROGRAM });
  const r = kova(["check", "good.kova", "missing.kova"], { cwd: dir });
  assert.equal(r.status, 2);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, "kova check: no such file or folder: missing.kova\n");
});

test("a folder without .kova files: a clear message and exit 2", () => {
  const dir = tempProject({ "readme.txt": "hi" });
  const r = kova(["check"], { cwd: dir });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no \.kova files found in \./);
});

test("colour: --color forces it (even with NO_COLOR), --no-color and NO_COLOR keep it off", () => {
  const dir = tempProject({ "bad.kova": BROKEN_PROGRAM });
  assert.match(kova(["check", "--color", "bad.kova"], { cwd: dir }).stdout, /\x1b\[1;31merror\[KV1101\]/);
  assert.match(kova(["check", "--color", "bad.kova"], { cwd: dir, env: { NO_COLOR: "1" } }).stdout, ANSI);
  assert.doesNotMatch(kova(["check", "--no-color", "bad.kova"], { cwd: dir }).stdout, ANSI);
  assert.doesNotMatch(kova(["check", "bad.kova"], { cwd: dir, env: { NO_COLOR: "1" } }).stdout, ANSI);
});

test("bad --format and --max-warnings values are usage errors (exit 2)", () => {
  const dir = tempProject({ "good.kova": VALID_PROGRAM });
  const format = kova(["check", "--format", "jsn"], { cwd: dir });
  assert.equal(format.status, 2);
  assert.match(format.stderr, /unknown format 'jsn'.*did you mean 'json'\?/);
  const max = kova(["check", "--max-warnings", "many"], { cwd: dir });
  assert.equal(max.status, 2);
  assert.match(max.stderr, /--max-warnings expects a whole number/);
  assert.equal(kova(["check", "--max-warnings", "0"], { cwd: dir }).status, 0);
});

test("exit status: errors fail; warnings fail only past --max-warnings", () => {
  assert.equal(checkExitCode({ errors: 1, warnings: 0, files: 1 }, undefined), 1);
  assert.equal(checkExitCode({ errors: 0, warnings: 5, files: 1 }, undefined), 0);
  assert.equal(checkExitCode({ errors: 0, warnings: 2, files: 1 }, 2), 0);
  assert.equal(checkExitCode({ errors: 0, warnings: 3, files: 1 }, 2), 1);
  assert.equal(checkExitCode({ errors: 0, warnings: 0, files: 1 }, 0), 0);
});
