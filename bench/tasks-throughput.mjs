// Jobs per second through the embedded-store queue: N no-op jobs enqueued, then run to completion.
// Usage: node bench/tasks-throughput.mjs [jobs] [concurrency]   (after `npx tsc -b`)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { driverPackage } from "@kova/driver-embedded";
import { DataSources, TaskRuntime } from "@kova/runtime";
import { pino } from "pino";

const jobs = Number(process.argv[2] ?? 2000);
const concurrency = Number(process.argv[3] ?? 1);
const dir = mkdtempSync(join(tmpdir(), "kova-bench-tasks-"));
const driver = driverPackage.createDriver({ name: "default", appDir: dir, options: {} });
await driver.connect();
const dataSources = new DataSources(new Map([["default", driver]]));
let done = 0;
const task = { name: "noop", params: ["n"], trigger: { kind: "queue" }, attempts: 3, backoffMs: 1000, timeoutMs: 10_000, concurrency, priority: 0, handler: async () => void done++ };
const runtime = await TaskRuntime.start({ name: "bench", routes: [], dataSources: [], env: [], tasks: [task] }, { dataSources, env: {}, log: pino({ level: "silent" }), appDir: dir, pollMs: 20 });
const t0 = performance.now();
for (let i = 0; i < jobs; i++) await runtime.enqueue("noop", [i]);
const t1 = performance.now();
while (done < jobs) await new Promise((r) => setTimeout(r, 5));
const t2 = performance.now();
console.log(JSON.stringify({ backend: "embedded", jobs, concurrency, enqueuePerSecond: Math.round(jobs / ((t1 - t0) / 1000)), endToEndJobsPerSecond: Math.round(jobs / ((t2 - t0) / 1000)) }));
await runtime.close();
await driver.close();
rmSync(dir, { recursive: true, force: true });
