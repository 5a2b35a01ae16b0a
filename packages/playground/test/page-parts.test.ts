/**
 * Parts of the page that run the same in Node: programs shared in the URL round-trip exactly (and
 * a mangled link opens no program rather than a wrong one); the CodeMirror mode's keyword groups
 * are the TextMate grammar's, and a grammar pattern in another shape fails the build by name.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { decodeProgram, encodeProgram } from "../src/browser/share.js";
import { grammarKeywords } from "../src/build/grammar-keywords.js";

test("a program shared in the URL opens exactly as it was written", async () => {
  const program = `// café ☕ — "quotes", tabs\tand\nENTITY Todo {\n  title: text\n}\n`.repeat(20);
  const hash = await encodeProgram(program);
  assert.match(hash, /^code=[A-Za-z0-9_-]+$/, "URL-safe, no padding");
  assert.ok(hash.length < program.length, "compressed");
  assert.equal(await decodeProgram(`#${hash}`), program);
});

test("a hash that holds no program, or a damaged one, opens none", async () => {
  assert.equal(await decodeProgram(""), undefined);
  assert.equal(await decodeProgram("#section-2"), undefined);
  assert.equal(await decodeProgram("#code=not-deflate-data"), undefined);
});

test("the mode's keyword groups are the TextMate grammar's", () => {
  const groups = grammarKeywords();
  const scopeOf = (word: string) => groups.find((g) => g.words.includes(word))?.scope;
  assert.equal(scopeOf("ENTITY"), "storage.type.declaration.kova");
  assert.equal(scopeOf("RESPOND"), "keyword.control.kova");
  assert.equal(scopeOf("SELECT"), "keyword.other.query.kova");
  assert.ok(groups.every((g) => g.words.length > 0 && g.words.every((w) => /^[A-Z_]+$/.test(w))));
});

test("a grammar keyword pattern the mode cannot read fails the build, naming it", () => {
  const dir = mkdtempSync(join(tmpdir(), "kova-grammar-"));
  try {
    const path = join(dir, "kova.tmLanguage.json");
    writeFileSync(path, JSON.stringify({ repository: { keywords: { patterns: [{ name: "keyword.control.kova", match: "(?i)respond" }] } } }));
    assert.throws(() => grammarKeywords(path), /keyword pattern \(\?i\)respond is not/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
