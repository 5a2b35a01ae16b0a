// Hover and completion for AUTH (issue 14 item 6): claims after `$auth.`, roles after `AUTH`, and
// `$auth` typed by the claims shape — through a real language server process.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { CompletionItem, CompletionList, MarkupContent } from "vscode-languageserver/node";
import { positionOf, SERVER_ENTRY, TestClient } from "./client.js";

const PROGRAM = `VALIDATE Claims {
  sub: string
  role: enum("admin", "editor")
}

AUTH jwt USING secret(env("JWT_KEY")) {
  claims: Claims
  roles: ["admin", "editor"]
}

GET /me AUTH {
  RESPOND { id: $auth.sub }
}
`;

let dir: string;
let uri: string;
let client: TestClient;
let text = PROGRAM;
let version = 1;

async function change(newText: string): Promise<void> {
  text = newText;
  version++;
  await client.notify("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [{ text }] });
  await client.diagnosticsFor(uri, version);
}

const labels = (result: CompletionItem[] | CompletionList | null) => (Array.isArray(result) ? result : result?.items ?? []).map((i) => i.label);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "kova-lsp-auth-"));
  writeFileSync(join(dir, "app.kova"), PROGRAM);
  uri = pathToFileURL(join(dir, "app.kova")).href;
  client = new TestClient(process.execPath, [SERVER_ENTRY, "--stdio"]);
  await client.request("initialize", { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {} });
  await client.notify("initialized", {});
  await client.notify("textDocument/didOpen", { textDocument: { uri, languageId: "kova", version, text } });
  await client.diagnosticsFor(uri, version);
});

after(() => {
  client.process.kill();
  rmSync(dir, { recursive: true, force: true });
});

test("hover on $auth shows the claims shape; on $auth.role the claim's declared type", async () => {
  const auth = await client.request<{ contents: MarkupContent }>("textDocument/hover", { textDocument: { uri }, position: positionOf(text, "$auth.sub", 2) });
  assert.match(auth.contents.value, /\$auth: Claims/);
  assert.match(auth.contents.value, /always set/);
  const claim = await client.request<{ contents: MarkupContent }>("textDocument/hover", { textDocument: { uri }, position: positionOf(text, "$auth.sub", 7) });
  assert.match(claim.contents.value, /sub/);
});

test("completion offers the declared claims after $auth. and the roles after AUTH", async () => {
  await change(PROGRAM + "\nGET /x AUTH {\n  RESPOND $auth.");
  const claims = labels(await client.request("textDocument/completion", { textDocument: { uri }, position: positionOf(text, "RESPOND $auth.", 14) }));
  assert.deepEqual(claims.sort(), ["role", "sub"]);
  await change(PROGRAM + "\nGET /x AUTH ");
  const access = labels(await client.request("textDocument/completion", { textDocument: { uri }, position: positionOf(text, "GET /x AUTH ", 12) }));
  assert.deepEqual(access.sort(), ["admin", "editor", "optional", "owner"]);
});
