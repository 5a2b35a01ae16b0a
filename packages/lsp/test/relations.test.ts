import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { CompletionItem, CompletionList, MarkupContent } from "vscode-languageserver/node";
import { positionOf, SERVER_ENTRY, TestClient } from "./client.js";

// Hover and completion through relations: a reference's fields after `author.`, the related
// entity's fields inside `author { … }`, inverse relations offered and explained.
const PROGRAM = `ENTITY User {
  name: text
  bio: text?
  posts: Post[] BY author
}

ENTITY Post {
  title: text
  author: User
  comments: Comment[] BY post
}

ENTITY Comment {
  post: Post
  body: text
}

GET /posts {
  RESPOND SELECT title, author { name }, comments { body } FROM Post WHERE author.name = "Ada"
}
`;

let dir: string;
let uri: string;
let client: TestClient;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "kova-lsp-rel-"));
  writeFileSync(join(dir, "app.kova"), PROGRAM);
  uri = pathToFileURL(join(dir, "app.kova")).href;
  client = new TestClient(process.execPath, [SERVER_ENTRY, "--stdio"]);
  await client.request("initialize", { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {} });
  await client.notify("initialized", {});
  await client.notify("textDocument/didOpen", { textDocument: { uri, languageId: "kova", version: 1, text: PROGRAM } });
  const published = await client.diagnosticsFor(uri, 1);
  assert.deepEqual(published.diagnostics, []);
});

after(() => {
  client.process.kill();
  rmSync(dir, { recursive: true, force: true });
});

const labels = (r: CompletionItem[] | CompletionList | null) => (Array.isArray(r) ? r : (r?.items ?? [])).map((i) => i.label);

test("completion after `author.` in a WHERE offers the referenced entity's fields", async () => {
  const names = labels(await client.request("textDocument/completion", { textDocument: { uri }, position: positionOf(PROGRAM, "author.name", 7) }));
  for (const field of ["id", "name", "bio", "posts"]) assert.ok(names.includes(field), `${field} in ${names.join(",")}`);
  assert.ok(!names.includes("title"), "the post's own fields are not the author's");
});

test("completion inside `comments { … }` offers the related entity's fields", async () => {
  const names = labels(await client.request("textDocument/completion", { textDocument: { uri }, position: positionOf(PROGRAM, "comments { body", 11) }));
  for (const field of ["id", "body", "post"]) assert.ok(names.includes(field), `${field} in ${names.join(",")}`);
  assert.ok(!names.includes("title"));
});

test("hover on a relation use shows the inverse relation it names", async () => {
  const hover = await client.request<{ contents: MarkupContent }>("textDocument/hover", { textDocument: { uri }, position: positionOf(PROGRAM, "comments { body", 2) });
  assert.match(hover.contents.value, /comments: Comment\[\] BY post/);
  assert.match(hover.contents.value, /Relation of ENTITY Post: the Comment rows whose post refers to this one/);
  const reference = await client.request<{ contents: MarkupContent }>("textDocument/hover", { textDocument: { uri }, position: positionOf(PROGRAM, "author.name", 9) });
  assert.match(reference.contents.value, /Field of ENTITY User/);
});
