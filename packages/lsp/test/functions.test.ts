// Hover and completion for FN, VIEW and the built-ins (issue 13 item 7), through the real server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { CompletionItem, MarkupContent } from "vscode-languageserver/node";
import { positionOf, SERVER_ENTRY, TestClient } from "./client.js";

const APP = `ENTITY User {
  name: text
}

ENTITY Post {
  title: text
  views: int DEFAULT 0
  author: User?
}

VIEW PostOut OF Post { title }

VIEW PostFull OF Post {
  title
  author { name }
}

FN excerpt(text: text, size: int) {
  RETURN substring(text, 0, size)
}

GET /posts {
  posts = SELECT * FROM Post
  RESPOND { a: [excerpt(p.title, 3) FOR p IN posts], b: PostOut(posts), c: slug("A b") }
}

GET /full {
  RESPOND SELECT PostFull FROM Post
}
`;

let dir: string;
let client: TestClient;
let uri: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "kova-lsp-fn-"));
  writeFileSync(join(dir, "app.kova"), APP);
  uri = pathToFileURL(join(dir, "app.kova")).href;
  client = new TestClient(process.execPath, [SERVER_ENTRY, "--stdio"]);
  await client.request("initialize", { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {} });
  await client.notify("initialized", {});
  await client.notify("textDocument/didOpen", { textDocument: { uri, languageId: "kova", version: 1, text: APP } });
  await client.diagnosticsFor(uri, 1);
});

after(() => {
  client.process.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function hover(needle: string, delta: number): Promise<string> {
  const result = await client.request<{ contents: MarkupContent } | null>("textDocument/hover", { textDocument: { uri }, position: positionOf(APP, needle, delta) });
  return result?.contents.value ?? "";
}

test("hover on a call of an FN shows its signature with the inferred result type", async () => {
  assert.match(await hover("excerpt(p.title", 2), /FN excerpt\(text: text, size: int\) → text/);
});

test("hover on a built-in shows its signature and doc from the compiler's list", async () => {
  const text = await hover('slug("A b")', 1);
  assert.match(text, /\(built-in\) slug\(text: text\) → text/);
  assert.match(text, /URL slug/);
});

test("hover on a VIEW use shows its fields", async () => {
  assert.match(await hover("PostOut(posts)", 2), /VIEW PostOut OF Post \{ title \}/);
});

test("hover on a VIEW with nested items shows them, and that it shapes rows in SELECT", async () => {
  const text = await hover("PostFull FROM", 2);
  assert.match(text, /VIEW PostFull OF Post \{ title, author \{ name \} \}/);
  assert.match(text, /its nested items read the related rows in that query/);
});

test("completion offers the built-ins with their signatures, and the program's FNs and VIEWs", async () => {
  const items = await client.request<CompletionItem[]>("textDocument/completion", { textDocument: { uri }, position: positionOf(APP, "  RESPOND { a:", 2) });
  const byLabel = new Map(items.map((i) => [i.label, i]));
  assert.equal(byLabel.get("date_trunc")?.detail, "date_trunc(unit: text, instant: instant, zone?: text) → datetime");
  assert.equal(byLabel.get("excerpt")?.detail, "FN excerpt(text, size)");
  assert.equal(byLabel.get("PostOut")?.detail, "VIEW PostOut OF Post");
});
