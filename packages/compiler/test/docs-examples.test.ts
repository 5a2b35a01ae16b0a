/**
 * Keeps the documentation honest: every ```kova block in docs/*.md is checked by the real
 * compiler, and must produce exactly the diagnostic codes its info string promises
 * (```kova expect=KV2002,KV2010), or none at all when it promises none. The example apps under
 * examples/ must check clean, and docs/diagnostics.md must explain every code the compiler has.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  bytecode,
  Codes,
  KEYWORDS,
  lower,
  checkFiles,
  checkWithDrivers,
  findKovaFiles,
  nodeHost,
  type CompilerHost,
  type Diagnostic,
} from "../src/index.js";

/** The folder whose package.json declares the npm workspaces. */
function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && "workspaces" in JSON.parse(readFileSync(manifest, "utf8"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("no package.json with \"workspaces\" above the test file");
    dir = parent;
  }
}

const root = findRepoRoot();

/** Reads paths relative to the repository root, so a doc block's IMPORT "../examples/…" resolves as it would from docs/. */
const repoHost: CompilerHost = {
  readFile: (path) => nodeHost.readFile(isAbsolute(path) ? path : join(root, path)),
  readSource: (path) => nodeHost.readSource(isAbsolute(path) ? path : join(root, path)),
};

interface KovaBlock {
  /** e.g. docs/language.md */
  doc: string;
  /** 1-based line in the .md file of the block's first line of code. */
  line: number;
  code: string;
  expected: string[];
  /** ```kova test: the block is a *.test.kova file (TEST blocks are only allowed there). */
  testFile: boolean;
  /** ```kova target=bytecode: also built for the VM tier, whose refusals (KV29xx) count. */
  bytecodeTarget: boolean;
  /** Problems with the info string itself (unknown attributes), reported as a test failure. */
  infoErrors: string[];
}

/** Every fenced block whose info string starts with `kova`, skipping fences nested in other fences. */
function extractKovaBlocks(doc: string, markdown: string): KovaBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: KovaBlock[] = [];
  let fence: { marker: string; info: string; openLine: number; body: string[] } | null = null;
  lines.forEach((text, index) => {
    if (fence === null) {
      const open = /^ {0,3}(`{3,}|~{3,})\s*(.*)$/.exec(text);
      if (open) fence = { marker: open[1], info: open[2].trim(), openLine: index + 1, body: [] };
      return;
    }
    const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(text);
    if (close && close[1][0] === fence.marker[0] && close[1].length >= fence.marker.length) {
      const words = fence.info.split(/\s+/);
      if (words[0] === "kova") {
        const expected: string[] = [];
        const infoErrors: string[] = [];
        let testFile = false;
        let bytecodeTarget = false;
        for (const word of words.slice(1)) {
          const match = /^expect=(KV\d{4}(?:,KV\d{4})*)$/.exec(word);
          if (match) expected.push(...match[1].split(","));
          else if (word === "test") testFile = true;
          else if (word === "target=bytecode") bytecodeTarget = true;
          else infoErrors.push(`unknown info-string attribute ${JSON.stringify(word)} (write expect=KV1234,KV5678, test or target=bytecode)`);
        }
        blocks.push({ doc, line: fence.openLine + 1, code: fence.body.join("\n"), expected, testFile, bytecodeTarget, infoErrors });
      }
      fence = null;
      return;
    }
    fence.body.push(text);
  });
  return blocks;
}

function describeDiagnostics(diagnostics: readonly Diagnostic[], block: KovaBlock): string {
  if (diagnostics.length === 0) return "  (no diagnostics)";
  return diagnostics
    .map((d) => {
      const mdLine = block.line + d.span.start.line - 1;
      const hint = d.suggestion ? ` (${d.suggestion})` : "";
      return `  ${block.doc}:${mdLine}:${d.span.start.column} ${d.severity} ${d.code}: ${d.message}${hint}`;
    })
    .join("\n");
}

const docsDir = join(root, "docs");
const docFiles = existsSync(docsDir) ? readdirSync(docsDir).filter((name) => name.endsWith(".md")).sort() : [];
const allBlocks = docFiles.flatMap((name) => extractKovaBlocks(`docs/${name}`, readFileSync(join(docsDir, name), "utf8")));

for (const name of docFiles) {
  const blocks = allBlocks.filter((b) => b.doc === `docs/${name}`);
  describe(`kova blocks in docs/${name}`, () => {
    for (const block of blocks) {
      const label = block.expected.length === 0 ? "checks clean" : `reports ${block.expected.join(", ")}`;
      test(`${block.doc}:${block.line} ${label}`, async () => {
        assert.deepEqual(block.infoErrors, [], `${block.doc}:${block.line - 1}: bad info string`);
        // As `kova check` does: with the drivers' own say on the queries they can run (KV9006).
        const file = `${block.doc}:${block.line}${block.testFile ? ".test" : ""}.kova`;
        const result = await checkWithDrivers([file], {
          readFile: (p) => (p === file ? block.code : repoHost.readFile(p)),
          readSource: (p) => (p === file ? { text: block.code } : repoHost.readSource!(p)),
        });
        // target=bytecode: built for the VM tier too, whose refusals are KV29xx (docs/bytecode.md).
        const diagnostics = [...result.diagnostics];
        if (block.bytecodeTarget && !diagnostics.some((d) => d.severity === "error")) {
          for (const program of result.programs) diagnostics.push(...bytecode.bytecodeRefusals(lower(program.model, { name: "" })));
        }
        const actual = [...new Set(diagnostics.map((d) => d.code))].sort();
        const expected = [...new Set(block.expected)].sort();
        assert.deepEqual(
          actual,
          expected,
          `${block.doc}:${block.line}: expected ${expected.length === 0 ? "no diagnostics" : expected.join(", ")}, got:\n` +
            describeDiagnostics(diagnostics, block),
        );
      });
    }
  });
}

test("docs/language.md and docs/diagnostics.md exist and hold kova examples", () => {
  for (const doc of ["docs/language.md", "docs/diagnostics.md"]) {
    const count = allBlocks.filter((b) => b.doc === doc).length;
    assert.ok(count > 0, `${doc} has no \`\`\`kova blocks`);
  }
});

