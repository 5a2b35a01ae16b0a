// runClustered (`kova run --workers N`): a start-up failure is reported once and exits 1 instead of
// forking forever, and crashing workers are replaced with a growing delay (issue 23 item 13).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const clusterModule = fileURLToPath(new URL("../src/cluster.js", import.meta.url));

/**
 * A primary with two workers. `start` behaves like startApp: a trial start (KOVA_PREFLIGHT=1)
 * exits with TRIAL_EXIT; a worker exits 1 at once when FAIL_AT_START is set, else serves on PORT
 * and exits 3 when asked for /crash. Every fork prints "forked" on stderr.
 */
const SCRIPT = `
import http from "node:http";
import cluster from "node:cluster";
import { runClustered } from ${JSON.stringify(clusterModule)};
if (cluster.isWorker) process.stderr.write("forked\\n");
await runClustered({
  workers: 2,
  start: async () => {
    if (process.env.KOVA_PREFLIGHT === "1") process.exit(Number(process.env.TRIAL_EXIT ?? 0));
    if (process.env.FAIL_AT_START) { process.stderr.write("cannot start: FAIL_AT_START\\n"); process.exit(1); }
    http.createServer((req, res) => (req.url === "/crash" ? process.exit(3) : res.end("ok"))).listen(Number(process.env.PORT), "127.0.0.1");
  },
});
`;

function runPrimary(t: { after(fn: () => unknown): void }, env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), "kova-cluster-"));
  const script = join(dir, "primary.mjs");
  writeFileSync(script, SCRIPT);
  const child = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  t.after(async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return { exited, stderr: () => stderr };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const count = (text: string, pattern: RegExp) => text.match(new RegExp(pattern, "g"))?.length ?? 0;

test("a failed trial start exits 1 once and forks no workers", async (t) => {
  const primary = runPrimary(t, { TRIAL_EXIT: "1", PORT: String(await freePort()) });
  assert.equal(await primary.exited, 1);
  assert.equal(count(primary.stderr(), /forked/), 1, primary.stderr());
  assert.match(primary.stderr(), /the app cannot start \(the cause is above\); no workers were started/);
});

test("workers that die before they serve are not replaced; the primary exits 1", async (t) => {
  const primary = runPrimary(t, { FAIL_AT_START: "1", PORT: String(await freePort()) });
  assert.equal(await primary.exited, 1);
  const stderr = primary.stderr();
  assert.equal(count(stderr, /forked/), 3, "the trial and two workers, no more: " + stderr);
  assert.equal(count(stderr, /before it could serve; not starting another/), 2);
  assert.match(stderr, /no worker could start; exiting/);
});

test("a worker that crashes after serving is replaced after a delay that doubles", async (t) => {
  const port = await freePort();
  const primary = runPrimary(t, { PORT: String(port) });
  const serving = async () => {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text(), () => undefined);
      if (ok === "ok") return;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  for (const expected of [100, 200, 400]) {
    await serving();
    await fetch(`http://127.0.0.1:${port}/crash`).catch(() => undefined);
    const line = new RegExp(`exited \\(3\\); starting a new one in ${expected} ms`);
    for (let waited = 0; !line.test(primary.stderr()) && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    assert.match(primary.stderr(), line);
  }
});
