/** `kova fmt` and `kova check` on awkward files: invalid UTF-8 (issue 23 item 16), symlinks (item 15). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { kova, tempProject } from "./helpers.js";

const UGLY = "ENTITY User { name: text }\n";

test("fmt leaves a file that is not valid UTF-8 byte for byte as it was, and reports KV1008 at the byte", () => {
  const dir = tempProject({});
  const original = Buffer.concat([Buffer.from(UGLY), Buffer.from('// caf'), Buffer.from([0xe9]), Buffer.from('\nGET /a {\n  RESPOND "caf'), Buffer.from([0xe9]), Buffer.from('"\n}\n')]);
  writeFileSync(join(dir, "latin1.kova"), original);
  const r = kova(["fmt"], { cwd: dir });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /error\[KV1008\]: this file is not valid UTF-8: byte 0xE9 at byte offset 33/);
  assert.match(r.stdout, /--> latin1\.kova:2:7/);
  assert.match(r.stdout, /1 file with errors left alone/);
  assert.ok(readFileSync(join(dir, "latin1.kova")).equals(original), "the file's bytes are unchanged");
});

test("check, fmt and build skip a dangling symlink and a symlink loop with a warning, and do not crash", () => {
  const dir = tempProject({ "app.kova": UGLY, "sub/keep.txt": "" });
  symlinkSync("user@host.1234:1700000000", join(dir, ".#app.kova"));
  symlinkSync("..", join(dir, "sub", "up"));
  const check = kova(["check"], { cwd: dir });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /checked 1 file: 0 errors/);
  assert.match(check.stderr, /warning: skipped \.#app\.kova: dangling symlink/);
  assert.match(check.stderr, /warning: skipped sub\/up: symlink loop/);

  const fmt = kova(["fmt"], { cwd: dir });
  assert.equal(fmt.status, 0, fmt.stdout + fmt.stderr);
  assert.match(fmt.stdout, /^app\.kova\n1 file reformatted/);
  assert.match(fmt.stderr, /kova fmt: warning: skipped \.#app\.kova: dangling symlink/);

  const build = kova(["build", "."], { cwd: dir });
  assert.equal(build.status, 0, build.stdout + build.stderr);
  assert.doesNotMatch(build.stderr, /internal error/);
});
