// Jobs per second through the task queue: N no-op jobs enqueued, then run to completion, on the
// embedded store or (with --redis) on BullMQ with the embedded store as its outbox.
// Usage: node bench/tasks-throughput.mjs [jobs] [concurrency] [--redis]   (after `npx tsc -b`)
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { driverPackage } from "@kova/driver-embedded";
import { DataSources, TaskRuntime } from "@kova/runtime";
import { pino } from "pino";

const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const redis = process.argv.includes("--redis");
const jobs = Number(args[0] ?? 2000);
const concurrency = Number(args[1] ?? 1);
const dir = mkdtempSync(join(tmpdir(), "kova-bench-tasks-"));
const driver = driverPackage.createDriver({ name: "default", appDir: dir, options: {} });
await driver.connect();
const dataSources = new DataSources(new Map([["default", driver]]));
let done = 0;
const task = { name: "noop", params: ["n"], trigger: { kind: "queue" }, attempts: 3, backoffMs: 1000, timeoutMs: 10_000, concurrency, priority: 0, handler: async () => void done++ };
const sources = [{ name: "default", driver: "embedded", options: () => ({}), entities: [] }];
if (redis) sources.push({ name: "cache", driver: "redis", options: () => process.env.REDIS_URL ?? "redis://127.0.0.1:6379/0", entities: [] });
const app = { name: `bench-${randomUUID().slice(0, 8)}`, routes: [], dataSources: sources, env: [], tasks: [task] };
const runtime = await TaskRuntime.start(app, { dataSources, env: {}, log: pino({ level: "silent" }), appDir: dir, pollMs: 20 });
const t0 = performance.now();
for (let i = 0; i < jobs; i++) await runtime.enqueue("noop", [i]);
const t1 = performance.now();
while (done < jobs) await new Promise((r) => setTimeout(r, 5));
const t2 = performance.now();
console.log(JSON.stringify({ backend: redis ? "redis (BullMQ)" : "embedded", jobs, concurrency, enqueuePerSecond: Math.round(jobs / ((t1 - t0) / 1000)), endToEndJobsPerSecond: Math.round(jobs / ((t2 - t0) / 1000)) }));
await runtime.bullQueue("noop")?.obliterate({ force: true });
await runtime.close();
await driver.close();
rmSync(dir, { recursive: true, force: true });
