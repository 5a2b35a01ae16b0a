/** SOCKET and rooms in the language server: events after ON, socket settings, room names, hover. */
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

const APP = `VALIDATE ChatIn {
  text: string
}

SOCKET /chat/:room VALIDATE ChatIn WITH { heartbeat: 10s } {
  ON CONNECT {
    JOIN room($room)
    JOIN lobby
  }
  ON MESSAGE(msg) {
    BROADCAST TO room($room) msg
  }
}

GET /events {
  STREAM lobby
}
`;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "kova-lsp-realtime-"));
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

test("after ON in a SOCKET: its events", async () => {
  const text = APP.replace("  ON MESSAGE(msg) {", "  ON C\n  ON MESSAGE(msg) {");
  await open(text);
  const items = labels(await client.request("textDocument/completion", { textDocument: { uri }, position: positionOf(text, "  ON C\n", 6) }));
  assert.deepEqual(items, ["CONNECT", "MESSAGE(msg)", "CLOSE"]);
});

test("inside a SOCKET's WITH { }: the socket settings", async () => {
  const text = APP.replace("WITH { heartbeat: 10s }", "WITH { heartbeat: 10s, ma }");
  await open(text);
  const items = labels(await client.request("textDocument/completion", { textDocument: { uri }, position: positionOf(text, ", ma }", 4) }));
  assert.deepEqual(items, ["max_message", "heartbeat", "max_buffered"]);
});

test("after BROADCAST TO: the program's rooms", async () => {
  const text = APP.replace("BROADCAST TO room($room) msg", "BROADCAST TO lo");
  await open(text);
  const items = labels(await client.request("textDocument/completion", { textDocument: { uri }, position: positionOf(text, "BROADCAST TO lo", 15) }));
  assert.deepEqual(items.sort(), ["lobby", "room"]);
});

test("hover on a SOCKET's path, a handler and a room", async () => {
  await open(APP);
  const hover = async (needle: string, at: number) => (await client.request<{ contents: MarkupContent } | null>("textDocument/hover", { textDocument: { uri }, position: positionOf(APP, needle, at) }))?.contents.value ?? "";
  assert.match(await hover("SOCKET /chat", 9), /SOCKET \/chat\/:room[\s\S]*WebSocket endpoint[\s\S]*messages match ChatIn[\s\S]*ON CONNECT, ON MESSAGE/);
  assert.match(await hover("ON MESSAGE", 4), /ON MESSAGE\(msg\)[\s\S]*for each message/);
  assert.match(await hover("STREAM lobby", 8), /room lobby[\s\S]*Used 2 times/);
});
