/**
 * The runtime's boundary in the browser (src/build/bundle.ts): app-runtime.js carries the runtime's
 * pipeline and the store, no Node built-in import and no Node-only package; a Node built-in is made
 * from the real module — data copied, randomUUID from Web Crypto, and every other function one that
 * says it is not available in the playground when called.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { bundleAppRuntime, builtinForBrowser } from "../src/build/bundle.js";

const load = async (source: string) => (await import(`data:text/javascript;base64,${Buffer.from(source).toString("base64")}`)) as Record<string, unknown>;

test("a Node built-in in the browser runtime: its data, the browser's equivalents, and functions that say why not", async () => {
  const http = await load(await builtinForBrowser("http"));
  assert.equal((http.STATUS_CODES as Record<string, string>)["404"], "Not Found");
  assert.throws(() => (http.createServer as () => void)(), { message: "node:http's createServer is not available in the playground (it needs Node)" });
  const crypto = await load(await builtinForBrowser("crypto"));
  assert.match((crypto.randomUUID as () => string)(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.throws(() => (crypto.createHash as (a: string) => void)("sha256"), /node:crypto's createHash is not available in the playground/);
});

test("app-runtime.js imports no Node built-in and carries no Node-only package", { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "kova-app-runtime-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { metafile } = await bundleAppRuntime(dir);
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined);
  assert.ok(output !== undefined);
  assert.deepEqual(output.imports.filter((i) => i.external), [], "everything is in the bundle");
  const inputs = Object.keys(metafile.inputs);
  assert.ok(inputs.some((i) => i.includes("runtime/dist/src/pipeline.js")), "the runtime's own pipeline");
  assert.ok(inputs.some((i) => i.includes("driver-embedded/dist/src/sqlite-runner.js")), "the embedded store's runner");
  for (const nodeOnly of ["argon2", "better-sqlite3", "ioredis", "bullmq", "fast-jwt", "/pg/"]) {
    assert.ok(!inputs.some((i) => i.includes(`node_modules/${nodeOnly}`) || i.includes(`node_modules/@node-rs/${nodeOnly}`)), `${nodeOnly} is not bundled`);
  }
  assert.doesNotMatch(readFileSync(join(dir, "app-runtime.js"), "utf8"), /from\s*"node:/);
});
