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

const testBlocks = (app: string): string[] =>
  [...DOC.matchAll(/```kova test\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => b.startsWith(`IMPORT "../examples/${app}/app.kova"\n`));

test("docs/entities.md: every ```kova test example runs green against examples/directory", (t) => {
  const blocks = testBlocks("directory");
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

test("docs/entities.md: the audit trail's example app is examples/helpdesk/app.kova", () => {
  const apps = [...DOC.matchAll(/```kova\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(apps.includes(readFileSync(join(EXAMPLES, "helpdesk", "app.kova"), "utf8")));
});

test("docs/entities.md: every audit trail example runs green against examples/helpdesk", (t) => {
  const helpdesk = 'IMPORT "../examples/helpdesk/app.kova"\n';
  const blocks = testBlocks("helpdesk");
  assert.ok(blocks.length >= 3, `only ${blocks.length} examples`);
  const names = blocks.flatMap((b) => [...b.matchAll(/^TEST "([^"]+)"/gm)].map((m) => m[1]));
  const dir = tempApp(t, join(EXAMPLES, "helpdesk"));
  writeFileSync(join(dir, "app.test.kova"), `IMPORT "./app.kova"\n${blocks.map((b) => b.replace(helpdesk, "")).join("\n")}`);
  const result = kovaSync(["test", dir]);
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, new RegExp(`ℹ pass ${names.length}\\n`));
});

test("docs/entities.md: the tenants' example app is examples/crm/app.kova", () => {
  const apps = [...DOC.matchAll(/```kova\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(apps.includes(readFileSync(join(EXAMPLES, "crm", "app.kova"), "utf8")));
});

test("docs/entities.md: every tenants example runs green against examples/crm", (t) => {
  const crm = 'IMPORT "../examples/crm/app.kova"\n';
  const blocks = testBlocks("crm");
  assert.ok(blocks.length >= 3, `only ${blocks.length} examples`);
  const names = blocks.flatMap((b) => [...b.matchAll(/^TEST "([^"]+)"/gm)].map((m) => m[1]));
  const dir = tempApp(t, join(EXAMPLES, "crm"));
  writeFileSync(join(dir, "app.test.kova"), `IMPORT "./app.kova"\n${blocks.map((b) => b.replace(crm, "")).join("\n")}`);
  const result = kovaSync(["test", dir]);
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, new RegExp(`ℹ pass ${names.length}\\n`));
});

test("docs/entities.md: the public identifiers' example app is examples/customers/app.kova, and its examples run green", (t) => {
  const apps = [...DOC.matchAll(/```kova\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(apps.includes(readFileSync(join(EXAMPLES, "customers", "app.kova"), "utf8")));
  const customers = 'IMPORT "../examples/customers/app.kova"\n';
  const blocks = testBlocks("customers");
  assert.ok(blocks.length >= 3, `only ${blocks.length} examples`);
  const names = blocks.flatMap((b) => [...b.matchAll(/^TEST "([^"]+)"/gm)].map((m) => m[1]));
  const dir = tempApp(t, join(EXAMPLES, "customers"));
  writeFileSync(join(dir, "app.test.kova"), `IMPORT "./app.kova"\n${blocks.map((b) => b.replace(customers, "")).join("\n")}`);
  const result = kovaSync(["test", dir]);
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, new RegExp(`ℹ pass ${names.length}\\n`));
});

test("docs/entities.md: the shop example is examples/shop/app.kova, and its examples run green against it", (t) => {
  const apps = [...DOC.matchAll(/```kova\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(apps.includes(readFileSync(join(EXAMPLES, "shop", "app.kova"), "utf8")));
  const shop = 'IMPORT "../examples/shop/app.kova"\n';
  const blocks = testBlocks("shop");
  assert.ok(blocks.length >= 4, `only ${blocks.length} examples`);
  const names = blocks.flatMap((b) => [...b.matchAll(/^TEST "([^"]+)"/gm)].map((m) => m[1]));
  const dir = tempApp(t, join(EXAMPLES, "shop"));
  writeFileSync(join(dir, "app.test.kova"), `IMPORT "./app.kova"\n${blocks.map((b) => b.replace(shop, "")).join("\n")}`);
  const result = kovaSync(["test", dir]);
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, new RegExp(`ℹ pass ${names.length}\\n`));
});
