#!/usr/bin/env node
/**
 * CPU time per request in the server process: a steadier measure than req/s on a shared machine.
 *
 *   node bench/cpu.mjs [--workloads=json,post,db] [--only=kova,kova-quiet,raw] [--rounds=5] [--seconds=3]
 *                      [--base=/path/to/other/checkout]
 *
 * Every server is pinned to core 0 and driven by wrk (1 thread, 64 connections, pinned to core 1;
 * autocannon when wrk is missing) for `seconds`; the server's CPU time (user + system, all its
 * threads, from /proc/<pid>/task/<tid>/schedstat in ns) over the run is divided by the requests
 * answered. Rounds alternate between servers, so outside load hits each alike; the table gives
 * min / median / max µs per request. Other processes on the machine slow a request's wall time
 * much more than its CPU time, which is why this is the figure to compare builds with.
 *
 * `--base=DIR` adds `base` and `base-quiet`: the Kova bench app built in another checkout (e.g. a
 * worktree of main: `git worktree add --detach ../base main && (cd ../base && npm ci && npx tsc -b
 * && node packages/cli/bin/kova.js build bench/apps/kova)`), for a before/after comparison.
 */
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { cliOption, seededBenchData } from "./lib/seed.mjs";
import { KOVA_APP_DIR, buildKovaApp, cpuNs, startServer } from "./lib/servers.mjs";
import { WORKLOADS, median, pickLoadGenerator, runLoad } from "./lib/load.mjs";

const option = cliOption;
const rounds = Number(option("rounds") ?? 5);
const seconds = Number(option("seconds") ?? 3);
const base = option("base");
const workloads = (option("workloads") ?? "json,post,db").split(",");
for (const w of workloads) if (!WORKLOADS.some((x) => x.id === w && !x.postgres)) throw new Error(`unknown workload ${w}`);
const only = option("only")?.split(",") ?? ["kova", "kova-quiet", "raw"];
const variants = [...only.map((framework) => ({ label: framework, framework }))];
if (base !== undefined) {
  const entry = join(resolve(base), "bench", "apps", "kova", "dist", "server.js");
  variants.unshift({ label: "base", framework: "kova", entry }, { label: "base-quiet", framework: "kova-quiet", entry });
}

const generator = pickLoadGenerator();
buildKovaApp();
const { app } = await import(join(KOVA_APP_DIR, "dist", "app.js"));
const { seedFile, runDir } = await seededBenchData("cpu", app);
const port0 = Number(process.env.BENCH_PORT ?? 4700);
const servers = [];
const loadStart = loadavg().map((l) => l.toFixed(2)).join(" ");
try {
  for (const [i, v] of variants.entries()) {
    servers.push({ ...v, server: await startServer(v.framework, { port: port0 + i, seedFile, dataDir: runDir, cpu: 0, entry: v.entry }) });
  }
  const rows = [];
  for (const workload of workloads) {
    for (const s of servers) await runLoad(generator, { url: s.server.url, workload, seconds: 1, cpu: 1 }); // warm-up
    const samples = new Map(servers.map((s) => [s.label, []]));
    for (let round = 0; round < rounds; round++) {
      for (const s of servers) {
        const before = cpuNs(s.server.pid);
        const result = await runLoad(generator, { url: s.server.url, workload, seconds, cpu: 1 });
        const used = cpuNs(s.server.pid) - before;
        if (result.errors > 0) throw new Error(`${s.label} answered ${result.errors} ${workload} requests with an error`);
        samples.get(s.label).push({ us: used / 1000 / result.requests, rps: result.rps });
      }
    }
    for (const s of servers) {
      const us = samples.get(s.label).map((x) => x.us);
      const rps = samples.get(s.label).map((x) => x.rps);
      rows.push({ workload, variant: s.label, min: Math.min(...us), median: median(us), max: Math.max(...us), rps: median(rps) });
    }
  }
  const loadEnd = loadavg().map((l) => l.toFixed(2)).join(" ");
  console.log(`CPU µs per request in the server (${rounds} rounds × ${seconds} s, ${generator}, 64 connections); load average ${loadStart} → ${loadEnd}`);
  console.log("workload   variant      min     median  max     req/s (median)");
  for (const r of rows) {
    console.log(`${r.workload.padEnd(10)} ${r.variant.padEnd(11)} ${r.min.toFixed(1).padStart(6)}  ${r.median.toFixed(1).padStart(6)}  ${r.max.toFixed(1).padStart(6)}  ${Math.round(r.rps).toLocaleString("en-US").padStart(8)}`);
  }
} finally {
  await Promise.all(servers.map((s) => s.server.stop()));
}
