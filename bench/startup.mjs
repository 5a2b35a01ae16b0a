#!/usr/bin/env node
/**
 * Start-up of the compiled bench app: ms from spawning `node dist/server.js` until `GET /json`
 * answers, and the CPU ms the server used up to that answer (steadier on a busy machine).
 *
 *   node bench/startup.mjs [--runs=10] [--base=/path/to/other/checkout] [--only=kova,raw]
 *
 * Runs alternate between the servers (with `--base`, the Kova app built in that checkout is one of
 * them), so outside load hits each alike. Not pinned: a cold start as a user sees it.
 */
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { cliOption, seededBenchData } from "./lib/seed.mjs";
import { KOVA_APP_DIR, buildKovaApp, startServer } from "./lib/servers.mjs";
import { median } from "./lib/load.mjs";

const option = cliOption;
const runs = Number(option("runs") ?? 10);
const base = option("base");
const variants = (option("only") ?? "kova,raw").split(",").map((framework) => ({ label: framework, framework }));
if (base !== undefined) variants.unshift({ label: "base", framework: "kova", entry: join(resolve(base), "bench", "apps", "kova", "dist", "server.js") });

buildKovaApp();
const { app } = await import(join(KOVA_APP_DIR, "dist", "app.js"));
const { seedFile, runDir } = await seededBenchData("startup", app);
const port = Number(process.env.BENCH_PORT ?? 4750);
const samples = new Map(variants.map((v) => [v.label, { wall: [], cpu: [] }]));
const loadStart = loadavg().map((l) => l.toFixed(2)).join(" ");
for (let i = 0; i < runs; i++) {
  for (const v of variants) {
    const server = await startServer(v.framework, { port, seedFile, dataDir: runDir, entry: v.entry });
    samples.get(v.label).wall.push(server.startupMs);
    samples.get(v.label).cpu.push(server.startupCpuMs);
    await server.stop();
  }
}
console.log(`start-up to the first answer, ${runs} runs each, alternating; load average ${loadStart} → ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
console.log("server      wall ms min  median  max    CPU ms min  median");
for (const v of variants) {
  const { wall, cpu } = samples.get(v.label);
  const f = (n) => String(Math.round(n)).padStart(6);
  console.log(`${v.label.padEnd(10)} ${f(Math.min(...wall))}  ${f(median(wall))}  ${f(Math.max(...wall))}   ${f(Math.min(...cpu))}  ${f(median(cpu))}`);
}
