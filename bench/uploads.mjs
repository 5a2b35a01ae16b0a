// Uploads of 10 MB: Kova (multipart streamed to its file store, type sniffed, validated) against
// Fastify + @fastify/multipart (the part streamed to a file), each server in its own process.
// Reports MB/s and the server's peak RSS, and Kova's ratios to Fastify.
// Usage: node bench/uploads.mjs [uploads] [concurrency]   (after `npx tsc -b`)
import { execFileSync, fork } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const uploads = Number(process.argv[2] ?? 40);
const concurrency = Number(process.argv[3] ?? 4);
const SIZE = 10 * 1024 * 1024;
const bytes = Buffer.alloc(SIZE);
for (let i = 0; i < SIZE; i++) bytes[i] = (i * 31) & 0xff;

async function measure(kind) {
  // Inside bench/ so the built app resolves @kova/runtime from the repository's node_modules.
  const dir = mkdtempSync(join(kind === "kova" ? here : tmpdir(), `.uploads-${kind}-`));
  if (kind === "kova") {
    cpSync(join(here, "apps", "uploads", "app.kova"), join(dir, "app.kova"));
    execFileSync(process.execPath, [join(here, "..", "packages", "cli", "bin", "kova.js"), "build", dir], { stdio: "ignore" });
  }
  const child = fork(join(here, "apps", "uploads", "server.mjs"), [kind, dir], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const { url } = await new Promise((resolve) => child.once("message", resolve));
  const send = async () => {
    const form = new FormData();
    form.append("title", "bench");
    form.append("file", new Blob([bytes]), "data.bin");
    const response = await fetch(`${url}/upload`, { method: "POST", body: form });
    const body = await response.json();
    if (response.status !== 201 || body.size !== SIZE) throw new Error(`${kind}: ${response.status} ${JSON.stringify(body)}`);
  };
  for (let i = 0; i < 3; i++) await send(); // warm-up
  await new Promise((resolve) => {
    child.send("start");
    setTimeout(resolve, 50);
  });
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < uploads) await send();
  }));
  const seconds = (performance.now() - t0) / 1000;
  child.send("rss");
  const sample = await new Promise((resolve) => child.once("message", resolve));
  const peakRssMb = Math.round(sample.peakKb / 1024);
  child.kill();
  rmSync(dir, { recursive: true, force: true });
  return { kind, uploads, concurrency, mbPerSecond: Math.round((uploads * 10) / seconds), peakRssMb };
}

const fastify = await measure("fastify");
const kova = await measure("kova");
console.log(JSON.stringify({ fastify, kova, ratios: { throughput: +(kova.mbPerSecond / fastify.mbPerSecond).toFixed(2), peakRss: +(kova.peakRssMb / fastify.peakRssMb).toFixed(2)} }, null, 1));
