/** The language server on aggregates: hover says what one computes and its type; completion offers them in a SELECT. */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { CompletionItem, CompletionList, MarkupContent } from "vscode-languageserver/node";
import { positionOf, SERVER_ENTRY, TestClient } from "./client.js";

const PROGRAM = `ENTITY Sale {
  region: text
  qty: int
}

GET /regions {
  RESPOND SELECT region, SUM(qty) AS units, COUNT(*) AS n FROM Sale GROUP_BY region HAVING COUNT(*) > 1
}
`;

let dir: string;
let uri: string;
let client: TestClient;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "kova-lsp-agg-"));
  writeFileSync(join(dir, "app.kova"), PROGRAM);
  uri = pathToFileURL(join(dir, "app.kova")).href;
  client = new TestClient(process.execPath, [SERVER_ENTRY, "--stdio"]);
  await client.request("initialize", { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {} });
  await client.notify("initialized", {});
  await client.notify("textDocument/didOpen", { textDocument: { uri, languageId: "kova", version: 1, text: PROGRAM } });
  await client.diagnosticsFor(uri, 1);
});

after(() => {
  client.process.kill();
  rmSync(dir, { recursive: true, force: true });
});

test("hover on an aggregate shows what it computes and its type", async () => {
  const sum = await client.request<{ contents: MarkupContent }>("textDocument/hover", { textDocument: { uri }, position: positionOf(PROGRAM, "SUM(qty)", 1) });
  assert.match(sum.contents.value, /\(aggregate\) SUM\(qty\): int/);
  assert.match(sum.contents.value, /sum of a number field/);
  const count = await client.request<{ contents: MarkupContent }>("textDocument/hover", { textDocument: { uri }, position: positionOf(PROGRAM, "COUNT(*) AS", 1) });
  assert.match(count.contents.value, /\(aggregate\) COUNT\(\*\): int/);
  assert.match(count.contents.value, /not in `WHERE`/);
});

test("completion in a SELECT offers the aggregates as snippets, next to the fields", async () => {
  const result = await client.request<CompletionItem[] | CompletionList>("textDocument/completion", { textDocument: { uri }, position: positionOf(PROGRAM, "region, SUM", 8) });
  const items = Array.isArray(result) ? result : result.items;
  const avg = items.find((i) => i.label === "AVG" && i.detail === "aggregate");
  assert.ok(avg, JSON.stringify(items.map((i) => i.label)));
  assert.equal(avg.insertText, "AVG(${1:field})");
  assert.ok(items.some((i) => i.label === "qty"), "the entity's fields are offered too");
});
