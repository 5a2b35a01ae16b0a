// The language server resolves `IMPORT "some-lib/file.kova"` as kova check does (issue 11 item 5).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Diagnostic, Location } from "vscode-languageserver/node";
import { positionOf, SERVER_ENTRY, TestClient } from "./client.js";

const APP = `IMPORT "acme-models/models.kova"

GET /widgets/:id {
  RESPOND SELECT * FROM Widget WHERE id = $id
}
`;

let dir: string;
let client: TestClient;
let appUri: string;
let libUri: string;

before(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "kova-lsp-lib-")));
  mkdirSync(join(dir, "node_modules", "acme-models"), { recursive: true });
  writeFileSync(join(dir, "node_modules", "acme-models", "package.json"), JSON.stringify({ name: "acme-models", version: "1.0.0", kova: { version: "^0.1.0", sources: ["models.kova"] } }));
  writeFileSync(join(dir, "node_modules", "acme-models", "models.kova"), "ENTITY Widget {\n  name: text\n}\n");
  writeFileSync(join(dir, "app.kova"), APP);
  appUri = pathToFileURL(join(dir, "app.kova")).href;
  libUri = pathToFileURL(join(dir, "node_modules", "acme-models", "models.kova")).href;
  client = new TestClient(process.execPath, [SERVER_ENTRY, "--stdio"]);
  await client.request("initialize", { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {} });
  await client.notify("initialized", {});
});

after(() => {
  client.process.kill();
  rmSync(dir, { recursive: true, force: true });
});

test("a library import checks clean, and definition goes into node_modules (on the entity and on the import)", async () => {
  await client.notify("textDocument/didOpen", { textDocument: { uri: appUri, languageId: "kova", version: 1, text: APP } });
  const published = await client.diagnosticsFor(appUri, 1);
  assert.deepEqual(published.diagnostics, []);
  const entity = await client.request<Location>("textDocument/definition", { textDocument: { uri: appUri }, position: positionOf(APP, "FROM Widget", 5) });
  assert.equal(entity.uri, libUri);
  const file = await client.request<Location>("textDocument/definition", { textDocument: { uri: appUri }, position: positionOf(APP, "models.kova") });
  assert.equal(file.uri, libUri);
});

test("a library that is not installed: KV2011 naming the npm install, as in kova check", async () => {
  const text = APP.replace("acme-models", "acme-missing");
  await client.notify("textDocument/didChange", { textDocument: { uri: appUri, version: 2 }, contentChanges: [{ text }] });
  const published = await client.diagnosticsFor(appUri, 2);
  const d = published.diagnostics.find((x: Diagnostic) => x.code === "KV2011");
  assert.ok(d, JSON.stringify(published.diagnostics));
  assert.match(String(d.message), /cannot find the Kova library acme-missing/);
  assert.match(JSON.stringify(published.diagnostics), /npm install acme-missing/);
});
