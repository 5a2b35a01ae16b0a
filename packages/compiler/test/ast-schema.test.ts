import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { parse } from "../src/index.js";
import { isDeepStrictEqual } from "node:util";
import { forEachNode, kindsIn, type JsonNode } from "./support/ast-helpers.js";
import { SAMPLES } from "./support/samples.js";

// This file runs from packages/compiler/dist/test/.
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const SCRIPT = join(ROOT, "scripts", "gen-ast-schema.mjs");
const SCHEMA_FILE = join(ROOT, "docs", "ast.schema.json");
const AST_DOC = join(ROOT, "docs", "ast.md");

interface SchemaDefinition {
  properties?: { kind?: { const?: string; enum?: string[] } } & Record<string, unknown>;
}
const schema = JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as { definitions: Record<string, SchemaDefinition> };

/** Every `kind` the schema allows, e.g. "Program", "Entity", "SelectQuery". */
const SCHEMA_KINDS = Object.values(schema.definitions)
  .map((d) => d.properties?.kind?.const)
  .filter((k): k is string => typeof k === "string")
  .sort();

function runScript(args: string[]) {
  return spawnSync(process.execPath, [SCRIPT, ...args], { cwd: ROOT, encoding: "utf8" });
}

test("ast schema: docs/ast.schema.json matches a fresh generation from nodes.ts", () => {
  const result = runScript(["--check"]);
  assert.equal(result.status, 0, `${result.stderr}\nrun: node scripts/gen-ast-schema.mjs`);
});

