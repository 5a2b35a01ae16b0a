/** Ratios, targets, and the printed / Markdown tables. */
import { WORKLOADS } from "./load.mjs";

/** Adds vs_fastify and vs_raw (this framework's rps over theirs, same workload, same run). */
export function withRatios(records) {
  const rpsOf = (workload, framework) => records.find((r) => r.workload === workload && r.framework === framework)?.rps;
  return records.map((r) => {
    const fastify = rpsOf(r.workload, "fastify");
    const raw = rpsOf(r.workload, "raw");
    return { ...r, vs_fastify: fastify ? round2(r.rps / fastify) : null, vs_raw: raw ? round2(r.rps / raw) : null };
  });
}

/**
 * The targets of issue 25 (ratios of `kova`, Kova with its defaults, to a peer's median in the same
 * run), then start-up and build times when the report has them. One line per target, met or MISSED;
 * a target whose rows did not run (e.g. no PostgreSQL) is listed as not measured.
 */
export const TARGETS = [
  ...["plaintext", "json"].flatMap((w) => [{ workload: w, other: "fastify", min: 1.15 }, { workload: w, other: "raw", min: 0.95 }]),
  { workload: "post", other: "fastify", min: 1.2 },
  { workload: "post", other: "raw", min: 0.9 },
  ...["db", "queries"].flatMap((w) => [{ workload: w, other: "fastify", min: 1.15 }, { workload: w, other: "raw", min: 0.9 }]),
  { workload: "updates", other: "fastify", min: 2 },
  { workload: "updates", other: "raw", min: 2 },
  { workload: "db-pg", other: "fastify", min: 1.1 },
  { workload: "queries-pg", other: "fastify", min: 1.3 },
  { workload: "db-pg", other: "raw", min: 1.0 },
  { workload: "queries-pg", other: "raw", min: 1.0 },
  // "Every workload not bound by the database server itself": the embedded ones.
  ...WORKLOADS.filter((w) => !w.postgres).map((w) => ({ workload: w.id, other: "express", min: 4 })),
];
export const STARTUP_TARGET_MS = 100;
export const BUILD_TARGET_MS = 500;

export function checkTargets(results, { startup, build } = {}) {
  const rps = (workload, framework) => results.find((r) => r.workload === workload && r.framework === framework)?.rps;
  const lines = [];
  for (const t of TARGETS) {
    const kova = rps(t.workload, "kova");
    const other = rps(t.workload, t.other);
    if (!kova || !other) {
      lines.push({ ok: undefined, text: `not measured: ${t.workload} Kova ≥ ${t.min}× ${t.other} (the rows did not run)` });
      continue;
    }
    const r = kova / other;
    const ok = r >= t.min;
    lines.push({ ok, text: `${ok ? "met" : "MISSED"}: ${t.workload} Kova ≥ ${t.min}× ${t.other} — measured ${r.toFixed(2)}×` });
  }
  const kovaStart = startup?.find((s) => s.framework === "kova");
  if (kovaStart !== undefined) {
    const ok = kovaStart.ms < STARTUP_TARGET_MS;
    lines.push({ ok, text: `${ok ? "met" : "MISSED"}: start-up to the first answer < ${STARTUP_TARGET_MS} ms — measured ${kovaStart.ms} ms (median)` });
  }
  if (build !== undefined && !build.error) {
    const ok = build.ms < BUILD_TARGET_MS;
    lines.push({ ok, text: `${ok ? "met" : "MISSED"}: kova build of ${build.lines.toLocaleString("en-US")} lines < ${BUILD_TARGET_MS} ms — measured ${build.ms} ms` });
  }
  return lines;
}

const fmt = (n, digits = 0) => (n === null || n === undefined ? "—" : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }));

function rows(results) {
  return results.map((r) => [
    r.workload, r.framework, fmt(r.rps_min), fmt(r.rps), fmt(r.rps_max), spread(r), fmt(r.p50_ms, 2), fmt(r.p99_ms, 2), fmt(r.rss_mb, 1),
    r.load === undefined ? "—" : `${fmt(r.load, 1)} (${fmt(r.load_max, 1)})`, fmt(r.vs_fastify, 2), fmt(r.vs_raw, 2),
  ]);
}
/** (max − min) / median of the rounds, in %: how far apart the rounds of one row were. */
function spread(r) {
  if (r.rps_min === undefined || !r.rps) return "—";
  return `${Math.round((100 * (r.rps_max - r.rps_min)) / r.rps)}%`;
}
const HEADER = ["workload", "framework", "min req/s", "median req/s", "max req/s", "spread", "p50 ms", "p99 ms", "RSS MB", "load 1m (max)", "× Fastify", "× raw"];

/**
 * Each row of `now` against the same workload × framework in `earlier` (a latest.json of another
 * run): median req/s before and after, the change in %, and the change of the × Fastify ratio.
 */
export function compareResults(earlier, now) {
  const before = Array.isArray(earlier) ? earlier : earlier.results;
  if (!Array.isArray(before)) throw new Error("--compare takes a results file written by the bench (bench/results/latest.json)");
  return now.map((r) => {
    const old = before.find((o) => o.workload === r.workload && o.framework === r.framework);
    return {
      workload: r.workload,
      framework: r.framework,
      before: old?.rps,
      after: r.rps,
      change: old?.rps ? (r.rps - old.rps) / old.rps : undefined,
      // Whether the change is beyond this run's own spread between rounds.
      beyondSpread: old?.rps && r.rps_min !== undefined ? old.rps < r.rps_min || old.rps > r.rps_max : undefined,
      vsFastifyBefore: old?.vs_fastify,
      vsFastifyAfter: r.vs_fastify,
    };
  });
}

