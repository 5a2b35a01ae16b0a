/** Reading source files: encoding (issue 23 item 16) and absolute IMPORT paths (item 17). */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { checkFiles, decodeSource, firstInvalidUtf8 } from "../src/index.js";

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "kova-src-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("firstInvalidUtf8 finds the first bad byte and accepts every well-formed sequence", () => {
  const utf8 = (s: string) => new Uint8Array(Buffer.from(s, "utf8"));
  assert.equal(firstInvalidUtf8(utf8("plain é € 𝄞 text")), -1);
  assert.equal(firstInvalidUtf8(Uint8Array.from([0x63, 0x61, 0x66, 0xe9])), 3, "Latin-1 é");
  assert.equal(firstInvalidUtf8(Uint8Array.from([0x61, 0xc0, 0xaf])), 1, "overlong /");
  assert.equal(firstInvalidUtf8(Uint8Array.from([0xed, 0xa0, 0x80])), 0, "an encoded surrogate");
  assert.equal(firstInvalidUtf8(Uint8Array.from([0x61, 0xe2, 0x82])), 1, "cut short at the end");
  assert.equal(firstInvalidUtf8(Uint8Array.from([0xf4, 0x90, 0x80, 0x80])), 0, "past U+10FFFF");
});

test("decodeSource keeps a BOM, so a valid file's text encodes back to its bytes", () => {
  const bytes = Buffer.from("\uFEFFENTITY A {\n  x: text\n}\n", "utf8");
  const read = decodeSource(bytes);
  assert.equal(read.invalidUtf8, undefined);
  assert.ok(Buffer.from(read.text, "utf8").equals(bytes));
});

test("a file with a Latin-1 byte: KV1008 at that byte, with its byte offset; the rest is still checked", () => {
  const dir = tempDir();
  const file = join(dir, "app.kova");
  writeFileSync(file, Buffer.concat([Buffer.from("// caf"), Buffer.from([0xe9]), Buffer.from("\nGET /x {\n  RESPOND nmae\n}\n")]));
  const result = checkFiles([file]);
  const codes = result.diagnostics.map((d) => d.code);
  assert.deepEqual(codes, ["KV1008", "KV2003"]);
  const d = result.diagnostics[0];
  assert.match(d.message, /byte 0xE9 at byte offset 6/);
  assert.deepEqual([d.span.start.line, d.span.start.column], [1, 7]);
});

test("an absolute IMPORT of a .kova file is read from that path", () => {
  const dir = tempDir();
  const models = join(dir, "models.kova");
  writeFileSync(models, "ENTITY Note {\n  text: text\n}\n");
  const app = join(dir, "sub-app.kova");
  writeFileSync(app, `IMPORT ${JSON.stringify(models)}\n\nGET /notes {\n  RESPOND SELECT * FROM Note\n}\n`);
  const result = checkFiles([app]);
  assert.deepEqual(result.diagnostics, []);
  assert.deepEqual(result.programs[0].files, [app, models]);
});

test("an absolute IMPORT that does not exist: KV2011 naming the path once, without a made-up 'looked for'", () => {
  const dir = tempDir();
  const app = join(dir, "app.kova");
  writeFileSync(app, `IMPORT "/no/such/dir/models.kova"\n`);
  const [d] = checkFiles([app]).diagnostics;
  assert.equal(d.code, "KV2011");
  assert.equal(d.message, "cannot find /no/such/dir/models.kova");
});
