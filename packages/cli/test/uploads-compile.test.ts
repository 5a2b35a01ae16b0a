// File uploads at compile time (issue 22 item 2): size literals, the file type's checks
// (KV2750–KV2753), the route's file inputs in the IR, the formatter keeping `5MB`, and the
// compiler's list of recognisable types equal to the runtime's sniffer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkText, formatSource, RECOGNISED_FILE_TYPES, scan, SourceFile, DiagnosticBag } from "@kova/compiler";
import { SNIFFABLE_TYPES, sniff } from "@kova/runtime";

const codes = (source: string) => checkText(source).diagnostics.map((d) => d.code);

test("sizes: 512KB, 5MB and 1GB are numbers of bytes; an unknown unit is still an error", () => {
  const bag = new DiagnosticBag();
  const tokens = scan(new SourceFile("a.kova", "512KB 5MB 1GB 3B 5XB"), bag).filter((t) => t.kind === "Number");
  const diagnostics = bag.items;
  assert.deepEqual(tokens.map((t) => t.value), [524288, 5 * 1024 * 1024, 1024 ** 3, 3, 5]);
  assert.equal(diagnostics.length, 1);
  assert.match(diagnostics[0].message, /"5XB" is neither a number nor a duration/);
});

test("the formatter keeps a size as written", () => {
  const source = 'VALIDATE A {\n  f: file(max: 5MB, types: ["image/png"])\n}\n';
  assert.equal(formatSource(source).text, source);
});

test("file fields: a clean upload shape checks; misplaced, unlimited, unrecognised and modified files are refused", () => {
  assert.deepEqual(codes('ENTITY P {\n  f: file?\n}\n\nVALIDATE U {\n  f: file(max: 1MB)\n}\n\nPOST /p VALIDATE U {\n  RESPOND 201 INSERT INTO P { f: $body.f }\n}\n'), []);
  assert.deepEqual(codes('VALIDATE U {\n  inner: {\n    f: file(max: 1MB)\n  }\n}\n'), ["KV2750"]);
  assert.deepEqual(codes('VALIDATE U {\n  f: file(max: 1MB)[]\n}\n'), ["KV2750"]);
  assert.deepEqual(codes('VALIDATE U {\n  f: file(max: 1MB)\n}\n\nVALIDATE Outer {\n  u: U\n}\n'), ["KV2750"]);
  assert.deepEqual(codes('VALIDATE U {\n  f: file\n}\n'), ["KV2751"]);
  assert.deepEqual(codes('VALIDATE U {\n  f: file(max: -1)\n}\n'), ["KV2751"]);
  assert.deepEqual(codes('VALIDATE U {\n  f: file(max: 1MB, types: ["text/csv"])\n}\n'), ["KV2752"]);
  assert.deepEqual(codes('ENTITY P {\n  f: file INDEX\n}\n'), ["KV2753"]);
  // download() takes a file, not any value.
  const wrong = checkText('ENTITY P {\n  name: text\n}\n\nGET /p/:id {\n  p = SELECT * FROM P WHERE id = $id\n  RESPOND download(p.name)\n}\n').diagnostics;
  assert.deepEqual(wrong.map((d) => [d.code, d.message]), [["KV3002", "download() needs file for 'file', but this is text"]]);
});

test("the types the compiler accepts are exactly those the runtime recognises by content", () => {
  assert.deepEqual([...RECOGNISED_FILE_TYPES].sort(), [...SNIFFABLE_TYPES].sort());
  assert.equal(sniff(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]), true), "image/png");
  assert.equal(sniff(Buffer.from("GIF89a..."), true), "image/gif");
  assert.equal(sniff(Buffer.from("RIFF\0\0\0\0WEBPVP8 "), true), "image/webp");
  assert.equal(sniff(Buffer.from("héllo\n"), true), "text/plain");
  assert.equal(sniff(Buffer.from([0, 1, 2, 3]), true), "application/octet-stream");
  // A multi-byte character cut by the end of the sniffed head is still text; at the real end it is not.
  assert.equal(sniff(Buffer.from([0x61, 0xc3]), false), "text/plain");
  assert.equal(sniff(Buffer.from([0x61, 0xc3]), true), "application/octet-stream");
});
