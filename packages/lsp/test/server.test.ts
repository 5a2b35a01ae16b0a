import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as compiler from "@kova/compiler";
import type { CodeAction, CompletionItem, CompletionList, Diagnostic, DocumentSymbol, Location, TextEdit, WorkspaceEdit } from "vscode-languageserver/node";
import type { MarkupContent } from "vscode-languageserver/node";
import { applyEdits, positionOf, SERVER_ENTRY, TestClient } from "./client.js";

// One server process for the whole file, driven step by step like an editor session.
const PROGRAM = `ENTITY Todo {
  title: text
  done: bool DEFAULT false
}

VALIDATE NewTodo {
  title: string(min: 1)
}

GET /todos/:id {
  todo = SELECT * FROM Todo WHERE id = $id
  RESPOND todo
}

GET /todos {
  RESPOND SELECT * FROM Todo WHERE done = false ORDER_BY title
}

POST /todos VALIDATE NewTodo {
  saved = INSERT INTO Todo { title: $body.title }
  RESPOND 201 saved HEADERS { location: "/todos/{saved.id}" }
}
`;

let dir: string;
let uri: string;
let client: TestClient;
let text = PROGRAM;
let version = 1;

async function change(newText: string): Promise<Diagnostic[]> {
  text = newText;
  version++;
  await client.notify("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [{ text }] });
  return (await client.diagnosticsFor(uri, version)).diagnostics;
}

const errors = (list: Diagnostic[]) => list.filter((d) => d.severity === 1);

before(() => {
  dir = mkdtempSync(join(tmpdir(), "kova-lsp-"));
  writeFileSync(join(dir, "app.kova"), PROGRAM);
  writeFileSync(join(dir, ".env"), "DATABASE_URL=postgres://x\nJWT_KEY=secret\n");
  uri = pathToFileURL(join(dir, "app.kova")).href;
  client = new TestClient(process.execPath, [SERVER_ENTRY, "--stdio"]);
});

after(() => {
  client.process.kill();
  rmSync(dir, { recursive: true, force: true });
});

test("initialize announces the features", async () => {
  const result = await client.request<{ capabilities: Record<string, unknown> }>("initialize", { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {} });
  await client.notify("initialized", {});
  for (const feature of ["hoverProvider", "completionProvider", "definitionProvider", "referencesProvider", "documentSymbolProvider", "documentFormattingProvider", "renameProvider", "codeActionProvider"]) {
    assert.ok(result.capabilities[feature], `capability ${feature}`);
  }
});

test("didOpen of a correct program publishes no errors", async () => {
  await client.notify("textDocument/didOpen", { textDocument: { uri, languageId: "kova", version, text } });
  const diagnostics = (await client.diagnosticsFor(uri, version)).diagnostics;
  assert.deepEqual(errors(diagnostics), []);
});

let typo: Diagnostic;

test("didChange with a misspelt field publishes the diagnostic with its suggestion", async () => {
  const diagnostics = await change(PROGRAM.replace("WHERE done = false", "WHERE dnoe = false"));
  const found = diagnostics.find((d) => d.code === "KV2002");
  assert.ok(found, `KV2002 among ${JSON.stringify(diagnostics)}`);
  typo = found;
  assert.equal(found.source, "kova");
  assert.equal(found.severity, 1);
  assert.match(String(found.message), /no field 'dnoe'/);
  assert.match(String(found.message), /did you mean 'done'\?/);
  assert.deepEqual(found.range, { start: positionOf(text, "dnoe"), end: positionOf(text, "dnoe", 4) });
});

test("codeAction offers the quick-fix that replaces the typo, and applying it clears the error", async () => {
  const actions = await client.request<CodeAction[]>("textDocument/codeAction", {
    textDocument: { uri },
    range: typo.range,
    context: { diagnostics: [typo], only: ["quickfix"] },
  });
  const fix = actions.find((a) => a.title.includes("'done'"));
  assert.ok(fix, JSON.stringify(actions));
  assert.equal(fix.kind, "quickfix");
  const edits = fix.edit!.changes![uri];
  assert.deepEqual(edits, [{ range: typo.range, newText: "done" }]);
  const fixed = applyEdits(text, edits);
  assert.equal(fixed, PROGRAM);
  assert.deepEqual(errors(await change(fixed)), []);
});

test("hover on an entity name shows its fields", async () => {
  const hover = await client.request<{ contents: MarkupContent }>("textDocument/hover", { textDocument: { uri }, position: positionOf(text, "FROM Todo", 6) });
  const value = hover.contents.value;
  assert.match(value, /ENTITY Todo \{/);
  assert.match(value, /title: text/);
  assert.match(value, /done: bool DEFAULT false/);
  assert.match(value, /id: int/);
});

test("hover on a route path shows method, params with inferred types and the VALIDATE shape", async () => {
  const route = await client.request<{ contents: MarkupContent }>("textDocument/hover", { textDocument: { uri }, position: positionOf(text, "/todos/:id", 2) });
  const value = route.contents.value;
  assert.match(value, /GET \/todos\/:id/);
  assert.match(value, /`\$id`: int/);
  const post = await client.request<{ contents: MarkupContent }>("textDocument/hover", { textDocument: { uri }, position: positionOf(text, "POST /todos", 7) });
  assert.match(post.contents.value, /VALIDATE NewTodo \{\n  title: string\(min: 1\)\n\}/);
  const variable = await client.request<{ contents: MarkupContent }>("textDocument/hover", { textDocument: { uri }, position: positionOf(text, "RESPOND todo", 9) });
  assert.match(variable.contents.value, /\(variable\) todo: Todo row/);
});

const labels = (result: CompletionItem[] | CompletionList | null) => (Array.isArray(result) ? result : (result?.items ?? [])).map((i) => i.label);

test("completion inside a WHERE offers the queried entity's fields", async () => {
  const result = await client.request<CompletionItem[]>("textDocument/completion", { textDocument: { uri }, position: positionOf(text, "WHERE done", 6) });
  const names = labels(result);
  for (const field of ["id", "title", "done"]) assert.ok(names.includes(field), `${field} in ${names.join(",")}`);
  assert.ok(!names.includes("saved"), "a variable of another handler is not in scope");
});

test("completion works on half-typed code: fields after WHERE, entities after FROM, $params, env names", async () => {
  const half = PROGRAM + "\nGET /half/:slug {\n  RESPOND SELECT * FROM Todo WHERE ti";
  await change(half);
  const end = positionOf(text, "WHERE ti", 8);
  assert.ok(labels(await client.request("textDocument/completion", { textDocument: { uri }, position: end })).includes("title"));

  await change(PROGRAM + "\nGET /half/:slug {\n  RESPOND SELECT * FROM T");
  const entities = labels(await client.request("textDocument/completion", { textDocument: { uri }, position: positionOf(text, "FROM T", 6, 2) }));
  assert.deepEqual(entities, ["Todo"]);

  // RESTORE (SOFT DELETE) is followed by an entity name too.
  await change(PROGRAM + "\nPOST /half/:slug {\n  RESPOND RESTORE T");
  const restored = labels(await client.request("textDocument/completion", { textDocument: { uri }, position: positionOf(text, "RESTORE T", 9) }));
  assert.deepEqual(restored, ["Todo"]);

  // PUBLIC ID (public identifiers): ID, then the kinds of public id.
  await change(PROGRAM + "\nENTITY Customer PUBLIC I");
  assert.deepEqual(labels(await client.request("textDocument/completion", { textDocument: { uri }, position: positionOf(text, "PUBLIC I", 8) })), ["ID"]);
  await change(PROGRAM + "\nENTITY Customer PUBLIC ID u");
  assert.deepEqual(labels(await client.request("textDocument/completion", { textDocument: { uri }, position: positionOf(text, "PUBLIC ID u", 11) })), ["uuid", "uuid7", "ulid"]);

  await change(PROGRAM + "\nGET /half/:slug {\n  RESPOND $");
  const params = labels(await client.request("textDocument/completion", { textDocument: { uri }, position: positionOf(text, "RESPOND $", 9) }));
  assert.deepEqual(params.sort(), ["$auth", "$body", "$cookies", "$headers", "$query", "$slug"]);

  await change(PROGRAM + '\nCONNECT db USING postgres(env("');
  const env = labels(await client.request("textDocument/completion", { textDocument: { uri }, position: positionOf(text, 'env("', 5) }));
  assert.deepEqual(env.sort(), ["DATABASE_URL", "JWT_KEY"]);
  assert.deepEqual(errors(await change(PROGRAM)), []);
});

test("definition on an entity use jumps to its declaration", async () => {
  const location = await client.request<Location>("textDocument/definition", { textDocument: { uri }, position: positionOf(text, "INTO Todo", 6) });
  assert.equal(location.uri, uri);
  assert.deepEqual(location.range, { start: { line: 0, character: 7 }, end: { line: 0, character: 11 } });
  const param = await client.request<Location>("textDocument/definition", { textDocument: { uri }, position: positionOf(text, "$id", 1) });
  assert.deepEqual(param.range.start, positionOf(text, ":id", 1));
});

test("references of a variable list its declaration and uses", async () => {
  const refs = await client.request<Location[]>("textDocument/references", { textDocument: { uri }, position: positionOf(text, "saved =", 0), context: { includeDeclaration: true } });
  assert.deepEqual(refs.map((r) => r.range.start), [positionOf(text, "saved ="), positionOf(text, "201 saved", 4), positionOf(text, "saved.id")]);
});

test("documentSymbol lists routes, entities and shapes", async () => {
  const symbols = await client.request<DocumentSymbol[]>("textDocument/documentSymbol", { textDocument: { uri } });
  assert.deepEqual(symbols.map((s) => s.name), ["Todo", "NewTodo", "GET /todos/:id", "GET /todos", "POST /todos"]);
  assert.deepEqual(symbols[0].children!.map((c) => c.name), ["title", "done"]);
});

test("folding ranges cover each multi-line brace block", async () => {
  const ranges = await client.request<Array<{ startLine: number; endLine: number }>>("textDocument/foldingRange", { textDocument: { uri } });
  // ENTITY Todo { … } spans lines 0–3: it folds lines 0–2, leaving the closing brace.
  assert.deepEqual(ranges[0], { startLine: 0, endLine: 2 });
  assert.deepEqual(ranges.map((r) => r.startLine), [0, 5, 9, 14, 18]);
});

test("formatting returns the formatter's edit for messy text and none for formatted text", async () => {
  const messy = PROGRAM.replace("  title: text", "      title:    text").replace("RESPOND todo", "RESPOND    todo");
  await change(messy);
  const edits = await client.request<TextEdit[]>("textDocument/formatting", { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
  assert.equal(edits.length, 1);
  const formatted = applyEdits(messy, edits);
  assert.equal(formatted, compiler.formatSource(messy, "app.kova").text);
  assert.match(formatted, /\n  title: text\n/);
  assert.match(formatted, /\n  RESPOND todo\n/);
  await change(formatted);
  assert.deepEqual(await client.request("textDocument/formatting", { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } }), []);
  await change(PROGRAM);
});

test("rename of a field edits every use, and the renamed program still checks", async () => {
  const edit = await client.request<WorkspaceEdit>("textDocument/rename", { textDocument: { uri }, position: positionOf(text, "title: text", 1), newName: "name" });
  const edits = edit.changes![uri];
  const starts = edits.map((e) => e.range.start).sort((a, b) => a.line - b.line || a.character - b.character);
  // The declaration, ORDER_BY title and the INSERT key — not the VALIDATE shape's own `title` nor `$body.title`.
  assert.deepEqual(starts, [positionOf(text, "title: text"), positionOf(text, "ORDER_BY title", 9), positionOf(text, "{ title:", 2)]);
  const renamed = applyEdits(text, edits);
  assert.match(renamed, /name: text/);
  assert.match(renamed, /ORDER_BY name/);
  assert.match(renamed, /INSERT INTO Todo \{ name: \$body\.title \}/);
  assert.deepEqual(errors(await change(renamed)), []);
  await assert.rejects(
    client.request("textDocument/rename", { textDocument: { uri }, position: positionOf(text, "name: text", 1), newName: "SELECT" }),
    /keyword/,
  );
});

test("a broken document never breaks the server", async () => {
  const broken = "ENTITY { : \nGET /x/:id { RESPOND SELECT FROM WHERE $ \n VALIDATE {";
  const diagnostics = await change(broken);
  assert.ok(errors(diagnostics).length > 0);
  for (let line = 0; line < 3; line++) {
    for (let character = 0; character < 45; character += 3) {
      const position = { line, character };
      await client.request("textDocument/hover", { textDocument: { uri }, position });
      await client.request("textDocument/completion", { textDocument: { uri }, position });
      await client.request("textDocument/definition", { textDocument: { uri }, position });
    }
  }
  assert.ok(Array.isArray(await client.request("textDocument/documentSymbol", { textDocument: { uri } })));
  assert.ok(!client.stderr.join("").includes("Error"), client.stderr.join(""));
});

test("hover on declared route parameters shows their declared types, bounds and defaults", async () => {
  const declared = 'GET /posts/:id(int) QUERY { limit: int(min: 1, max: 100) DEFAULT 20, sort: enum("new", "old")? } {\n  RESPOND { id: $id, limit: $query.limit, sort: $query.sort }\n}\n';
  assert.deepEqual(errors(await change(declared)), []);
  const route = await client.request<{ contents: MarkupContent }>("textDocument/hover", { textDocument: { uri }, position: positionOf(text, "/posts", 2) });
  assert.match(route.contents.value, /`\$id`: int \(declared\)/);
  assert.match(route.contents.value, /`\$query\.limit`: int, 1…100, default 20/);
  assert.match(route.contents.value, /`\$query\.sort`: "new" \| "old", optional/);
  const id = await client.request<{ contents: MarkupContent }>("textDocument/hover", { textDocument: { uri }, position: positionOf(text, "$id,", 1) });
  assert.match(id.contents.value, /\$id: int[^]*type declared on the route/);
  const query = await client.request<{ contents: MarkupContent }>("textDocument/hover", { textDocument: { uri }, position: positionOf(text, "$query.limit", 1) });
  assert.match(query.contents.value, /- `limit`: int, 1…100, default 20/);
  await change(PROGRAM);
});

test("hover shows an entity's composite constraints and a reference's ON DELETE (RESTRICT when not written)", async () => {
  const program = `ENTITY User {
  name: text
}

ENTITY Follow {
  follower: User ON DELETE CASCADE
  followee: User
  UNIQUE (follower, followee)
}

GET /follows {
  RESPOND SELECT * FROM Follow
}
`;
  assert.deepEqual(errors(await change(program)), []);
  const entity = await client.request<{ contents: MarkupContent }>("textDocument/hover", { textDocument: { uri }, position: positionOf(text, "FROM Follow", 6) });
  assert.match(entity.contents.value, /UNIQUE \(follower, followee\)/);
  const cascade = await client.request<{ contents: MarkupContent }>("textDocument/hover", { textDocument: { uri }, position: positionOf(text, "follower: User", 1) });
  assert.match(cascade.contents.value, /modifiers: ON DELETE CASCADE/);
  const restrict = await client.request<{ contents: MarkupContent }>("textDocument/hover", { textDocument: { uri }, position: positionOf(text, "followee: User", 1) });
  assert.match(restrict.contents.value, /ON DELETE RESTRICT \(default\)/);
});

test("shutdown then exit ends the process with status 0", async () => {
  assert.equal(await client.request("shutdown", null), null);
  const exited = client.exited();
  await client.notify("exit");
  assert.equal(await exited, 0);
});
