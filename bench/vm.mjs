#!/usr/bin/env node
/**
 * `node bench/vm.mjs`: the same handlers (bench/apps/vm/app.kova) run as compiled JS and on the VM
 * from signed bytecode, called in one process with the same request context — the handler step
 * only (routing and serialisation are the runtime's on both tiers, so they would only dilute the
 * ratio). Compute-bound: nested loops with an FN call; query-bound: two reads on the embedded
 * store (in memory). Nine rounds of 0.5 s, JS then VM in each; the median ops/s, and the median of the rounds' ratios; prints ops/s and VM ÷ JS time.
 * Reports `uptime` load: the machine is shared, so compare ratios, not absolute figures.
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { buildApp } from "../packages/compiler/dist/src/index.js";
import { createEmbeddedDriver } from "../packages/driver-embedded/dist/src/index.js";
import { generateSigningKey, loadBytecode, onVm, signProgram } from "../packages/vm/dist/src/index.js";

const root = new URL("..", import.meta.url).pathname;
const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const MS = arg("ms", 500);
const ROUNDS = arg("rounds", 9);

const work = mkdtempSync(join(tmpdir(), "kova-bench-vm-"));
symlinkSync(join(root, "node_modules"), join(work, "node_modules"), "dir");
const out = join(work, "dist");
const built = await buildApp({ entry: join(root, "bench/apps/vm"), outDir: out, bytecode: true });
if (!built.ok) throw new Error(`bench app failed to build: ${built.errors.join("; ")} ${built.check.diagnostics.map((d) => d.message).join("; ")}`);
const key = generateSigningKey();
const program = loadBytecode(signProgram(built.bytecode, key).file, [key.publicKey]);
const { app } = await import(pathToFileURL(join(out, "app.js")).href);
const vmApp = onVm(app, program, { fuel: 1e12, deadlineMs: 60_000, memoryBytes: 1e12 });

const driver = createEmbeddedDriver({ name: "default", appDir: work, options: { path: ":memory:" } });
await driver.connect();
await driver.migrate(app.dataSources[0].entities);
const ctx = (extra) => ({ params: {}, query: {}, headers: {}, cookies: {}, body: undefined, auth: null, env: {}, db: () => driver, ...extra });
const handler = (a, method, path) => a.routes.find((r) => r.method === method && r.path === path).handler;
for (let i = 0; i < 2000; i++) await handler(app, "POST", "/readings")(ctx({ body: { sensor: `s${i % 50}`, value: i } }));

const compute = { body: { xs: Array.from({ length: 60 }, (_, i) => i), ys: Array.from({ length: 60 }, (_, i) => i + 1) } };
const cases = [
  { name: "compute-bound (3,600 loop iterations, FN calls)", method: "POST", path: "/compute", ctx: () => ctx(compute) },
  { name: "query-bound (2 reads, embedded store)", method: "GET", path: "/readings/:id", ctx: () => ctx({ params: { id: 1 + Math.floor(Math.random() * 2000) } }) },
];

// Both tiers must answer the same before they are timed.
for (const c of cases) {
  const a = JSON.stringify(await handler(app, c.method, c.path)(ctx({ ...c.ctx(), params: { id: 7 } })));
  const b = JSON.stringify(await handler(vmApp, c.method, c.path)(ctx({ ...c.ctx(), params: { id: 7 } })));
  if (a !== b) throw new Error(`${c.name}: the tiers disagree:\n JS ${a}\n VM ${b}`);
}

async function opsPerSecond(run, makeCtx) {
  let n = 0;
  const end = performance.now() + MS;
  while (performance.now() < end) {
    for (let i = 0; i < 20; i++) await run(makeCtx());
    n += 20;
  }
  return n / (MS / 1000);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = loadavg().map((l) => l.toFixed(2)).join(" ");
console.log(`Kova VM vs compiled JS — handler step only, ${ROUNDS} rounds of ${MS} ms, median. Load average at start: ${load}`);
const rows = [];
for (const c of cases) {
  const js = [];
  const vm = [];
  for (let r = 0; r < ROUNDS; r++) {
    js.push(await opsPerSecond(handler(app, c.method, c.path), c.ctx));
    vm.push(await opsPerSecond(handler(vmApp, c.method, c.path), c.ctx));
  }
  // The ratio of each back-to-back pair, then the median: a load swing hits both sides of a pair.
  const ratio = median(js.map((j, r) => j / vm[r]));
  rows.push({ case: c.name, "JS ops/s": Math.round(median(js)), "VM ops/s": Math.round(median(vm)), "VM ÷ JS time": ratio.toFixed(2) + "×" });
}
console.table(rows);
console.log(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
await driver.close();
rmSync(join(work, "node_modules"));
rmSync(work, { recursive: true, force: true });
