#!/usr/bin/env node
// Runs every compiled test file (packages/*/dist/test/**/*.test.js) with Node's built-in runner.
// Node 20's `node --test` takes no globs, so the files are found here. Extra arguments are passed
// through (e.g. `npm test -- --test-name-pattern=parser`), and a path filter may be given with
// KOVA_TEST_FILTER=substring.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith(".test.js")) files.push(path);
  }
}
for (const pkg of readdirSync(join(root, "packages"))) {
  const testDir = join(root, "packages", pkg, "dist", "test");
  if (existsSync(testDir)) walk(testDir);
}
const filter = process.env.KOVA_TEST_FILTER;
const selected = files.sort().filter((f) => !filter || f.includes(filter));
if (selected.length === 0) {
  console.error("no test files found — did `tsc -b` run?");
  process.exit(1);
}
const result = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...process.argv.slice(2), ...selected], {
  stdio: "inherit",
  cwd: root,
});
process.exit(result.status ?? 1);
