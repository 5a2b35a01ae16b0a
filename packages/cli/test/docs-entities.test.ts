// docs/entities.md keeps its word: its example app is examples/directory/app.kova as committed,
// every ```kova test block runs green against it with `kova test`, and the rich types table is
// the one the registry writes.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { EXAMPLES, kovaSync, REPO_ROOT, tempApp } from "./e2e/harness.js";

const DOC = readFileSync(join(REPO_ROOT, "docs", "entities.md"), "utf8");
const IMPORT = 'IMPORT "../examples/directory/app.kova"\n';

test("docs/entities.md: the example app is examples/directory/app.kova", () => {
  const app = /```kova\n([\s\S]*?)```/.exec(DOC)?.[1];
  assert.equal(app, readFileSync(join(EXAMPLES, "directory", "app.kova"), "utf8"));
});

test("docs/entities.md: every ```kova test example runs green against examples/directory", (t) => {
  const blocks = [...DOC.matchAll(/```kova test\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length >= 4, `only ${blocks.length} examples`);
  const names = blocks.flatMap((b) => [...b.matchAll(/^TEST "([^"]+)"/gm)].map((m) => m[1]));
  const dir = tempApp(t, join(EXAMPLES, "directory"));
  writeFileSync(join(dir, "app.test.kova"), `IMPORT "./app.kova"\n${blocks.map((b) => b.replace(IMPORT, "")).join("\n")}`);
  const result = kovaSync(["test", dir]);
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, new RegExp(`ℹ pass ${names.length}\\n`));
});

test("docs/entities.md: the rich types table is the registry's", () => {
  const check = spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "gen-entities-doc.mjs"), "--check"], { encoding: "utf8" });
  assert.equal(check.status, 0, check.stderr);
});
