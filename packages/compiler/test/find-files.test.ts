/** Issue 23 item 15: the file walker survives dangling symlinks and symlink loops. */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { findKovaFiles, type SkippedPath } from "../src/index.js";

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), "kova-find-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "sub"));
  writeFileSync(join(dir, "app.kova"), "ENTITY A {\n  x: text\n}\n");
  writeFileSync(join(dir, "sub", "more.kova"), "ENTITY B {\n  y: text\n}\n");
  return dir;
}

test("a dangling .kova symlink (an editor's lock file) is skipped with a reason, not thrown", () => {
  const dir = project();
  symlinkSync("user@host.4242:1700000000", join(dir, ".#app.kova"));
  const skipped: SkippedPath[] = [];
  const found = findKovaFiles([dir], (s) => skipped.push(s));
  assert.deepEqual(found.files, [join(dir, "app.kova"), join(dir, "sub", "more.kova")]);
  assert.deepEqual(found.missing, []);
  assert.equal(skipped.length, 1);
  assert.equal(skipped[0].path, join(dir, ".#app.kova"));
  assert.match(skipped[0].reason, /dangling symlink/);
  assert.deepEqual(found.skipped, skipped);
});

test("a folder link back up (ln -s .. sub/up) and a link to itself are loops: skipped, each file listed once", () => {
  const dir = project();
  symlinkSync("..", join(dir, "sub", "up"));
  symlinkSync("self.kova", join(dir, "self.kova"));
  const skipped: SkippedPath[] = [];
  const found = findKovaFiles([dir], (s) => skipped.push(s));
  assert.deepEqual(found.files, [join(dir, "app.kova"), join(dir, "sub", "more.kova")]);
  assert.deepEqual(skipped.map((s) => [s.path, /symlink loop/.test(s.reason)]), [
    [join(dir, "self.kova"), true],
    [join(dir, "sub", "up"), true],
  ]);
});

test("a file reached through a link and by its own name is listed once, by its own name", () => {
  const dir = project();
  symlinkSync("app.kova", join(dir, "alias.kova"));
  const found = findKovaFiles([dir], () => assert.fail("nothing to skip"));
  assert.deepEqual(found.files, [join(dir, "app.kova"), join(dir, "sub", "more.kova")]);
});