const COMPARE_HEADER = ["workload", "framework", "req/s before", "req/s now", "change", "outside now's min–max", "× Fastify before", "× Fastify now"];

function comparisonRows(rows) {
  return rows.map((c) => [
    c.workload, c.framework, fmt(c.before), fmt(c.after),
    c.change === undefined ? "—" : `${c.change >= 0 ? "+" : ""}${(100 * c.change).toFixed(1)}%`,
    c.beyondSpread === undefined ? "—" : c.beyondSpread ? "yes" : "no",
    fmt(c.vsFastifyBefore, 2), fmt(c.vsFastifyAfter, 2),
  ]);
}

export function renderComparison(rows) {
  return textTable([COMPARE_HEADER, ...comparisonRows(rows)]);
}

function textTable(table) {
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => String(row[i]).length)));
  return table.map((row) => row.map((cell, i) => (i < 2 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join("  ")).join("\n");
}

export function renderTable(results) {
  return textTable([HEADER, ...rows(results)]);
}

export function renderMarkdown({ buildWarning, machine, command, settings, loadGenerator, results, notRun = [], startup, build, postgres, comparison }) {
  const md = [];
  md.push("# Benchmark results", "");
  md.push(`- date: ${machine.date}`);
  md.push(`- machine: ${machine.nproc} CPUs (nproc), ${machine.cpu}; load average (1, 5, 15 min) at start: ${machine.loadStart}` +
    (machine.loadEnd ? `, at the end: ${machine.loadEnd}` : ""));
  md.push(`- node: ${machine.node}`);
  if (buildWarning) md.push(`- warning: ${buildWarning}`);
  md.push(`- command: \`${command}\``);
  md.push(`- load generator: ${loadGenerator === "wrk" ? "wrk" : "autocannon (wrk is not installed on this machine; autocannon's ceiling is lower, so the fastest servers may be under-measured, and it reports latencies in whole milliseconds)"}`);
  md.push(`- method: every server pinned to core 0 (\`taskset -c 0\`), ${loadGenerator} (${loadGenerator === "wrk" ? "1 thread, " : ""}64 connections) pinned to core 1; ` +
    `${settings.warmupSeconds} s warm-up, then ${settings.rounds} rounds of ${settings.roundSeconds} s interleaved across frameworks; min, median and max of the rounds ` +
    "(spread = (max − min) / median; ratios use the medians); load 1m is the machine's 1-minute load average after each round of the workload, median (max). " +
    "RSS is the server's after its last round of that workload. `kova` runs with its defaults, as `kova run` does (logs at info, no per-request line; stdout to /dev/null); " +
    "`kova-quiet` is the same build with `KOVA_LOG_LEVEL=warn`, `kova-access` with `KOVA_ACCESS_LOG=on` (one request line per request, batched per event-loop turn, as `kova dev` runs), `kova-node` with `KOVA_HTTP=node` (node:http instead of the default layer, Node's own llhttp parser on node:net without node:http's request and response objects). Express, Hono and raw node:http check the POST body with one shared hand-written " +
    "function (bench/apps/shared/requests.mjs); Fastify uses its JSON schema (Ajv) and response schemas. Targets are checked against `kova`.");
  md.push("", "| " + HEADER.join(" | ") + " |", "|" + HEADER.map((_, i) => (i < 2 ? "---" : "---:")).join("|") + "|");
  for (const row of rows(results)) md.push("| " + row.join(" | ") + " |");
  // Workloads that could not run (no PostgreSQL) keep a row, so the table says why they are missing.
  for (const { workload, reason } of notRun) md.push(`| ${workload} | all | ${reason} |` + " |".repeat(HEADER.length - 3));
  md.push("", "PostgreSQL workloads: " + postgres + ".", "");
  const failed = results.filter((r) => r.errors > 0);
  if (failed.length > 0) {
    md.push("Requests that failed (at most 1% of a round is tolerated; more fails the run):", "");
    for (const r of failed) md.push(`- ${r.workload}, ${r.framework}: ${fmt(r.errors)} of ${fmt(r.requests)} (${Object.entries(r.error_kinds ?? {}).map(([kind, n]) => `${kind} ${n}`).join(", ")})`);
    md.push("");
  }
  if (comparison !== undefined) {
    md.push(`## Change against ${comparison.file}`, "");
    md.push("| " + COMPARE_HEADER.join(" | ") + " |", "|" + COMPARE_HEADER.map((_, i) => (i < 2 ? "---" : "---:")).join("|") + "|");
    for (const row of comparisonRows(comparison.rows)) md.push("| " + row.join(" | ") + " |");
    md.push("");
  }
  md.push("## Targets", "");
  for (const line of checkTargets(results, { startup, build })) md.push(`- ${line.text}`);
  md.push("", "## Startup and build", "");
  md.push(`Startup, ms from spawning \`node <server>\` until it answers \`GET /json\` (${settings.startupRuns} runs each, alternating; ` +
    "wall time min / median / max, then the server's CPU ms up to that answer, median):", "");
  md.push("| framework | wall min | wall median | wall max | CPU ms |", "|---|---:|---:|---:|---:|");
  for (const s of startup) md.push(`| ${s.framework} | ${s.min ?? "—"} | ${s.ms} | ${s.max ?? "—"} | ${s.cpuMs ?? "—"} |`);
  md.push("");
  if (build.error) md.push(`\`kova build\` of the generated 10,000-line program: not measured (${build.error}).`, "");
  else md.push(`\`kova build\` of the generated ${build.lines.toLocaleString("en-US")}-line program (packages/compiler/dist/bench/frontend-speed.js generateProgram), ` +
    `process start included, median of ${build.runs}: ${build.ms} ms.`, "");
  return md.join("\n");
}

function round2(n) {
  return Math.round(n * 100) / 100;
}
