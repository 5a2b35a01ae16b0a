/** Issue 10 item 12: the names of a JavaScript IMPORT are checked against the module's exports. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkFiles, memoryHost, type Diagnostic } from "../src/index.js";

function check(app: string, modules: Record<string, string>): Diagnostic[] {
  const files: Record<string, string> = { "/app/app.kova": app };
  for (const [name, text] of Object.entries(modules)) files[`/app/${name}`] = text;
  return checkFiles(["/app/app.kova"], memoryHost(files)).diagnostics;
}

const CALLS = `\nGET /x {\n  RESPOND 200\n}\n`;

test("a misspelt export is KV2019 at the imported name, with did-you-mean", () => {
  const [d, ...rest] = check(`IMPORT { slugfy } FROM "./h.js"${CALLS}`, { "h.js": "export function slugify(s) { return s }\n" });
  assert.deepEqual(rest, []);
  assert.equal(d.code, "KV2019");
  assert.equal(d.message, "./h.js has no export named 'slugfy'");
  assert.deepEqual([d.span.start.line, d.span.start.column, d.span.end.column], [1, 10, 16]);
  assert.equal(d.replacement, "slugify");
});

test("a name unlike any export: KV2019 listing what the module exports", () => {
  const [d] = check(`IMPORT { nothere } FROM "./h.js"${CALLS}`, { "h.js": "export const a = 1\nexport function b() {}\n" });
  assert.equal(d.code, "KV2019");
  assert.match(d.suggestion ?? "", /it exports a, b/);
});

test("every kind of export counts: declarators, destructuring, specifiers, default, export * (followed)", () => {
  const module = [
    "export const a = 1, b = 2",
    "export const { c, d: renamed, ...rest } = {}",
    "export const [e, , f = 3] = []",
    "export class G {}",
    "export async function h() {}",
    "const i = 1; export { i as j, i as 'k' }",
    "export default function () {}",
    'export * from "./more.js"',
    'export * as ns from "./more.js"',
  ].join("\n");
  const names = "a, b, c, renamed, rest, e, f, G, h, j, default, more, ns";
  const diagnostics = check(`IMPORT { ${names} } FROM "./h.js"${CALLS}`, { "h.js": module, "more.js": "export function more() {}\n" });
  assert.deepEqual(diagnostics, []);
});

test("modules whose names cannot be known statically are not checked: CommonJS, TypeScript, export * from a package", () => {
  assert.deepEqual(check(`IMPORT { anything } FROM "./c.js"${CALLS}`, { "c.js": "module.exports = { x: 1 }\n" }), []);
  assert.deepEqual(check(`IMPORT { anything } FROM "./t.ts"${CALLS}`, { "t.ts": "export function f(a: string): number { return 1 }\n" }), []);
  assert.deepEqual(check(`IMPORT { anything } FROM "./p.js"${CALLS}`, { "p.js": 'export * from "some-package"\n' }), []);
});

test("a module that does not parse is KV2020 (a warning) at the module path, naming the syntax error", () => {
  const [d, ...rest] = check(`IMPORT { f } FROM "./broken.js"${CALLS}`, { "broken.js": "export function f( {\n" });
  assert.deepEqual(rest, []);
  assert.equal(d.code, "KV2020");
  assert.equal(d.severity, "warning");
  assert.match(d.message, /cannot read the exports of \.\/broken\.js: it does not parse as a JavaScript module: Unexpected token at line 2, column 1$/);
  assert.equal(d.span.start.column, 19);
});
