/** CACHE and ON handlers in the language server: cache names, cache settings, ON's write kinds and entities, hover. */
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

const APP = `ENTITY Post {
  title: text
}

ENTITY Audit {
  what: text
}

CACHE posts { ttl: 60s, key: "post:{id}" }
CACHE lists { mode: "revalidate" }

GET /posts/:id CACHE posts {
  RESPOND SELECT * FROM Post WHERE id = $id
}

ON INSERT Post WITH { attempts: 3 } {
  INSERT INTO Audit { what: event.after.title }
}
`;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "kova-lsp-caches-"));
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

const complete = async (text: string, marker: string, at: number) => labels(await client.request("textDocument/completion", { textDocument: { uri }, position: positionOf(text, marker, at) }));

test("after an endpoint's CACHE: the program's caches", async () => {
  const text = APP.replace("GET /posts/:id CACHE posts {", "GET /posts/:id CACHE po {");
  await open(text);
  assert.deepEqual((await complete(text, "CACHE po {", 8)).sort(), ["lists", "posts"]);
});

test("inside CACHE name { }: the cache settings", async () => {
  const text = APP.replace('CACHE lists { mode: "revalidate" }', 'CACHE lists { mode: "revalidate", st');
  await open(text);
  assert.deepEqual(await complete(text, ", st", 4), ["ttl", "mode", "stale", "key", "max_entries", "max_bytes", "cache_control"]);
});

test("after ON: the write kinds, then the entities; WITH { } of a handler: the task settings", async () => {
  const kinds = APP.replace("ON INSERT Post WITH", "ON UP");
  await open(kinds);
  assert.deepEqual(await complete(kinds, "ON UP", 5), ["INSERT", "UPDATE", "DELETE"]);
  const entities = APP.replace("ON INSERT Post WITH", "ON INSERT P");
  await open(entities);
  assert.deepEqual((await complete(entities, "ON INSERT P", 11)).sort(), ["Audit", "Post"]);
  const settings = APP.replace("WITH { attempts: 3 }", "WITH { attempts: 3, ba }");
  await open(settings);
  assert.deepEqual(await complete(settings, ", ba }", 4), ["attempts", "backoff", "timeout", "concurrency", "priority"]);
});

test("hover on a CACHE clause names the cache and its settings; hover on event shows its type", async () => {
  await open(APP);
  const cache = await client.request<{ contents: MarkupContent } | null>("textDocument/hover", { textDocument: { uri }, position: positionOf(APP, ":id CACHE posts", 11) });
  assert.match(cache?.contents.value ?? "", /CACHE posts[\s\S]*ttl, key/);
  const event = await client.request<{ contents: MarkupContent } | null>("textDocument/hover", { textDocument: { uri }, position: positionOf(APP, "event.after", 2) });
  assert.match(event?.contents.value ?? "", /after/);
});
