/** TASK and ENQUEUE in the language server: task names after ENQUEUE, settings in WITH { }, hover. */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { CompletionItem, CompletionList, MarkupContent } from "vscode-languageserver/node";
import { positionOf, SERVER_ENTRY, TestClient } from "./client.js";

let dir: string;
let uri: string;
let client: TestClient;
let version = 1;

const labels = (result: CompletionItem[] | CompletionList | null): string[] => (Array.isArray(result) ? result : result?.items ?? []).map((i) => i.label);

const APP = `ENTITY User {
  email: email
}

TASK send_welcome(user: User) WITH { attempts: 3 } {
  UPDATE User SET email = user.email WHERE id = user.id
}

TASK sweep EVERY 10m {
  DELETE FROM User WHERE email = ""
}

POST /users/:id {
  user = SELECT * FROM User WHERE id = $id
  ENQUEUE send_welcome(user)
  RESPOND 202
}
`;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "kova-lsp-tasks-"));
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

async function open(text: string): Promise<void> {
  version++;
  await client.notify("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [{ text }] });
  await client.diagnosticsFor(uri, version);
}

test("after ENQUEUE: the program's tasks", async () => {
  const text = APP.replace("ENQUEUE send_welcome(user)", "ENQUEUE se");
  await open(text);
  const items = labels(await client.request("textDocument/completion", { textDocument: { uri }, position: positionOf(text, "ENQUEUE se", 10) }));
  assert.deepEqual(items.sort(), ["send_welcome", "sweep"]);
});

test("inside WITH { }: the task settings", async () => {
  const text = APP.replace("WITH { attempts: 3 }", "WITH { attempts: 3, ti }");
  await open(text);
  const items = labels(await client.request("textDocument/completion", { textDocument: { uri }, position: positionOf(text, ", ti }", 4) }));
  assert.deepEqual(items, ["attempts", "backoff", "timeout", "concurrency", "priority"]);
});

test("hover on a task in ENQUEUE shows its signature and kind", async () => {
  await open(APP);
  const result = await client.request<{ contents: MarkupContent } | null>("textDocument/hover", { textDocument: { uri }, position: positionOf(APP, "ENQUEUE send_welcome", 10) });
  assert.match(result?.contents.value ?? "", /TASK send_welcome\(user: User\)[\s\S]*queued: runs when an ENQUEUE names it · settings: attempts/);
});
