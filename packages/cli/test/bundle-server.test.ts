// kova build's bundling stage (build/bundle-server.ts): the server's runtime in dist/server/, kept
// between builds in the system's temporary directory while its inputs are unchanged, and remade
// when not; nothing is written outside dist/.
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { bundleCache } from "../src/build/build-app.js";
import { kova, tempProject, VALID_PROGRAM } from "./helpers.js";

const runtimeMtime = (file: string): number => statSync(file).mtimeMs;

test("kova build bundles the server's runtime, reuses it on the next build, and remakes it when its stamp differs", () => {
  const dir = tempProject({ "app.kova": VALID_PROGRAM });
  const cached = join(bundleCache(dir), "runtime.js");
  assert.equal(kova(["build", dir]).status, 0);
  assert.ok(existsSync(join(dir, "dist", "server", "runtime.js")) && existsSync(join(dir, "dist", "server", "app.js")));
  assert.match(readFileSync(join(dir, "dist", "server.js"), "utf8"), /await load\("\.\/server\/runtime\.js"\)/);
  const first = runtimeMtime(cached);

  assert.equal(kova(["build", dir]).status, 0);
  assert.equal(runtimeMtime(cached), first, "the runtime bundle is reused");
  assert.ok(existsSync(join(dir, "dist", "server", "runtime.js")), "and copied into the new dist/");

  const stampFile = join(bundleCache(dir), "bundle-inputs.json");
  const stamp = JSON.parse(readFileSync(stampFile, "utf8")) as { inputs: Record<string, [number, number]> };
  const [input] = Object.keys(stamp.inputs);
  stamp.inputs[input] = [stamp.inputs[input][0] - 1000, stamp.inputs[input][1]];
  writeFileSync(stampFile, JSON.stringify(stamp));
  assert.equal(kova(["build", dir]).status, 0);
  assert.notEqual(runtimeMtime(cached), first, "an input that changed since makes it again");
});

test("kova build --no-bundle writes no bundle and a server.js that loads the installed runtime", () => {
  const dir = tempProject({ "app.kova": VALID_PROGRAM });
  assert.equal(kova(["build", "--no-bundle", dir]).status, 0);
  assert.ok(!existsSync(join(dir, "dist", "server")));
  assert.match(readFileSync(join(dir, "dist", "server.js"), "utf8"), /await load\("@kova\/runtime\/serve"\)/);
});
