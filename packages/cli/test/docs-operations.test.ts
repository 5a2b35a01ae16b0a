// docs/operations.md is run, not just read: its `sh ops` blocks, in order, as one bash script in a
// copy of examples/todo with `kova` on the PATH (only the ports are swapped for free ones). The
// script starts the app over HTTPS with HTTP/2 and metrics, probes it, scrapes it, stops it, and
// writes Kubernetes manifests; the test checks what each step printed.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { EXAMPLES, freePort, KOVA_BIN, REPO_ROOT, tempApp } from "./e2e/harness.js";

function opsBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  const pattern = /^```sh ops\n([\s\S]*?)^```$/gm;
  for (const match of markdown.matchAll(pattern)) blocks.push(match[1]);
  return blocks;
}

test("docs/operations.md: every `sh ops` command runs and does what the page says", async (t) => {
  const blocks = opsBlocks(readFileSync(join(REPO_ROOT, "docs", "operations.md"), "utf8"));
  assert.equal(blocks.length, 4, "TLS, Metrics, Health and readiness, Deploying");
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  const bin = join(dir, ".bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "kova"), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(KOVA_BIN)} "$@"\n`);
  chmodSync(join(bin, "kova"), 0o755);
  const [https, metrics] = [await freePort(), await freePort()];
  const script = blocks.join("\n").replaceAll("8443", String(https)).replaceAll("9464", String(metrics));

  const child = spawn("bash", ["-euo", "pipefail", "-c", script], { cwd: dir, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  clearTimeout(timer);
  const log = existsSync(join(dir, "app.log")) ? readFileSync(join(dir, "app.log"), "utf8") : "";
  assert.equal(code, 0, `the script failed\nstdout:\n${stdout}\nstderr:\n${stderr}\napp.log:\n${log}`);

  const lines = stdout.split("\n");
  // TLS: ready over HTTPS with the example CA, then HTTP/2.
  assert.match(lines[0], /^\{"status":"ready","checks":\[/);
  assert.equal(lines[1], "2");
  // Metrics: the /todos requests counted by route and status.
  assert.ok(lines.some((l) => /^kova_http_requests_total\{method="GET",route="\/todos",status="200"\} 2$/.test(l)), stdout);
  // Health and readiness, then a clean stop.
  assert.ok(lines.some((l) => l.startsWith('{"status":"ok","dataSources":[{"name":"default","ok":true,"status":"up"}]')), stdout);
  assert.match(log, /listening on https:\/\//);
  assert.match(log, /shutting down: finishing in-flight requests/);
  // Deploying: the manifests of the PostgreSQL shop.
  assert.match(stdout, /wrote .*k8s\/ \(Deployment, Service, PodDisruptionBudget, HorizontalPodAutoscaler for image registry\.example\.com\/shop:1\.0\.0\)/);
  assert.match(stdout, /deployment\.json\nhpa\.json\npdb\.json\nservice\.json/);
});
