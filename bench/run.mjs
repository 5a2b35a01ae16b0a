#!/usr/bin/env node
/**
 * `npm run bench [-- --quick] [-- --only=kova,raw] [-- --workloads=json,db] [-- --compare=FILE]`
 *
 * Builds the Kova app, seeds the World table, starts all five implementations at once (each pinned
 * to core 0), and for every workload runs wrk (pinned to core 1; autocannon where wrk is not
 * installed) against each in turn: a warm-up,
 * then several rounds interleaved across frameworks (so a burst of outside load hits all of them
 * alike); each figure is the median of the rounds. Then startup time and `kova build` of a
 * generated 10,000-line program. The PostgreSQL workloads (db-pg, queries-pg) run the same way on
 * the PostgreSQL variants of the apps against a schema seeded for this run (KOVA_PG_URL), or are
 * listed as not run when no server answers. Writes bench/results/latest.json and bench/RESULTS.md.
 * Every row keeps the min, median and max of its rounds and the 1-minute load average while it ran;
 * `--compare=FILE` (an earlier latest.json) prints, and adds to RESULTS.md, the change of each row.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, relative } from "node:path";
import { seedWorld } from "./lib/seed.mjs";
import { BENCH_DIR, FRAMEWORKS, KOVA_APP_DIR, KOVA_PG_APP_DIR, REPO_DIR, buildKovaApp, startServer } from "./lib/servers.mjs";
import { WORKLOADS, median, pickLoadGenerator, runLoad } from "./lib/load.mjs";
import { PG_URL, pgAddress, pgReachable, seedWorldPg } from "./lib/seed-pg.mjs";
import { measureBuild, measureStartup } from "./lib/extras.mjs";
import { compareResults, renderComparison, renderMarkdown, renderTable, withRatios } from "./lib/report.mjs";

const argv = process.argv.slice(2);
const option = (name) => {
  const at = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (at === -1) return undefined;
  return argv[at].includes("=") ? argv[at].slice(argv[at].indexOf("=") + 1) : argv[at + 1];
};
const compareFile = option("compare");
// Read before the run (which overwrites latest.json): comparing with the previous run's file is the common case.
const earlier = compareFile === undefined ? undefined : JSON.parse(readFileSync(compareFile, "utf8"));
const quick = argv.includes("--quick");
const frameworks = option("only")?.split(",") ?? FRAMEWORKS;
const workloads = option("workloads") ? WORKLOADS.filter((w) => option("workloads").split(",").includes(w.id)) : WORKLOADS;
// Quick: 8 workloads × 7 servers × (2 + 3 × 2) s ≈ 7.5 min of load, under 10 min in all.
const settings = quick
  ? { warmupSeconds: 2, roundSeconds: 2, rounds: 3, startupRuns: 5 }
  : { warmupSeconds: 5, roundSeconds: 10, rounds: 5, startupRuns: 5 };
const SERVER_CPU = 0;
const LOAD_CPU = 1;
const BASE_PORT = Number(process.env.BENCH_PORT ?? 4300);

const command = `npm run bench${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`;
const machine = {
  date: new Date().toISOString(),
  nproc: cpus().length,
  cpu: cpus()[0]?.model ?? "unknown",
  loadStart: loadavg().map((l) => l.toFixed(2)).join(" "),
  node: process.version,
};

const loadGenerator = pickLoadGenerator();
if (loadGenerator !== "wrk") console.warn("warning: wrk is not installed (`apt-get install -y wrk`), so autocannon generates the load; its ceiling is lower than wrk's");
const dataDir = join(BENCH_DIR, ".data");
const buildWarnings = [];
for (const dir of [KOVA_APP_DIR, KOVA_PG_APP_DIR]) {
  console.log(`kova build ${dir} …`);
  try {
    buildKovaApp(dir);
  } catch (error) {
    // Others edit the compiler while this runs; an earlier build of the app is still a fair subject.
    if (!existsSync(join(dir, "dist", "app.js"))) throw error;
    const warning = `kova build failed, so the previous build of ${relative(REPO_DIR, dir)}/dist was used: ${error.message.split("\n").slice(0, 3).join(" ")}`;
    buildWarnings.push(warning);
    console.warn(`warning: ${warning}`);
  }
}
const buildWarning = buildWarnings.length > 0 ? buildWarnings.join("; ") : undefined;
const { app } = await import(join(KOVA_APP_DIR, "dist", "app.js"));
const seedFile = await seedWorld(join(dataDir, "seed"), app.dataSources[0].entities);
const runDir = join(dataDir, "run");
rmSync(runDir, { recursive: true, force: true });

const records = [];
const embeddedWorkloads = workloads.filter((w) => !w.postgres);
const pgWorkloads = workloads.filter((w) => w.postgres);
if (embeddedWorkloads.length > 0) {
  await withServers({ seedFile, dataDir: runDir }, (servers) => measure(servers, embeddedWorkloads));
}
let postgres = "none selected";
const notRun = [];
if (pgWorkloads.length > 0) {
  if (await pgReachable(PG_URL)) {
    const { app: pgApp } = await import(join(KOVA_PG_APP_DIR, "dist", "app.js"));
    console.log(`seeding the World table on ${pgAddress()} …`);
    const seeded = await seedWorldPg(pgApp.dataSources[0].entities, PG_URL);
    try {
      await withServers({ dataDir: runDir, postgres: { url: PG_URL, schema: seeded.schema } }, (servers) => measure(servers, pgWorkloads));
    } finally {
      await seeded.drop().catch((error) => console.warn(`warning: could not drop schema ${seeded.schema}: ${error.message}`));
    }
    postgres = `run on ${pgAddress()} (schema ${seeded.schema}, 10,000 rows seeded by @kova/driver-postgres, dropped after the run); ` +
      "every implementation uses a pool of 10 connections and named prepared statements with the SQL text Kova compiled; the PostgreSQL server is not pinned and shares the machine's cores";
  } else {
    postgres = `not run: no PostgreSQL at ${pgAddress()} (set KOVA_PG_URL)`;
    notRun.push(...pgWorkloads.map((w) => ({ workload: w.id, reason: postgres })));
    console.warn(`warning: ${postgres}`);
  }
}

/** Starts every selected framework (pinned to the server core), runs `work(servers)`, stops them. */
async function withServers(options, work) {
  const servers = [];
  try {
    for (const [i, framework] of frameworks.entries()) {
      servers.push(await startServer(framework, { port: BASE_PORT + i, cpu: SERVER_CPU, ...options }));
    }
    await work(servers);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/** The error counts of several rounds, by kind (status, timeouts, connect, read, write). */
function sumKinds(kinds) {
  const total = {};
  for (const k of kinds) for (const [name, n] of Object.entries(k)) if (n > 0) total[name] = (total[name] ?? 0) + n;
  return total;
}

/** Warm-up, then rounds interleaved across the servers; one record per workload × server. */
async function measure(servers, list) {
  for (const workload of list) {
    const request = workload.request ?? workload.id;
    const load = (server, seconds) => runLoad(loadGenerator, { url: server.url, workload: request, seconds, cpu: LOAD_CPU });
    process.stdout.write(`${workload.label}: warm-up`);
    for (const server of servers) await load(server, settings.warmupSeconds);
    const samples = new Map(servers.map((s) => [s.framework, []]));
    const loads = [];
    for (let round = 0; round < settings.rounds; round++) {
      process.stdout.write(` · round ${round + 1}`);
      for (const server of servers) {
        const result = await load(server, settings.roundSeconds);
        // A server that answers errors measures something else: more than 1% of a round fails the
        // run. Fewer (a request past the generator's 5 s timeout while the disk stalls a commit)
        // are kept and listed under the table, so one slow request does not void an hour's run.
        if (result.errors > result.requests / 100) throw new Error(`${server.framework} answered ${result.errors} of ${result.requests} ${workload.id} requests with an error (${JSON.stringify(result.errorKinds ?? {})})`);
        samples.get(server.framework).push(result);
      }
      loads.push(loadavg()[0]);
    }
    process.stdout.write("\n");
    for (const server of servers) {
      const runs = samples.get(server.framework);
      const rps = runs.map((r) => r.rps);
      records.push({
        workload: workload.id,
        framework: server.framework,
        rps: Math.round(median(rps)),
        rps_min: Math.round(Math.min(...rps)),
        rps_max: Math.round(Math.max(...rps)),
        rounds: rps.map((r) => Math.round(r)),
        // The 1-minute load average after each round of this workload (all frameworks), median and max.
        load: round2(median(loads)),
        load_max: round2(Math.max(...loads)),
        p50_ms: round2(median(runs.map((r) => r.p50_ms))),
        p99_ms: round2(median(runs.map((r) => r.p99_ms))),
        rss_mb: server.rssMb(),
        requests: runs.reduce((n, r) => n + r.requests, 0),
        errors: runs.reduce((n, r) => n + r.errors, 0),
        error_kinds: sumKinds(runs.map((r) => r.errorKinds ?? {})),
      });
    }
  }
}

const results = withRatios(records);
console.log("startup (5 runs each) …");
const startup = await measureStartup(frameworks.filter((f) => f !== "kova-quiet" && f !== "kova-access" && f !== "kova-node"), { seedFile, dataDir: runDir, runs: settings.startupRuns, port: BASE_PORT + 50 });
console.log("kova build of a generated 10,000-line program …");
// The compiler is shared with people editing it now: a broken build of it is reported, not fatal.
const build = await measureBuild(join(dataDir, "build-10k")).catch((error) => ({ error: error.message.split("\n")[0] }));
rmSync(runDir, { recursive: true, force: true });

machine.loadEnd = loadavg().map((l) => l.toFixed(2)).join(" ");
const comparison = earlier === undefined ? undefined : { file: compareFile, rows: compareResults(earlier, results) };
const report = { buildWarning, machine, command, settings, loadGenerator, results, notRun, startup, build, postgres, comparison };
mkdirSync(join(BENCH_DIR, "results"), { recursive: true });
writeFileSync(join(BENCH_DIR, "results", "latest.json"), JSON.stringify(results, null, 2) + "\n");
// Everything RESULTS.md is made from: `node bench/report.mjs bench/results/report.json` writes it again.
writeFileSync(join(BENCH_DIR, "results", "report.json"), JSON.stringify(report, null, 2) + "\n");
writeFileSync(join(BENCH_DIR, "RESULTS.md"), renderMarkdown(report));
console.log("\n" + renderTable(results));
for (const { workload, reason } of notRun) console.log(`${workload}: ${reason}`);
console.log(`\nstartup, wall ms min/median/max and CPU ms (${settings.startupRuns} runs): ${startup.map((s) => `${s.framework} ${s.min}/${s.ms}/${s.max} (CPU ${s.cpuMs})`).join(", ")}`);
console.log(`kova build, 10,000 lines: ${build.error ? `not measured (${build.error})` : `${build.ms} ms`}`);
if (comparison !== undefined) console.log(`\nchange against ${compareFile}:\n${renderComparison(comparison.rows)}`);
console.log("wrote bench/results/latest.json, bench/results/report.json and bench/RESULTS.md");

function round2(n) {
  return Math.round(n * 100) / 100;
}