test("the block extractor reads info strings, line numbers and nested fences", () => {
  const md = ["# t", "```kova expect=KV1001,KV2002", "GET /a { }", "```", "````md", "```kova", "not a block", "```", "````", "~~~kova", "x", "~~~"].join("\n");
  const blocks = extractKovaBlocks("t.md", md);
  assert.deepEqual(
    blocks.map((b) => [b.line, b.code, b.expected]),
    [
      [3, "GET /a { }", ["KV1001", "KV2002"]],
      [11, "x", []],
    ],
  );
  assert.deepEqual(extractKovaBlocks("t.md", "```kova expects=KV1001\nx\n```")[0].infoErrors.length, 1);
});

test("every keyword of the language appears in a kova example in docs/language.md", () => {
  const code = allBlocks.filter((b) => b.doc === "docs/language.md").map((b) => b.code).join("\n");
  const missing = KEYWORDS.filter((keyword) => !new RegExp(`(^|[^A-Za-z0-9_])${keyword}([^A-Za-z0-9_]|$)`).test(code));
  assert.deepEqual(missing, [], `keywords with no example in docs/language.md: ${missing.join(", ")}`);
});

test("docs/diagnostics.md has a section, with an example, for every diagnostic code", () => {
  const path = join(docsDir, "diagnostics.md");
  assert.ok(existsSync(path), "docs/diagnostics.md is missing");
  const markdown = readFileSync(path, "utf8");
  const sections = new Map<string, string>();
  for (const part of markdown.split(/^(?=## )/m)) {
    const heading = /^## (KV\d{4})\b/.exec(part);
    if (heading) sections.set(heading[1], part);
  }
  const known = new Set<string>(Object.values(Codes).map((info) => info.code));
  for (const info of Object.values(Codes)) {
    const section = sections.get(info.code);
    assert.ok(section !== undefined, `docs/diagnostics.md has no "## ${info.code}" section (${info.title})`);
    assert.match(section, new RegExp(`\`\`\`kova expect=[A-Z0-9,]*${info.code}`), `the ${info.code} section has no \`\`\`kova expect=${info.code} example`);
    assert.ok(section.includes(info.severity), `the ${info.code} section does not state its severity (${info.severity})`);
  }
  const stale = [...sections.keys()].filter((code) => !known.has(code));
  assert.deepEqual(stale, [], `docs/diagnostics.md documents codes the compiler does not have: ${stale.join(", ")}`);
});

describe("examples/", () => {
  const required = ["examples/todo/app.kova", "examples/blog/app.kova", "examples/blog/models.kova"];
  test("the todo and blog examples exist", () => {
    for (const file of required) assert.ok(existsSync(join(root, file)), `${file} is missing`);
  });

  test("every example checks with no errors and no warnings", () => {
    const found = findKovaFiles([join(root, "examples")]);
    assert.deepEqual(found.missing, []);
    assert.ok(found.files.length >= required.length, `only ${found.files.length} .kova files under examples/`);
    const result = checkFiles(found.files);
    const listing = result.diagnostics
      .map((d) => `  ${d.span.file}:${d.span.start.line}:${d.span.start.column} ${d.severity} ${d.code}: ${d.message}`)
      .join("\n");
    assert.deepEqual(result.diagnostics.map((d) => d.code), [], `examples have diagnostics:\n${listing}`);
  });
});
