/** Startup time of each server, and `kova build` of a large generated program. */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_DIR, buildKovaApp, startServer } from "./servers.mjs";
import { median } from "./load.mjs";

/**
 * ms from spawning the server until it answers HTTP (`GET /json`), min / median / max of `runs` (not
 * pinned: a cold start), and the CPU ms the server process used up to that answer (median), which
 * other load on the machine disturbs much less than the wall time. Runs alternate between
 * frameworks, so a burst of outside load hits all of them alike.
 */
export async function measureStartup(frameworks, { seedFile, dataDir, runs, port }) {
  const samples = new Map(frameworks.map((f) => [f, { wall: [], cpu: [] }]));
  for (let i = 0; i < runs; i++) {
    for (const framework of frameworks) {
      const server = await startServer(framework, { port, seedFile, dataDir });
      samples.get(framework).wall.push(server.startupMs);
      samples.get(framework).cpu.push(server.startupCpuMs);
      await server.stop();
    }
  }
  return frameworks.map((framework) => {
    const { wall, cpu } = samples.get(framework);
    return { framework, ms: Math.round(median(wall)), min: Math.round(Math.min(...wall)), max: Math.round(Math.max(...wall)), cpuMs: Math.round(median(cpu)) };
  });
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
