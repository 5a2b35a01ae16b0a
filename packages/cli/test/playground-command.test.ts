// kova playground: serves a built playground folder (right MIME types, the .wasm as
// application/wasm, nothing outside the folder), and says how to build one when there is none.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { get } from "node:http";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const KOVA = fileURLToPath(new URL("../src/main.js", import.meta.url));

test("kova playground serves the built site, and nothing outside it", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "kova-playground-cmd-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const site = join(root, "site");
  mkdirSync(site);
  writeFileSync(join(site, "index.html"), "<!doctype html><title>Kova playground</title>");
  writeFileSync(join(site, "sqlite3.wasm"), Buffer.from([0, 0x61, 0x73, 0x6d]));
  writeFileSync(join(root, "secret.txt"), "not for the browser");
  const child = spawn(process.execPath, [KOVA, "playground", "--dir", site, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => child.kill("SIGTERM"));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (match) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`kova playground exited (${code}) before listening: ${out}`)));
  });
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
  assert.match(await page.text(), /<title>Kova playground<\/title>/);
  const wasm = await fetch(new URL("sqlite3.wasm", url));
  assert.equal(wasm.headers.get("content-type"), "application/wasm");
  // A raw path that climbs out of the folder (fetch would normalise it away first).
  const { port } = new URL(url);
  const climbed = await new Promise<number>((resolve, reject) => get({ host: "127.0.0.1", port, path: "/..%2Fsecret.txt" }, (res) => resolve(res.statusCode ?? 0)).on("error", reject));
  assert.equal(climbed, 404);
  assert.equal((await fetch(new URL("missing.js", url))).status, 404);
});

test("kova playground without a built site says how to build one", () => {
  const empty = mkdtempSync(join(tmpdir(), "kova-playground-empty-"));
  try {
    const run = spawnSync(process.execPath, [KOVA, "playground", "--dir", empty, "--port", "0"], { encoding: "utf8" });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /no built playground in .* \(no index\.html\); build it with `npm run playground`/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
