// The Python and Go clients (clients/python, clients/go) against a live `kova db serve`: each
// client's own test suite and its docs example, driven from here. A missing toolchain is a loud
// skip locally and a failure with CI=true (.ci/run installs both).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { REPO_ROOT } from "./e2e/harness.js";
import { serveStore } from "./db/serve-fixture.js";

/** docs/store.md's ```LANG block: the example file the test runs, word for word. */
function docsBlock(lang: string): string {
  const doc = readFileSync(join(REPO_ROOT, "docs", "store.md"), "utf8");
  const found = new RegExp("```" + lang + "\\n([\\s\\S]*?)```").exec(doc);
  assert.ok(found !== null, `docs/store.md has a ${lang} example`);
  return found[1];
}

test("docs/store.md shows the clients' examples as they are (the tests below run them)", () => {
  assert.equal(docsBlock("python"), readFileSync(join(REPO_ROOT, "clients/python/examples/quickstart.py"), "utf8"));
  assert.equal(docsBlock("go"), readFileSync(join(REPO_ROOT, "clients/go/examples/quickstart/main.go"), "utf8"));
});

function toolchain(t: TestContext, command: string, args: string[]): boolean {
  const found = spawnSync(command, args, { encoding: "utf8" });
  if (found.status === 0) return true;
  const message = `${command} is not installed (apt-get install -y ${command === "go" ? "golang-go" : "python3 python3-venv"})`;
  if (process.env.CI === "true") assert.fail(message);
  console.warn(`SKIPPED: ${message}`);
  t.skip(message);
  return false;
}

function run(command: string, args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (output += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (output += s));
    const timer = setTimeout(() => child.kill("SIGKILL"), 240_000);
    child.once("close", (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

test("Python client: pip install ./clients/python in a venv, its unittest suite and the docs example against a live server", async (t) => {
  if (!toolchain(t, "python3", ["-c", "import venv, ensurepip"])) return;
  const venv = mkdtempSync(join(tmpdir(), "kova-store-py-"));
  t.after(() => rmSync(venv, { recursive: true, force: true }));
  const made = await run("python3", ["-m", "venv", venv], { cwd: venv });
  assert.equal(made.status, 0, made.output);
  const python = join(venv, "bin", "python");
  // --no-index: the package builds with the standard library alone (clients/python/_build).
  const installed = await run(python, ["-m", "pip", "install", "--no-index", join(REPO_ROOT, "clients/python")], { cwd: venv });
  assert.equal(installed.status, 0, installed.output);
  const { url, key } = await serveStore(t);
  const env = { KOVA_STORE_URL: url, KOVA_STORE_KEY: key };
  // From the tests folder with the venv's Python: the installed package is the one imported.
  const suite = await run(python, ["-m", "unittest", "discover", "-s", join(REPO_ROOT, "clients/python/tests"), "-v"], { cwd: venv, env });
  assert.equal(suite.status, 0, suite.output);
  assert.match(suite.output, /Ran \d+ tests/);
  assert.doesNotMatch(suite.output, /skipped/);
  assert.match(suite.output, /kova-store-py-[^/]*\/lib\/python3\.\d+\/site-packages\/kova_store|OK/);

  const example = await run(python, [join(REPO_ROOT, "clients/python/examples/quickstart.py")], { cwd: venv, env });
  assert.equal(example.status, 0, example.output);
  assert.equal(
    example.output,
    [
      "{'name': 'Alice B'}",
      "{'name': 'Alice'}",
      "['insert', 'update']",
      "['bob']",
      "Key 'users/alic' not found. To list keys: GET /v1/kv/users.",
      "1 insert alice",
      "2 update alice",
      "3 insert bob",
      "4 delete alice",
      "5 insert carol",
      "",
    ].join("\n"),
  );
});

test("Go client: go vet, its test suite and the docs example against a live server", async (t) => {
  if (!toolchain(t, "go", ["version"])) return;
  const cwd = join(REPO_ROOT, "clients/go");
  const cache = mkdtempSync(join(tmpdir(), "kova-store-go-"));
  t.after(() => rmSync(cache, { recursive: true, force: true }));
  // Its own caches: nothing shared with other builds on the machine, and no module downloads (stdlib only).
  const goEnv = { GOCACHE: join(cache, "build"), GOPATH: join(cache, "path"), GOFLAGS: "-mod=mod", GOPROXY: "off", GOTOOLCHAIN: "local" };
  const vet = await run("go", ["vet", "./..."], { cwd, env: goEnv });
  assert.equal(vet.status, 0, vet.output);
  const { url, key } = await serveStore(t);
  const env = { ...goEnv, KOVA_STORE_URL: url, KOVA_STORE_KEY: key };
  const suite = await run("go", ["test", "-count=1", "-v", "./..."], { cwd, env });
  assert.equal(suite.status, 0, suite.output);
  assert.doesNotMatch(suite.output, /SKIP/);
  assert.match(suite.output, /--- PASS: TestPutGetAsOfHistoryDelete/);
  assert.match(suite.output, /--- PASS: TestWatchInOrderAndContextCancel/);

  const example = await run("go", ["run", "./examples/quickstart"], { cwd, env });
  assert.equal(example.status, 0, example.output);
  assert.equal(example.output, "Alice B was Alice\n1 key with prefix b\nKey 'users/alic' not found. Did you mean users/alice? To list keys: GET /v1/kv/users.\n");
});
