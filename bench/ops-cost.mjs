#!/usr/bin/env node
/**
 * What metrics and tracing cost on the JSON route (GET /json), the same build three ways:
 *
 *   off       Kova's defaults (no metrics, no tracing)
 *   metrics   KOVA_METRICS_PORT set: every request counted and timed (docs/operations.md)
 *   tracing   metrics, and every request traced to an OTLP/HTTP collector (a sink in this
 *             process that reads and drops what it is sent)
 *
 *   node bench/ops-cost.mjs [--rounds=5] [--seconds=3]     (after `npx tsc -b`)
 *
 * Servers are pinned to core 0, wrk (or autocannon) to core 1, 64 connections. Rounds alternate
 * between the three servers, so outside load hits each alike; each round measures req/s and the
 * server's CPU µs per request. Printed: the medians and each variant's ratio to `off`.
 */
import { createServer } from "node:http";
import { loadavg } from "node:os";
import { join } from "node:path";
import { cliOption, seededBenchData } from "./lib/seed.mjs";
import { KOVA_APP_DIR, buildKovaApp, cpuNs, startServer } from "./lib/servers.mjs";
import { median, pickLoadGenerator, runLoad } from "./lib/load.mjs";

const rounds = Number(cliOption("rounds") ?? 5);
const seconds = Number(cliOption("seconds") ?? 3);
const generator = pickLoadGenerator();
buildKovaApp();
const { app } = await import(join(KOVA_APP_DIR, "dist", "app.js"));
const { seedFile, runDir } = await seededBenchData("ops-cost", app);

// The collector: reads every export and answers 200, as a real one would.
let exported = 0;
const sink = createServer((req, res) => {
  req.on("data", () => {});
  req.on("end", () => {
    exported++;
    res.writeHead(200, { "content-type": "application/json" });
    res.end("{}");
  });
});
await new Promise((resolve) => sink.listen(0, "127.0.0.1", resolve));
const collector = `http://127.0.0.1:${sink.address().port}`;

const port0 = Number(process.env.BENCH_PORT ?? 4760);
const variants = [
  { label: "off", env: {} },
  { label: "metrics", env: { KOVA_METRICS_PORT: String(port0 + 10) } },
  { label: "tracing", env: { KOVA_METRICS_PORT: String(port0 + 11), OTEL_EXPORTER_OTLP_ENDPOINT: collector } },
];
const loadStart = loadavg()[0].toFixed(1);
const results = new Map(variants.map((v) => [v.label, { rps: [], cpuUs: [] }]));
const servers = [];
try {
  for (const [i, v] of variants.entries()) {
    // `entry` gives each its own data folder under runDir.
    servers.push({ ...v, server: await startServer("kova", { port: port0 + i, seedFile, dataDir: runDir, cpu: 0, env: v.env, entry: join(KOVA_APP_DIR, "dist", "server.js") }) });
  }
  for (const { server } of servers) await runLoad(generator, { url: server.url, workload: "json", seconds: 1, cpu: 1 }); // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const { label, server } of servers) {
      const before = cpuNs(server.pid);
      const r = await runLoad(generator, { url: server.url, workload: "json", seconds, cpu: 1 });
      if (r.errors > 0) throw new Error(`${label}: ${r.errors} errors`);
      results.get(label).rps.push(r.rps);
      results.get(label).cpuUs.push((cpuNs(server.pid) - before) / 1000 / r.requests);
    }
  }
} finally {
  for (const { server } of servers) await server.stop();
  sink.close();
}
const off = results.get("off");
const baseRps = median(off.rps);
const baseCpu = median(off.cpuUs);
console.log(`GET /json, ${rounds} rounds × ${seconds} s, ${generator}, load average ${loadStart} → ${loadavg()[0].toFixed(1)} (2 cores shared)`);
console.log("variant   median req/s   ratio to off   CPU µs/request   ratio to off");
for (const [label, r] of results) {
  const rps = median(r.rps);
  const cpu = median(r.cpuUs);
  console.log(`${label.padEnd(9)} ${rps.toFixed(0).padStart(12)}   ${(rps / baseRps).toFixed(2).padStart(12)}   ${cpu.toFixed(1).padStart(14)}   ${(cpu / baseCpu).toFixed(2).padStart(12)}`);
}
if (exported === 0) throw new Error("the tracing server exported nothing: the tracing row did not trace");
console.log(`(${exported} OTLP exports received from the tracing server)`);
