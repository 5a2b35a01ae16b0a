// `kova add` (issue 11 item 5): npm install, then the library's kova.version must fit this Kova.
// Everything is installed from local tarballs and folders with npm offline: no registry is reached.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { libraryProblem, registryPackageName } from "../src/commands/add.js";
import { kova } from "./helpers.js";

const KIT = fileURLToPath(new URL("../../../kit-accounts", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "kova-add-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** npm as a user's, but offline, quiet, with its own cache, and not told it runs under `npm test`. */
const NPM_ENV: Record<string, string | undefined> = {
  npm_config_cache: join(work, "npm-cache"),
  npm_config_offline: "true",
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_update_notifier: "false",
  npm_config_prefix: undefined,
  npm_config_local_prefix: undefined,
  npm_package_json: undefined,
  npm_lifecycle_event: undefined,
  INIT_CWD: undefined,
};

function app(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "1.0.0", private: true }, null, 2) + "\n");
  return dir;
}

function library(name: string, manifest: Record<string, unknown>): string {
  const dir = join(work, "libs", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "1.0.0", files: ["x.kova"], ...manifest }, null, 2));
  writeFileSync(join(dir, "x.kova"), "ENTITY X {\n  n: int\n}\n");
  return dir;
}

function pack(dir: string): string {
  const out = join(work, "tarballs");
  mkdirSync(out, { recursive: true });
  execFileSync("npm", ["pack", "--pack-destination", out], { cwd: dir, stdio: "ignore" });
  const file = readdirSync(out).find((f) => f.startsWith(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name.replace("@", "").replace("/", "-")))!;
  return join(out, file);
}

test("kova add ./kova-kit-accounts-0.1.0.tgz installs the library, records it, and says how to import it", () => {
  const tarball = pack(KIT);
  const dir = app("accounts-app");
  const r = kova(["add", tarball], { cwd: dir, env: NPM_ENV });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /kova add: added @kova\/kit-accounts@0\.1\.0 \(a Kova library for \^0\.1\.0; this is Kova 0\.1\.0\); use it with: IMPORT "@kova\/kit-accounts\/accounts\.kova"/);
  assert.ok(existsSync(join(dir, "node_modules", "@kova", "kit-accounts", "accounts.kova")));
  assert.ok(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).dependencies["@kova/kit-accounts"]);
  assert.ok(existsSync(join(dir, "package-lock.json")), "npm's lockfile is the lockfile");
  // And the app checks against it.
  writeFileSync(join(dir, "app.kova"), 'IMPORT "@kova/kit-accounts/accounts.kova"\n\nGET /users/:id {\n  RESPOND SELECT * FROM User WHERE id = $id\n}\n');
  const check = kova(["check"], { cwd: dir });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /checked 2 files: 0 errors/);
});

test("kova add of a library for another Kova: one line, exit 1", () => {
  const lib = library("future-lib", { kova: { version: "^9.0.0", sources: ["x.kova"] } });
  const dir = app("future-app");
  const r = kova(["add", pack(lib)], { cwd: dir, env: NPM_ENV });
  assert.equal(r.status, 1);
  const lines = r.stderr.split("\n").filter((l) => l.startsWith("kova add:"));
  assert.deepEqual(lines, ["kova add: future-lib@1.0.0 is written for Kova ^9.0.0, but this is Kova 0.1.0; install a version of future-lib that fits (npm install future-lib@<version>) or a Kova in ^9.0.0"]);
});

test("kova add of a package that is not a Kova library (from a folder): refused, exit 1", () => {
  const lib = library("plain-lib", {});
  const dir = app("plain-app");
  const r = kova(["add", lib], { cwd: dir, env: NPM_ENV });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^kova add: plain-lib is not a Kova library \(its package.json has no "kova" field\); remove it with: npm uninstall plain-lib$/m);
});

test("kova add without a package.json, without a package, and when npm fails", () => {
  const bare = join(work, "bare");
  mkdirSync(bare);
  const none = kova(["add", "x"], { cwd: bare, env: NPM_ENV });
  assert.equal(none.status, 1);
  assert.match(none.stderr, /has no package\.json.*npm init -y/);
  const usage = kova(["add"], { cwd: bare, env: NPM_ENV });
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /name the library to add/);
  const dir = app("fail-app");
  const missing = kova(["add", join(work, "no-such.tgz")], { cwd: dir, env: NPM_ENV });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /kova add: npm install .*no-such\.tgz failed \(exit \d+\); see npm's output above/);
});

test("kova help add prints its usage", () => {
  const r = kova(["help", "add"]);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^Usage: kova add \[options\] PACKAGE\.\.\./);
  assert.match(kova(["help"]).stdout, /^ {2}add +Install a Kova library/m);
});

test("registryPackageName and libraryProblem", () => {
  assert.equal(registryPackageName("some-lib"), "some-lib");
  assert.equal(registryPackageName("@kova/kit-accounts@^0.1"), "@kova/kit-accounts");
  assert.equal(registryPackageName("./lib.tgz"), undefined);
  assert.equal(registryPackageName("lib-1.0.0.tgz"), undefined);
  assert.equal(libraryProblem("a", { kova: { version: ">=0.1.0 <0.2.0" } }, "0.1.0"), undefined);
  assert.match(libraryProblem("a", { kova: { version: "nope" } }, "0.1.0") ?? "", /does not say which Kova/);
  assert.match(libraryProblem("a", { kova: {} }, "0.1.0") ?? "", /does not say which Kova/);
  assert.match(libraryProblem("a", undefined, "0.1.0") ?? "", /was not installed/);
});
