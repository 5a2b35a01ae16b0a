import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { kova, tempProject } from "./helpers.js";

const UGLY = `ENTITY User { name: text  email: email UNIQUE }
GET /users {
    RESPOND SELECT * FROM User WHERE name == "x"
}
`;
const PRETTY = `ENTITY User {
  name: text
  email: email UNIQUE
}

GET /users {
  RESPOND SELECT * FROM User WHERE name = "x"
}
`;
const BROKEN = `GET /x {\n  RESPOND SELECT * FORM User\n}\n`;

test("fmt rewrites changed files in place, lists them, and leaves formatted ones alone", () => {
  const dir = tempProject({ "src/ugly.kova": UGLY, "src/pretty.kova": PRETTY });
  const r = kova(["fmt"], { cwd: dir });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, "src/ugly.kova\n1 file reformatted, 1 file already formatted\n");
  assert.equal(readFileSync(join(dir, "src/ugly.kova"), "utf8"), PRETTY);
  assert.equal(readFileSync(join(dir, "src/pretty.kova"), "utf8"), PRETTY);
  const again = kova(["fmt", "src"], { cwd: dir });
  assert.equal(again.stdout, "0 files reformatted, 2 files already formatted\n");
});

test("fmt --check changes nothing and exits 1 listing the files that would change", () => {
  const dir = tempProject({ "ugly.kova": UGLY, "pretty.kova": PRETTY });
  const r = kova(["fmt", "--check", "."], { cwd: dir });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, "ugly.kova\n1 file would be reformatted, 1 file already formatted\n");
  assert.equal(readFileSync(join(dir, "ugly.kova"), "utf8"), UGLY);
  const clean = kova(["fmt", "--check", "pretty.kova"], { cwd: dir });
  assert.equal(clean.status, 0, clean.stdout);
});

test("a file with syntax errors is reported like kova check and left alone (exit 1)", () => {
  const dir = tempProject({ "bad.kova": BROKEN, "ugly.kova": UGLY });
  const r = kova(["fmt"], { cwd: dir });
  assert.equal(r.status, 1);
  assert.match(r.stdout, /^error\[KV1101\]: /m);
  assert.match(r.stdout, / --> bad\.kova:2:20/);
  assert.match(r.stdout, /1 file reformatted, 0 files already formatted, 1 file with errors left alone\n$/);
  assert.equal(readFileSync(join(dir, "bad.kova"), "utf8"), BROKEN);
  assert.equal(readFileSync(join(dir, "ugly.kova"), "utf8"), PRETTY);
});

test("a missing path is a usage error (exit 2)", () => {
  const dir = tempProject({});
  const r = kova(["fmt", "nope"], { cwd: dir });
  assert.equal(r.status, 2);
  assert.equal(r.stderr, "kova fmt: no such file or folder: nope\n");
});

test("the repository's examples are in canonical style (kova fmt --check examples)", () => {
  const root = fileURLToPath(new URL("../../../../", import.meta.url));
  const r = kova(["fmt", "--check", "examples"], { cwd: root });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^0 files would be reformatted/m);
});
