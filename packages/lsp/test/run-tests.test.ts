/**
 * Tests in the editor: `kova lsp` offers "Run test" lenses on a *.test.kova file; running one
 * runs `kova test` and shows the outcome as lens titles and as an error on the failing EXPECT's
 * line, with expected and actual; editing the file clears the stale result.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { CodeLens } from "vscode-languageserver/node";
import { TestClient } from "./client.js";
import { parseTap } from "../src/tests.js";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const KOVA = join(REPO, "packages/cli/bin/kova.js");

const APP = `ENTITY Note {
  text: text
}

POST /notes {
  RESPOND 201 INSERT INTO Note { text: "fixed" }
}
`;

const TESTS = `IMPORT "./app.kova"

TEST "creates a note" {
  r = POST /notes
  EXPECT r.status == 201
}

TEST "reads what it wrote" {
  r = POST /notes
  EXPECT r.body.text == "hello"
}
`;

let dir: string;
let uri: string;
let client: TestClient;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "kova-lsp-tests-"));
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(join(dir, "app.kova"), APP);
  writeFileSync(join(dir, "app.test.kova"), TESTS);
  uri = pathToFileURL(join(dir, "app.test.kova")).href;
  client = new TestClient(process.execPath, [KOVA, "lsp", "--stdio"]);
  const init = await client.request<{ capabilities: { codeLensProvider?: unknown; executeCommandProvider?: { commands: string[] } } }>("initialize", { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {} });
  assert.ok(init.capabilities.codeLensProvider);
  assert.deepEqual(init.capabilities.executeCommandProvider?.commands, ["kova.runTests"]);
  await client.notify("initialized", {});
  await client.notify("textDocument/didOpen", { textDocument: { uri, languageId: "kova", version: 1, text: TESTS } });
  await client.diagnosticsFor(uri, 1);
});

after(() => {
  client.process.kill();
  unlinkSync(join(dir, "node_modules"));
  rmSync(dir, { recursive: true, force: true });
});

const titles = (lenses: CodeLens[]) => lenses.map((l) => `${l.range.start.line + 1}:${l.command?.title}`);

test("lenses: run the file, and each test", async () => {
  const lenses = await client.request<CodeLens[]>("textDocument/codeLens", { textDocument: { uri } });
  assert.deepEqual(titles(lenses), ["3:▶ Run all tests in this file", "3:▶ Run test", "8:▶ Run test"]);
  assert.deepEqual(lenses[2].command?.arguments, [uri, "reads what it wrote"]);
});

test("running the file: a passed and a failed lens, and the failing EXPECT is an error with expected and actual", async () => {
  const diagnostics = client.nextDiagnosticsFor(uri, 120_000);
  const summary = await client.request<{ passed: number; failed: number }>("workspace/executeCommand", { command: "kova.runTests", arguments: [uri] });
  assert.deepEqual(summary, { passed: 1, failed: 1, problem: null });
  const published = await diagnostics;
  const failure = published.diagnostics.find((d) => d.source === "kova test");
  assert.ok(failure, JSON.stringify(published.diagnostics));
  assert.equal(failure.range.start.line, 9, "on the EXPECT's line (10)");
  assert.match(String(failure.message), /TEST "reads what it wrote" failed: EXPECT r\.body\.text == "hello" failed at app\.test\.kova:10:3/);
  assert.match(String(failure.message), /expected: "hello"/);
  assert.match(String(failure.message), /actual: "fixed"/);
  const lenses = await client.request<CodeLens[]>("textDocument/codeLens", { textDocument: { uri } });
  assert.deepEqual(titles(lenses).slice(1), ["3:✔ passed · run again", "8:✖ failed · run again"]);
});

test("editing the file clears the results", async () => {
  await client.notify("textDocument/didChange", { textDocument: { uri, version: 2 }, contentChanges: [{ text: TESTS.replace('"hello"', '"fixed"') }] });
  const published = await client.diagnosticsFor(uri, 2);
  assert.deepEqual(published.diagnostics.filter((d) => d.source === "kova test"), []);
  const lenses = await client.request<CodeLens[]>("textDocument/codeLens", { textDocument: { uri } });
  assert.deepEqual(titles(lenses).slice(1), ["3:▶ Run test", "8:▶ Run test"]);
});

test("the TAP reader skips suites and keeps names with # in them", () => {
  const tap = "TAP version 13\n# Subtest: app.test.kova\n    # Subtest: a \\# b\n    ok 1 - a \\# b\n      ---\n      duration_ms: 1\n      ...\n    1..1\nok 1 - app.test.kova\n  ---\n  type: 'suite'\n  ...\n";
  assert.deepEqual(parseTap(tap), [{ name: "a # b", ok: true }]);
});
