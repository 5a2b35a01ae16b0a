// create-kova writes the same app as `kova init`, from the templates packed next to it.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { createKova } from "../src/main.js";

const EXAMPLES = fileURLToPath(new URL("../../../../examples", import.meta.url));

function sink() {
  let text = "";
  return { stream: { write: (s: string) => (text += s) }, text: () => text };
}

test("create-kova DIR --template todo writes the todo app and a package.json on the package's version", (t) => {
  const root = mkdtempSync(join(tmpdir(), "create-kova-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const pkg = join(root, "pkg");
  cpSync(join(EXAMPLES, "todo"), join(pkg, "templates", "todo"), { recursive: true });
  writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "create-kova", version: "3.4.5" }));
  const out = sink();
  const err = sink();
  const code = createKova([join(root, "my-todos"), "--template", "todo"], pkg, out.stream, err.stream);
  assert.equal(code, 0, err.text());
  assert.ok(existsSync(join(root, "my-todos", "app.kova")));
  assert.deepEqual(JSON.parse(readFileSync(join(root, "my-todos", "package.json"), "utf8")).dependencies, { "@kova/cli": "^3.4.5" });
  assert.match(out.text(), /npm install\n {2}npx kova run\n$/);
  const bad = sink();
  assert.equal(createKova([join(root, "x"), "--template", "nope"], pkg, sink().stream, bad.stream), 2);
  assert.match(bad.text(), /unknown template 'nope'/);
});
