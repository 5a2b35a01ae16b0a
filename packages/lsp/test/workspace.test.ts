import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Location, WorkspaceEdit } from "vscode-languageserver/node";
import { applyEdits, positionOf, SERVER_ENTRY, TestClient } from "./client.js";

// Two files: the entity in models.kova, the endpoints in app.kova which imports it.
const MODELS = `ENTITY Post {
  title: text
  body: text?
}
`;
const APP = `IMPORT "./models.kova"

GET /posts/:id {
  post = SELECT * FROM Post WHERE id = $id
  RESPOND { title: post.title }
}
`;

let dir: string;
let client: TestClient;
let modelsUri: string;
let appUri: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "kova-lsp-ws-"));
  writeFileSync(join(dir, "models.kova"), MODELS);
  writeFileSync(join(dir, "app.kova"), APP);
  modelsUri = pathToFileURL(join(dir, "models.kova")).href;
  appUri = pathToFileURL(join(dir, "app.kova")).href;
  client = new TestClient(process.execPath, [SERVER_ENTRY, "--stdio"]);
  await client.request("initialize", { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {} });
  await client.notify("initialized", {});
  await client.notify("textDocument/didOpen", { textDocument: { uri: appUri, languageId: "kova", version: 1, text: APP } });
  await client.notify("textDocument/didOpen", { textDocument: { uri: modelsUri, languageId: "kova", version: 1, text: MODELS } });
  await client.diagnosticsFor(appUri, 1);
});

after(() => {
  client.process.kill();
  rmSync(dir, { recursive: true, force: true });
});

test("definition crosses files: an entity used in app.kova is declared in models.kova", async () => {
  const location = await client.request<Location>("textDocument/definition", { textDocument: { uri: appUri }, position: positionOf(APP, "FROM Post", 5) });
  assert.equal(location.uri, modelsUri);
  assert.deepEqual(location.range.start, { line: 0, character: 7 });
  const file = await client.request<Location>("textDocument/definition", { textDocument: { uri: appUri }, position: positionOf(APP, "models.kova") });
  assert.equal(file.uri, modelsUri);
});

test("an unsaved edit in one open file changes the diagnostics of another", async () => {
  const renamedOnlyInBuffer = MODELS.replace("title: text", "heading: text");
  const next = client.nextDiagnosticsFor(appUri);
  await client.notify("textDocument/didChange", { textDocument: { uri: modelsUri, version: 2 }, contentChanges: [{ text: renamedOnlyInBuffer }] });
  const { diagnostics } = await next;
  assert.ok(diagnostics.some((d) => d.code === "KV2002" && String(d.message).includes("'title'")), JSON.stringify(diagnostics));
  const restored = client.nextDiagnosticsFor(appUri);
  await client.notify("textDocument/didChange", { textDocument: { uri: modelsUri, version: 3 }, contentChanges: [{ text: MODELS }] });
  assert.deepEqual((await restored).diagnostics.filter((d) => d.severity === 1), []);
});

test("rename of a field from its use edits both open files, including post.title", async () => {
  const edit = await client.request<WorkspaceEdit>("textDocument/rename", { textDocument: { uri: appUri }, position: positionOf(APP, "post.title", 6), newName: "headline" });
  const changes = edit.changes!;
  assert.deepEqual(Object.keys(changes).sort(), [appUri, modelsUri].sort());
  assert.equal(applyEdits(MODELS, changes[modelsUri]), MODELS.replace("title: text", "headline: text"));
  // The response key `title:` is the client's JSON name, not the field: it stays.
  assert.equal(applyEdits(APP, changes[appUri]), APP.replace("post.title", "post.headline"));
});

test("rename of an entity edits its declaration and every use", async () => {
  const edit = await client.request<WorkspaceEdit>("textDocument/rename", { textDocument: { uri: modelsUri }, position: positionOf(MODELS, "Post"), newName: "Article" });
  assert.equal(applyEdits(MODELS, edit.changes![modelsUri]), MODELS.replace("ENTITY Post", "ENTITY Article"));
  assert.equal(applyEdits(APP, edit.changes![appUri]), APP.replace("FROM Post", "FROM Article"));
});

test("hover on a field use shows its type and owner; on a variable, its type", async () => {
  const field = await client.request<{ contents: { value: string } }>("textDocument/hover", { textDocument: { uri: appUri }, position: positionOf(APP, "post.title", 6) });
  assert.match(field.contents.value, /\(field\) title: text/);
  assert.match(field.contents.value, /Field of ENTITY Post/);
  const variable = await client.request<{ contents: { value: string } }>("textDocument/hover", { textDocument: { uri: appUri }, position: positionOf(APP, "post =") });
  assert.match(variable.contents.value, /\(variable\) post: Post row/);
});
