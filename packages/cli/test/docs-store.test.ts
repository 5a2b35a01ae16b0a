// docs/store.md keeps its word: every ```js block runs against @kova/store and prints what its
// `console.log(…); // expected` comments say, and every ```console block's `$ kova …` commands
// print the lines shown under them (instants written as <instant>). The ```python and ```go
// blocks are the clients' examples, run against a live server by db-clients.test.ts; the ```json
// problem is checked against a live server by db-serve.test.ts.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { REPO_ROOT, tempApp } from "./e2e/harness.js";
import { kovaAsync } from "./db/fixture.js";

const DOC = readFileSync(join(REPO_ROOT, "docs", "store.md"), "utf8");

function blocks(lang: string): string[] {
  return [...DOC.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]);
}

function runNode(cwd: string, file: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { cwd, env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.once("close", (status) => resolve({ status, stdout, stderr }));
  });
}

test("docs/store.md: the js examples print what their comments say", async (t) => {
  const examples = blocks("js");
  assert.ok(examples.length >= 2);
  for (const code of examples) {
    const dir = tempApp(t, {});
    writeFileSync(join(dir, "example.mjs"), code);
    const expected = code
      .split("\n")
      .filter((line) => line.includes("console.log("))
      .map((line) => /\/\/ (.*)$/.exec(line)?.[1].trim() ?? assert.fail(`no expected output on: ${line}`));
    const run = await runNode(dir, "example.mjs");
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.stdout.trim().split("\n").map((l) => l.trim()), expected);
  }
});

/** `kova db set users/alice '{"a":1}'` → its arguments (single quotes group, as a shell does). */
function words(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

test("docs/store.md: the console examples print the lines shown", async (t) => {
  const sessions = blocks("console");
  assert.ok(sessions.length >= 1);
  // Each session runs in a folder holding the page's app (`ENTITY Memo`), so `kova db query` has one.
  const [app] = blocks("kova");
  for (const session of sessions) {
    const dir = tempApp(t, { "app.kova": app });
    const steps: Array<{ command: string; output: string[] }> = [];
    for (const line of session.trimEnd().split("\n")) {
      if (line.startsWith("$ ")) steps.push({ command: line.slice(2), output: [] });
      else steps[steps.length - 1].output.push(line);
    }
    for (const step of steps) {
      const [kova, ...args] = words(step.command);
      assert.equal(kova, "kova");
      const run = await kovaAsync(args, { cwd: dir });
      const printed = (run.stdout + run.stderr).replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, "<instant>");
      assert.equal(printed, step.output.map((l) => `${l}\n`).join(""), step.command);
    }
  }
});
