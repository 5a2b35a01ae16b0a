/**
 * Properties every formatted file must have, checked over a corpus: the examples, every ```kova
 * block of the docs, hand-written tricky inputs and mutated examples.
 *   - idempotent: format(format(x)) === format(x)
 *   - meaning preserved: same AST once spans are removed
 *   - every comment of the input appears in the output exactly once
 * And the repository's own Kova (examples/, docs blocks) is already in canonical style.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { findKovaFiles, formatSource, parse } from "../src/index.js";
import { stripSpans } from "../src/format/ast-compare.js";
import { collectComments, commentKey, isSyntaxError } from "../src/format/index.js";
import { TRICKY_INPUTS } from "./format-tricky-inputs.test.js";

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

interface Input {
  name: string;
  text: string;
  /** For a docs block: the nearest heading above it. */
  heading?: string;
}

/**
 * Docs blocks that show the free layout the language accepts (several statements on a line,
 * expressions continued over lines): formatting them would undo what they illustrate.
 */
const LAYOUT_DEMO_HEADINGS: ReadonlySet<string> = new Set(["### Separators", "### Line rules"]);

/** The content of every ```kova fenced block in docs/*.md. */
export function docsKovaBlocks(): Input[] {
  const blocks: Input[] = [];
  for (const name of readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).sort()) {
    const lines = readFileSync(join(root, "docs", name), "utf8").split("\n");
    let body: string[] | null = null;
    let start = 0;
    let heading = "";
    lines.forEach((text, i) => {
      if (body === null) {
        if (text.startsWith("#")) heading = text.trim();
        if (/^```kova\b/.test(text)) {
          body = [];
          start = i + 2;
        }
      } else if (/^```\s*$/.test(text)) {
        blocks.push({ name: `docs/${name}:${start}`, text: body.join("\n") + "\n", heading });
        body = null;
      } else {
        body.push(text);
      }
    });
  }
  return blocks;
}

function exampleFiles(): Input[] {
  return findKovaFiles([join(root, "examples")]).files.map((file) => ({
    name: file.slice(root.length + 1),
    text: readFileSync(file, "utf8"),
  }));
}

/** A small seeded PRNG (mulberry32), so a failing mutant can be reproduced. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Programs made by deleting or duplicating random lines of the examples; only those that still parse are kept. */
function mutants(sources: readonly Input[], perFile: number, seed: number): { tried: number; kept: Input[] } {
  const random = prng(seed);
  const kept: Input[] = [];
  let tried = 0;
  for (const source of sources) {
    for (let n = 0; n < perFile; n++) {
      const lines = source.text.split("\n");
      const edits = 1 + Math.floor(random() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(random() * lines.length);
        if (random() < 0.5) lines.splice(at, 1);
        else lines.splice(at, 0, lines[at]);
      }
      tried++;
      const text = lines.join("\n");
      if (!parse(text).diagnostics.some(isSyntaxError)) kept.push({ name: `${source.name} mutant ${n}`, text });
    }
  }
  return { tried, kept };
}

/** Checks the three properties; returns false (after checking it is left alone) for input with syntax errors. */
function assertProperties(input: Input): boolean {
  const first = formatSource(input.text, input.name);
  if (first.diagnostics.some(isSyntaxError)) {
    assert.equal(first.text, input.text, `${input.name}: a file with syntax errors must come back unchanged`);
    assert.equal(first.changed, false);
    return false;
  }
  const second = formatSource(first.text, input.name);
  assert.equal(second.text, first.text, `${input.name}: formatting is not idempotent`);
  assert.equal(second.changed, false);
  assert.deepEqual(
    stripSpans(parse(first.text, input.name).program),
    stripSpans(parse(input.text, input.name).program),
    `${input.name}: the formatted program differs from the input`,
  );
  const before = collectComments(input.text).map(commentKey).sort();
  const after = collectComments(first.text).map(commentKey).sort();
  assert.deepEqual(after, before, `${input.name}: every comment must appear in the output exactly once`);
  return true;
}

describe("formatter properties", () => {
  test("the examples", (t) => {
    const inputs = exampleFiles();
    assert.ok(inputs.length >= 3, "the examples were found");
    for (const input of inputs) assert.ok(assertProperties(input), `${input.name} parses`);
    t.diagnostic(`${inputs.length} example files`);
  });

  test("every ```kova block of the docs (those that parse cleanly)", (t) => {
    const blocks = docsKovaBlocks();
    let formatted = 0;
    for (const block of blocks) if (assertProperties(block)) formatted++;
    assert.ok(formatted >= 20, `only ${formatted} doc blocks parse`);
    t.diagnostic(`${blocks.length} doc blocks, ${formatted} parse cleanly`);
  });

  test("hand-written tricky inputs", (t) => {
    for (const input of TRICKY_INPUTS) assert.ok(assertProperties(input), `${input.name} should parse`);
    t.diagnostic(`${TRICKY_INPUTS.length} tricky inputs`);
  });

  test("mutated examples (seeded)", (t) => {
    const { tried, kept } = mutants([...exampleFiles(), ...TRICKY_INPUTS], 150, 20240611);
    for (const input of kept) assertProperties(input);
    assert.ok(kept.length > 100, `only ${kept.length} mutants parse`);
    t.diagnostic(`${tried} mutants tried, ${kept.length} parse cleanly and were checked`);
  });

  test("a file with syntax errors comes back unchanged, with its diagnostics", () => {
    const text = "GET /x {\n  RESPOND   SELECT * FORM User\n}\n";
    const result = formatSource(text, "bad.kova");
    assert.equal(result.text, text);
    assert.equal(result.changed, false);
    assert.ok(result.diagnostics.some((d) => d.code === "KV1101"), JSON.stringify(result.diagnostics));
  });
});

describe("the repository's Kova is in canonical style", () => {
  test("examples/**/*.kova: formatting changes nothing", () => {
    const changed = exampleFiles().filter((input) => formatSource(input.text, input.name).changed);
    assert.deepEqual(changed.map((i) => i.name), [], "run `kova fmt examples`");
  });

  test("docs/*.md ```kova blocks: formatting changes nothing", () => {
    const blocks = docsKovaBlocks().filter((block) => !LAYOUT_DEMO_HEADINGS.has(block.heading ?? ""));
    const changed = blocks.filter((block) => formatSource(block.text, block.name).changed);
    assert.deepEqual(changed.map((b) => b.name), [], "replace these blocks by their formatted text");
  });
});
