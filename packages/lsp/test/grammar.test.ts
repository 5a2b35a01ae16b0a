import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// The VS Code extension (editors/vscode) has its own dependencies, which CI does not install. When
// they are installed, its syntax-highlighting tests (test/*.test.kova) run here too.
const extension = fileURLToPath(new URL("../../../../editors/vscode/", import.meta.url));
const tool = join(extension, "node_modules", "vscode-tmgrammar-test");
const skip = existsSync(tool) ? false : "editors/vscode/node_modules is not installed (run npm install in editors/vscode)";

test("the TextMate grammar passes the scope assertions in editors/vscode/test", { skip }, () => {
  const bin = JSON.parse(readFileSync(join(tool, "package.json"), "utf8")).bin["vscode-tmgrammar-test"] as string;
  const result = spawnSync(process.execPath, [join(tool, bin), "test/**/*.test.kova"], { cwd: extension, encoding: "utf8" });
  const output = `${result.stdout}${result.stderr}`;
  assert.equal(result.status, 0, output);
  // Both sample files ran (a glob matching nothing would also exit 0).
  assert.match(output, /declarations\.test\.kova run successfu/);
  assert.match(output, /endpoints\.test\.kova run successfu/);
});
