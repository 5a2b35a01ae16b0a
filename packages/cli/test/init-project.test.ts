// `kova init` (and create-kova, which bundles the same code) writes an app with its own package.json.
import assert from "node:assert/strict";
import { readFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { checkFiles, findKovaFiles } from "@kova/compiler";
import { initProject, packageName } from "../src/init-project.js";
import { templateRoots } from "../src/commands/init.js";
import { cliVersion } from "../src/version.js";
import { kova, tempProject } from "./helpers.js";

test("kova init writes a package.json that depends on this kova and can be installed on its own", () => {
  const parent = tempProject({});
  const result = kova(["init", "My App"], { cwd: parent });
  assert.equal(result.status, 0, result.stderr);
  const manifest = JSON.parse(readFileSync(join(parent, "My App", "package.json"), "utf8"));
  assert.equal(manifest.name, "my-app");
  assert.deepEqual(manifest.dependencies, { "@kova/cli": `^${cliVersion()}` });
  assert.equal(manifest.type, "module");
  assert.equal(manifest.scripts.start, "kova run .");
  // Outside a project that has kova installed, the next steps include npm install.
  assert.match(result.stdout, /npm install\n\s+npx kova run\n$/);
});

for (const template of ["todo", "blog"]) {
  test(`kova init --template ${template} writes the example, which checks clean`, () => {
    const dir = join(tempProject({}), template);
    const result = initProject({ dir, template, kovaVersion: "1.0.0", templateRoots: templateRoots() });
    assert.ok(result.ok, JSON.stringify(result));
    assert.ok(existsSync(join(dir, "app.kova")));
    assert.doesNotMatch(readFileSync(join(dir, "README.md"), "utf8"), /examples\//, "README commands point at the app itself");
    const check = checkFiles(findKovaFiles([dir]).files);
    assert.deepEqual(check.diagnostics.filter((d) => d.severity === "error").map((d) => d.message), []);
  });
}

test("kova init refuses an unknown template, existing files, and keeps an existing package.json", () => {
  const parent = tempProject({});
  const bad = kova(["init", "--template", "shop", join(parent, "a")]);
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr, "kova init: unknown template 'shop'; choose one of: notes, todo, blog\n");
  const dir = join(parent, "b");
  mkdirSync(dir);
  writeFileSync(join(dir, "package.json"), '{"name":"mine"}\n');
  const kept = initProject({ dir, kovaVersion: "1.0.0", templateRoots: [] });
  assert.ok(kept.ok && !kept.wrotePackageJson);
  assert.equal(readFileSync(join(dir, "package.json"), "utf8"), '{"name":"mine"}\n');
  const again = initProject({ dir, kovaVersion: "1.0.0", templateRoots: [] });
  assert.ok(!again.ok && /already has app\.kova/.test(again.message));
  assert.equal(packageName("/x/Ünïcode Shop!"), "n-code-shop");
});