test("ast schema: --check fails with a clear message when the schema file is stale", () => {
  const dir = mkdtempSync(join(tmpdir(), "kova-schema-"));
  try {
    const stale = join(dir, "ast.schema.json");
    const committed = JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as { definitions: Record<string, unknown> };
    delete committed.definitions.MissingExpr;
    writeFileSync(stale, `${JSON.stringify(committed, null, 2)}\n`);
    const result = runScript(["--check", "--file", stale]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /out of date .* run: node scripts\/gen-ast-schema\.mjs/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("ast schema: the file is deterministic JSON with 2-space indent, sorted definitions and a trailing newline", () => {
  const text = readFileSync(SCHEMA_FILE, "utf8");
  assert.ok(text.endsWith("}\n"));
  assert.equal(text, `${JSON.stringify(JSON.parse(text), null, 2)}\n`);
  const names = Object.keys(schema.definitions);
  assert.deepEqual(names, [...names].sort());
  assert.ok(SCHEMA_KINDS.length > 50, `found only ${SCHEMA_KINDS.length} kinds`);
});

// ───────────── the AST of real programs validates ─────────────

const ajv = new Ajv({ strict: false, allErrors: false });
const validate = ajv.compile(schema);

function assertValid(text: string, label: string): void {
  const { program } = parse(text, label);
  // Validate what a tool receives: the JSON text, not the in-memory objects.
  const json: unknown = JSON.parse(JSON.stringify(program));
  if (!validate(json)) {
    const errors = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath} ${e.message}`).join("\n  ");
    assert.fail(`the AST of ${label} does not match docs/ast.schema.json:\n  ${errors}`);
  }
}

/** Programs with mistakes: their partial ASTs (with Missing nodes) must validate too. */
const BROKEN: Record<string, string> = {
  missingOperand: "GET /a {\n  x = 1 +\n}",
  missingStatus: 'GET /a {\n  ERROR "oops"\n}',
  missingEntity: "GET /a {\n  x = SELECT * FROM\n}",
  halfTyped: "ENTITY User { name: text }\nGET /users {\n  users = SELECT * FROM User WHERE\nENTITY Post { title: text }\n",
  badField: "ENTITY A {\n  x:\n  y int\n}",
  badObject: "GET /a {\n  x = { a: , ...  }\n  RESPOND [1, , 2\n}",
  badCall: "GET /a {\n  x = a.b(1)(2)\n  y = f(1, 2\n}",
  emptyHole: 'GET /a {\n  x = "a{}b{c d}"\n}',
  badImport: "IMPORT { a AS } FROM\nIMPORT 42",
  badSocket: "SOCKET s { x ON { } ON MESSAGE( { } }",
  badTask: "TASK t EVERY { }\nAUTH a USING 5 { x }",
  miscased: "get /a { respond select * from User where x = 1 }",
  garbage: "@@@ }}} ((( ]]] ::: \"unterminated",
};

test("ast schema: the AST of every sample program validates", () => {
  for (const [name, text] of Object.entries(SAMPLES)) assertValid(text, `${name}.kova`);
});

test("ast schema: partial ASTs of programs with mistakes validate", () => {
  for (const [name, text] of Object.entries(BROKEN)) assertValid(text, `${name}.kova`);
});

test("ast schema: together the samples use every node kind (so the validation above covers the whole schema)", () => {
  const used = new Set<string>();
  for (const text of [...Object.values(SAMPLES), ...Object.values(BROKEN)]) {
    for (const kind of kindsIn(parse(text).program as unknown as JsonNode)) used.add(kind);
  }
  assert.deepEqual(SCHEMA_KINDS.filter((k) => !used.has(k)), []);
});

function kovaFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (name === "node_modules" || name === "dist") continue;
    if (statSync(path).isDirectory()) out.push(...kovaFilesUnder(path));
    else if (name.endsWith(".kova")) out.push(path);
  }
  return out;
}

test("ast schema: the AST of every examples/**/*.kova validates", (t) => {
  const files = kovaFilesUnder(join(ROOT, "examples"));
  for (const file of files) assertValid(readFileSync(file, "utf8"), file.slice(ROOT.length));
  t.diagnostic(`${files.length} example files`);
});

/** The ```kova fenced blocks of a Markdown file. */
function kovaBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  const fence = /^(`{3,}|~{3,})kova[^\n]*\n([\s\S]*?)^\1[ \t]*$/gm;
  for (let m = fence.exec(markdown); m !== null; m = fence.exec(markdown)) blocks.push(m[2]);
  return blocks;
}

test("ast schema: the AST of every ```kova block in docs/*.md validates", (t) => {
  const docs = join(ROOT, "docs");
  let count = 0;
  for (const name of readdirSync(docs).filter((n) => n.endsWith(".md")).sort()) {
    kovaBlocks(readFileSync(join(docs, name), "utf8")).forEach((block, i) => {
      assertValid(block, `docs/${name} block ${i + 1}`);
      count++;
    });
  }
  t.diagnostic(`${count} kova blocks`);
});

test("ast schema: a value that breaks the schema is rejected (the validation is real)", () => {
  const { program } = parse(SAMPLES.users);
  const json = JSON.parse(JSON.stringify(program)) as { declarations: Array<Record<string, unknown>> };
  json.declarations[0].extra = true;
  assert.equal(validate(json), false, "an undeclared field is rejected");
  const renamed = JSON.parse(JSON.stringify(program)) as { declarations: Array<Record<string, unknown>> };
  renamed.declarations[0].kind = "Connection";
  assert.equal(validate(renamed), false, "an unknown kind is rejected");
});

test("ast schema: every node's keys come in the order nodes.ts declares them (the order `kova ast` prints)", () => {
  const declaredOrder = new Map<string, string[]>();
  for (const definition of Object.values(schema.definitions)) {
    // One interface may stand for several kinds (`kind: "Join" | "Leave"`): an enum in the schema.
    const kinds = definition.properties?.kind?.enum ?? (definition.properties?.kind?.const === undefined ? [] : [definition.properties.kind.const]);
    for (const kind of kinds) declaredOrder.set(kind, Object.keys(definition.properties ?? {}));
  }
  for (const text of [...Object.values(SAMPLES), ...Object.values(BROKEN)]) {
    forEachNode(parse(text).program as unknown as JsonNode, (node) => {
      assert.deepEqual(Object.keys(node), declaredOrder.get(node.kind), `keys of a ${node.kind} node`);
    });
  }
});

// ───────────── the reference document covers the schema ─────────────

test("ast schema: docs/ast.md documents every node kind with a JSON example", () => {
  const doc = readFileSync(AST_DOC, "utf8");
  const undocumented = SCHEMA_KINDS.filter((kind) => !doc.includes(`"kind": "${kind}"`));
  assert.deepEqual(undocumented, [], "kinds with no `\"kind\": \"…\"` example in docs/ast.md");
});

test("ast schema: the JSON examples in docs/ast.md are valid JSON", () => {
  const doc = readFileSync(AST_DOC, "utf8");
  const fence = /^```json\n([\s\S]*?)^```$/gm;
  let count = 0;
  for (let m = fence.exec(doc); m !== null; m = fence.exec(doc)) {
    assert.doesNotThrow(() => JSON.parse(m![1]), `invalid JSON example:\n${m[1]}`);
    count++;
  }
  assert.ok(count > 10, `only ${count} JSON examples`);
});

/** The fenced blocks of a Markdown file, in order, with their info string. */
function fences(markdown: string): Array<{ info: string; body: string }> {
  const out: Array<{ info: string; body: string }> = [];
  const fence = /^```([^\n]*)\n([\s\S]*?)^```$/gm;
  for (let m = fence.exec(markdown); m !== null; m = fence.exec(markdown)) out.push({ info: m[1].trim(), body: m[2] });
  return out;
}

const withoutSpans = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (key, v: unknown) => (key === "span" || key === "sourceSpan" ? undefined : v)));

test("ast schema: each JSON example in docs/ast.md is what the parser produces for the source shown above it", () => {
  const blocks = fences(readFileSync(AST_DOC, "utf8"));
  let checked = 0;
  blocks.forEach((block, i) => {
    const source = blocks[i - 1];
    if (block.info !== "json" || source === undefined || source.info !== "") return;
    const example: unknown = JSON.parse(block.body);
    const snippet = source.body.replace(/\n$/, "");
    // The example is a whole file, a declaration, a statement, an expression, a field or a type.
    const contexts = [snippet, `GET /t {\n  ${snippet}\n}`, `GET /t {\n  x = ${snippet}\n}`, `ENTITY E {\n  ${snippet}\n}`, `VALIDATE V {\n  ${snippet}\n}`];
    const hasSpans = typeof example === "object" && example !== null && "span" in example;
    const found = contexts.some((text) => {
      let match = false;
      forEachNode(parse(text, "app.kova").program as unknown as JsonNode, (node) => {
        if (!match) match = isDeepStrictEqual(hasSpans ? JSON.parse(JSON.stringify(node)) : withoutSpans(node), example);
      });
      return match;
    });
    assert.ok(found, `docs/ast.md: the JSON example after\n${snippet}\nis not what the parser produces`);
    checked++;
  });
  assert.ok(checked > 40, `only ${checked} examples were checked`);
});
