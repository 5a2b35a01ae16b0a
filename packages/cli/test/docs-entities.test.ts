// docs/entities.md keeps its word: each section's example app is the committed examples/<app>/app.kova,
// every ```kova test block runs green against its app with `kova test`, and the rich types table is
// the one the registry writes.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { EXAMPLES, kovaSync, REPO_ROOT, tempApp } from "./e2e/harness.js";

const DOC = readFileSync(join(REPO_ROOT, "docs", "entities.md"), "utf8");
const APPS = [...DOC.matchAll(/```kova\n([\s\S]*?)```/g)].map((m) => m[1]);

const importOf = (app: string) => `IMPORT "../examples/${app}/app.kova"\n`;
const testBlocks = (app: string): string[] => [...DOC.matchAll(/```kova test\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => b.startsWith(importOf(app)));

/** The doc shows examples/<app>/app.kova as committed. */
function showsApp(app: string): void {
  assert.ok(APPS.includes(readFileSync(join(EXAMPLES, app, "app.kova"), "utf8")), `docs/entities.md does not show examples/${app}/app.kova as committed`);
}

/**
 * The doc's TEST blocks for `app` (at least `least`) run in a copy of examples/<app> (its .env.test
 * with it) by `kova test`: every one passes.
 */
function examplesRunGreen(t: TestContext, app: string, least = 3): void {
  const blocks = testBlocks(app);
  assert.ok(blocks.length >= least, `only ${blocks.length} examples`);
  const names = blocks.flatMap((b) => [...b.matchAll(/^TEST "([^"]+)"/gm)].map((m) => m[1]));
  const dir = tempApp(t, join(EXAMPLES, app));
  writeFileSync(join(dir, "app.test.kova"), `IMPORT "./app.kova"\n${blocks.map((b) => b.replace(importOf(app), "")).join("\n")}`);
  const result = kovaSync(["test", dir]);
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, new RegExp(`ℹ pass ${names.length}\\n`));
}

test("docs/entities.md: the example app is examples/directory/app.kova", () => {
  assert.equal(APPS[0], readFileSync(join(EXAMPLES, "directory", "app.kova"), "utf8"));
});

test("docs/entities.md: every ```kova test example runs green against examples/directory", (t) => examplesRunGreen(t, "directory", 4));

test("docs/entities.md: the rich types table is the registry's", () => {
  const check = spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "gen-entities-doc.mjs"), "--check"], { encoding: "utf8" });
  assert.equal(check.status, 0, check.stderr);
});

// Each section's own example app: audit trail, tenants, public identifiers, versioned identifiers, encrypted fields, read models, the shop.
for (const [app, section] of [
  ["helpdesk", "the audit trail"],
  ["crm", "tenants"],
  ["customers", "public identifiers"],
  ["press", "versioned identifiers"],
  ["clinic", "encrypted fields"],
  ["catalog", "read models"],
  ["shop", "the shop (everything together)"],
] as const) {
  test(`docs/entities.md: ${section}: the example app is examples/${app}/app.kova, and its examples run green`, (t) => {
    showsApp(app);
    examplesRunGreen(t, app, app === "shop" ? 4 : 3);
  });
}
