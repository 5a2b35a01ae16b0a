#!/usr/bin/env node
/**
 * Where a server spends its CPU under load: starts it with `node --cpu-prof`, drives one workload
 * with the load generator (as bench/cpu.mjs does: server on core 0, generator on core 1), stops it
 * and prints the functions with the most self time, and the files they live in.
 *
 *   node bench/profile.mjs [--framework=kova] [--workload=post] [--seconds=5] [--top=30] [--entry=FILE]
 *   node bench/profile.mjs --workload=startup     # spawn → first answer only (no load): what start-up costs
 *
 * The .cpuprofile is kept (its path is printed) for Chrome DevTools or `speedscope`. `--entry` profiles
 * another build of the Kova app (e.g. a base checkout's bench/apps/kova/dist/server.js).
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliOption, seededBenchData } from "./lib/seed.mjs";
import { KOVA_APP_DIR, buildKovaApp, startServer } from "./lib/servers.mjs";
import { pickLoadGenerator, runLoad } from "./lib/load.mjs";

const framework = cliOption("framework") ?? "kova";
const workload = cliOption("workload") ?? "post";
const seconds = Number(cliOption("seconds") ?? 5);
const top = Number(cliOption("top") ?? 30);
const entry = cliOption("entry");

const generator = pickLoadGenerator();
buildKovaApp();
const { app } = await import(join(KOVA_APP_DIR, "dist", "app.js"));
const { seedFile, runDir } = await seededBenchData("profile", app);
const profileDir = mkdtempSync(join(tmpdir(), "kova-profile-"));
const server = await startServer(framework, {
  port: Number(process.env.BENCH_PORT ?? 4790), seedFile, dataDir: runDir, cpu: 0, entry,
  env: { NODE_ARGS: `--cpu-prof --cpu-prof-dir=${profileDir}` },
});
let result;
try {
  if (workload === "startup") {
    result = { rps: 0 };
    console.log(`first answer after ${Math.round(server.startupMs)} ms wall, ${Math.round(server.startupCpuMs)} ms CPU`);
  } else {
  await runLoad(generator, { url: server.url, workload, seconds: 1, cpu: 1 }); // warm-up (profiled too; small next to the run)
  result = await runLoad(generator, { url: server.url, workload, seconds, cpu: 1 });
  }
} finally {
  await server.stop();
}
const file = readdirSync(profileDir).find((f) => f.endsWith(".cpuprofile"));
if (file === undefined) throw new Error(`the server wrote no profile into ${profileDir}`);
const path = join(profileDir, file);
console.log(`${framework} ${workload}: ${Math.round(result.rps).toLocaleString("en-US")} req/s; profile ${path} (shares of the CPU time used, start-up included)`);
summarize(JSON.parse(readFileSync(path, "utf8")));

/** Self time per function and per file, in % of all samples. */
function summarize(profile) {
  const timeOf = new Map();
  profile.samples.forEach((id, i) => timeOf.set(id, (timeOf.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  // Idle time is the server waiting for the load generator: left out, so shares are of CPU time used.
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id));
  const total = [...timeOf].reduce((sum, [id, t]) => (idle.has(id) ? sum : sum + t), 0);
  const byFunction = new Map();
  const byFile = new Map();
  const short = (url) => url.replace(/^file:\/\//, "").replace(/.*\/(packages|node_modules|apps)\//, "$1/");
  for (const node of profile.nodes) {
    if (idle.has(node.id)) continue;
    const t = timeOf.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    const fn = `${functionName || "(anonymous)"}  ${url ? `${short(url)}:${lineNumber + 1}` : ""}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + t);
    const where = url ? short(url) : `(${functionName})`;
    byFile.set(where, (byFile.get(where) ?? 0) + t);
  }
  const print = (title, map, n) => {
    console.log(title);
    for (const [name, t] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${((100 * t) / total).toFixed(1).padStart(6)}%  ${name}`);
  };
  print("self time by function:", byFunction, top);
  print("self time by file:", byFile, 20);
}
