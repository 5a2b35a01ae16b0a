#!/usr/bin/env node
/**
 * Kova's own cost per request, without sockets: the compiled bench app's routes driven through the
 * runtime's node:http request handler with stand-in request and response objects (no parsing, no
 * socket writes), so what is timed is routing, input typing, the exchange, the pipeline, validation,
 * the handler, serialisation and the runtime's header assembly — the part node:http does not do.
 *
 *   node bench/overhead.mjs [--runtime=DIR | --base=DIR] [--rounds=7] [--n=200000]
 *                           [--workloads=json,post,db,queries,notfound,invalid]
 *
 * `--runtime=DIR` times another checkout's runtime (DIR/packages/runtime/dist/src/index.js) on the
 * same compiled app. `--base=DIR` times another checkout's whole build (its runtime, its driver and
 * its compiled bench app, DIR/bench/apps/kova/dist) in the same process as this one, rounds
 * alternating, and adds each workload's median of the paired round ratios (this / base): on a busy
 * machine the pairs see the same load, so the ratio is steadier than either figure. Prints min /
 * median / max ns per request over the rounds (each round: `n` requests, 64 in flight, as the load
 * generator keeps them).
 */
import { EventEmitter } from "node:events";
import { join, resolve } from "node:path";
import { cliOption, copyDatabase, seededBenchData } from "./lib/seed.mjs";
import { KOVA_APP_DIR, REPO_DIR } from "./lib/servers.mjs";
import { median } from "./lib/load.mjs";

const option = cliOption;
const runtimeDir = resolve(option("runtime") ?? REPO_DIR);
const rounds = Number(option("rounds") ?? 7);
const n = Number(option("n") ?? 200_000);
const workloads = (option("workloads") ?? "json,post,db").split(",");

const baseDir = option("base") === undefined ? undefined : resolve(option("base"));

/** One build's request handler on its own copy of the seeded store. */
async function openTarget(label, { runtimeFrom, driverFrom, appFrom }) {
  await import(driverFrom);
  const runtime = await import(join(runtimeFrom, "packages", "runtime", "dist", "src", "index.js"));
  const { app } = await import(join(appFrom, "dist", "app.js"));
  const { seedFile, runDir } = await seededBenchData(`overhead-${label}`, app);
  copyDatabase(seedFile, join(runDir, ".kova", "data.db"));
  const dataSources = await runtime.connectDataSources(app, runDir, {});
  const kova = runtime.createServer(app, { dataSources, logLevel: "warn" });
  return {
    label,
    handle: kova.server.listeners("request")[0],
    close: async () => { await kova.close(); await dataSources.close(); },
  };
}

const targets = [];
if (baseDir !== undefined) {
  targets.push(await openTarget("base", {
    runtimeFrom: baseDir,
    driverFrom: join(baseDir, "packages", "driver-embedded", "dist", "src", "index.js"),
    appFrom: join(baseDir, "bench", "apps", "kova"),
  }));
}
targets.push(await openTarget(baseDir === undefined ? "kova" : "this", { runtimeFrom: runtimeDir, driverFrom: "@kova/driver-embedded", appFrom: KOVA_APP_DIR }));

const ORDER = Buffer.from(JSON.stringify({
  customer: "Ada Lovelace", email: "ada@example.com", quantity: 3, price: 19.99, currency: "EUR", express: true,
  note: "leave at the door", tags: ["gift", "fragile"], coupon: "SAVE10", address: { street: "1 Main St", city: "Springfield", zip: "12345" },
}));
const REQUESTS = {
  json: () => ({ method: "GET", url: "/json", headers: { host: "localhost" } }),
  post: () => ({ method: "POST", url: "/orders", headers: { host: "localhost", "content-type": "application/json", "content-length": String(ORDER.length) }, body: ORDER }),
  db: (i) => ({ method: "GET", url: `/db/${1 + (i % 10000)}`, headers: { host: "localhost" } }),
  queries: (i) => ({ method: "GET", url: `/queries?${Array.from({ length: 20 }, (_, k) => `ids=${1 + ((i * 20 + k) * 7919) % 10000}`).join("&")}`, headers: { host: "localhost" } }),
  notfound: () => ({ method: "GET", url: "/nope", headers: { host: "localhost" } }),
  invalid: () => ({ method: "GET", url: "/db/abc", headers: { host: "localhost" } }),
};

/** The parts of IncomingMessage the runtime touches; a body arrives as one chunk on the next tick. */
class FakeRequest extends EventEmitter {
  constructor({ method, url, headers, body }) {
    super();
    this.method = method;
    this.url = url;
    this.headers = headers;
    this.socket = { remoteAddress: "127.0.0.1", destroy() {} };
    if (body !== undefined) {
      process.nextTick(() => {
        this.emit("data", body);
        this.emit("end");
      });
    }
  }
  resume() {}
}

/** The parts of ServerResponse the runtime touches; `end` reports the status. */
class FakeResponse {
  constructor(done) {
    this.done = done;
    this.headersSent = false;
    this.status = 0;
  }
  writeHead(status, headers) {
    this.status = status;
    this.headers = headers;
    this.headersSent = true;
  }
  end(payload) {
    this.done(this.status, payload);
  }
}

function runBatch(handle, make, count) {
  return new Promise((resolveAll, reject) => {
    let started = 0;
    let finished = 0;
    const next = () => {
      const i = started++;
      handle(new FakeRequest(make(i)), new FakeResponse(onDone));
    };
    function onDone(status) {
      if (status === 0 || status >= 500) return reject(new Error(`answered ${status}`));
      finished++;
      if (finished === count) resolveAll();
      else if (started < count) queueMicrotask(next); // not next(): a synchronous answer would recurse
    }
    for (let i = 0; i < Math.min(64, count); i++) next();
  });
}

const from = baseDir === undefined ? `runtime from ${runtimeDir}` : `this checkout against ${baseDir}, rounds alternating`;
console.log(`Kova's own cost per request (no sockets), ${from}; ${rounds} rounds × ${n} requests`);
for (const workload of workloads) {
  const make = REQUESTS[workload];
  if (make === undefined) throw new Error(`unknown workload ${workload} (known: ${Object.keys(REQUESTS).join(", ")})`);
  for (const t of targets) await runBatch(t.handle, make, 20_000); // warm-up: let the JIT settle
  const ns = new Map(targets.map((t) => [t.label, []]));
  for (let r = 0; r < rounds; r++) {
    for (const t of targets) {
      const start = process.cpuUsage();
      await runBatch(t.handle, make, n);
      const used = process.cpuUsage(start);
      ns.get(t.label).push(((used.user + used.system) * 1000) / n);
    }
  }
  for (const t of targets) {
    const xs = ns.get(t.label);
    console.log(`${workload.padEnd(9)} ${t.label.padEnd(5)} ns/request (CPU)  min ${Math.round(Math.min(...xs))}  median ${Math.round(median(xs))}  max ${Math.round(Math.max(...xs))}`);
  }
  if (targets.length === 2) {
    const [b, t] = [ns.get("base"), ns.get("this")];
    const ratios = t.map((x, i) => x / b[i]);
    console.log(`${workload.padEnd(9)} this / base: median of paired rounds ${median(ratios).toFixed(3)} (min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)})`);
  }
}
for (const t of targets) await t.close();
