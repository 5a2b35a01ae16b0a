import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../src/cli.js";
import type { CliContext } from "../src/command.js";
import { BROKEN_PROGRAM, tempProject } from "./helpers.js";

/** A context that records output; `tty` makes stdout look like a terminal (which a spawned child's pipe never is). */
function capture(tty: boolean, env: Record<string, string> = {}) {
  const out = { stdout: "", stderr: "" };
  const context: CliContext = {
    stdout: { write: (s: string) => (out.stdout += s), isTTY: tty },
    stderr: { write: (s: string) => (out.stderr += s), isTTY: tty },
    env,
  };
  return { out, context };
}

test("runCli returns the exit code instead of exiting", async () => {
  const { out, context } = capture(false);
  assert.equal(await runCli(["nosuch"], context), 2);
  assert.match(out.stderr, /unknown command 'nosuch'/);
});

test("on a terminal, check colours its output unless NO_COLOR is set", async () => {
  const file = join(tempProject({ "bad.kova": BROKEN_PROGRAM }), "bad.kova");

  const terminal = capture(true);
  assert.equal(await runCli(["check", file], terminal.context), 1);
  assert.match(terminal.out.stdout, /\x1b\[1;31merror\[KV1101\]/);

  const noColor = capture(true, { NO_COLOR: "1" });
  assert.equal(await runCli(["check", file], noColor.context), 1);
  assert.doesNotMatch(noColor.out.stdout, /\x1b\[/);
  assert.match(noColor.out.stdout, /^error\[KV1101\]/m);

  const forcedOff = capture(true);
  await runCli(["check", "--no-color", file], forcedOff.context);
  assert.doesNotMatch(forcedOff.out.stdout, /\x1b\[/);
});
