// `kova engine`: the command starts the engine of @kova/engine (whose own tests run real engine
// processes); here, what the command itself answers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kova, KOVA_BIN } from "./helpers.js";

test("kova engine refuses to start without an admin key, saying which setting", () => {
  const r = kova(["engine", "--port", "0"], { env: { KOVA_ENGINE_ADMIN_KEY: undefined } });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /KOVA_ENGINE_ADMIN_KEY must be set/);
});

test("kova engine --workers takes a whole number of worker threads", () => {
  const r = kova(["engine", "--port", "0", "--workers", "many"], { env: { KOVA_ENGINE_ADMIN_KEY: "cli-test-admin-key-0123456789" } });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--workers takes a whole number ≥ 0 \(0: no worker threads\), not 'many'/);
});

test("kova engine --port starts the engine there; SIGTERM stops it with status 0", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kova-engine-cli-"));
  const child = spawn(process.execPath, [KOVA_BIN, "engine", "--port", "0", "--workers", "1"], { env: { ...process.env, KOVA_ENGINE_ADMIN_KEY: "cli-test-admin-key-0123456789", KOVA_ENGINE_DATA_DIR: dir }, stdio: ["ignore", "pipe", "pipe"] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /"port":(\d+).*"workers":1.*"msg":"kova engine listening"/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  const res = await fetch(`http://127.0.0.1:${port}/_engine/tenants`, { headers: { authorization: "Bearer cli-test-admin-key-0123456789" } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), []);
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill("SIGTERM");
  assert.equal(await exit, 0);
});
