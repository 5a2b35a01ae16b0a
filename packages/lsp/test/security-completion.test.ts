/** Completion for RATE_LIMIT and CORS (issue 14 item 6), through a real language server process. */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { CompletionItem, CompletionList } from "vscode-languageserver/node";
import { positionOf, SERVER_ENTRY, TestClient } from "./client.js";

let dir: string;
let uri: string;
let client: TestClient;
let version = 1;

const labels = (result: CompletionItem[] | CompletionList | null): string[] => (Array.isArray(result) ? result : result?.items ?? []).map((i) => i.label);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "kova-lsp-security-"));
  writeFileSync(join(dir, "app.kova"), "");
  uri = pathToFileURL(join(dir, "app.kova")).href;
  client = new TestClient(process.execPath, [SERVER_ENTRY, "--stdio"]);
  await client.request("initialize", { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {} });
  await client.notify("initialized", {});
  await client.notify("textDocument/didOpen", { textDocument: { uri, languageId: "kova", version, text: "" } });
});

after(() => {
  client.process.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function completeAt(text: string, marker: string, offsetInMarker: number): Promise<string[]> {
  version++;
  await client.notify("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [{ text }] });
  await client.diagnosticsFor(uri, version);
  return labels(await client.request("textDocument/completion", { textDocument: { uri }, position: positionOf(text, marker, offsetInMarker) }));
}

test("after RATE_LIMIT … BY: ip, header(…) and $auth.sub; after PER: windows", async () => {
  const by = "GET /a RATE_LIMIT 5 PER 1m BY ";
  assert.deepEqual(await completeAt(`${by}\n`, by, by.length), ["ip", 'header("…")', "$auth.sub"]);
  const per = "RATE_LIMIT 100 PER ";
  assert.deepEqual(await completeAt(`${per}\n`, per, per.length), ["1s", "1m", "1h", "1d"]);
});

test("inside CORS { }: its settings", async () => {
  const text = 'CORS {\n  origins: ["https://a.example"]\n  \n}\n';
  const items = await completeAt(text, '"]\n  ', 5);
  assert.deepEqual(items, ["origins", "methods", "headers", "expose", "credentials", "max_age"]);
});
