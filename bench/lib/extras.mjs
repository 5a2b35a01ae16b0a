/** Startup time of each server, and `kova build` of a large generated program. */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_DIR, buildKovaApp, startServer } from "./servers.mjs";
import { median } from "./load.mjs";

/** ms from spawning the server until it answers HTTP, median of `runs` (not pinned: a cold start). */
export async function measureStartup(frameworks, { seedFile, dataDir, runs, port }) {
  const out = [];
  for (const framework of frameworks) {
    const samples = [];
    for (let i = 0; i < runs; i++) {
      const server = await startServer(framework, { port, seedFile, dataDir });
      samples.push(server.startupMs);
      await server.stop();
    }
    out.push({ framework, ms: Math.round(median(samples)) });
  }
  return out;
}

/** Median wall time (3 runs) of `node kova.js build` (process start included) on the compiler's 10,000-line generated program. */
export async function measureBuild(dir) {
  const { generateProgram } = await import(join(REPO_DIR, "packages", "compiler", "dist", "bench", "frontend-speed.js"));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const source = generateProgram(10_000);
  writeFileSync(join(dir, "app.kova"), source);
  const samples = [0, 1, 2].map(() => buildKovaApp(dir));
  return { lines: source.split("\n").length - 1, ms: Math.round(median(samples)), runs: samples.length };
}
