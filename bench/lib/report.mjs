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

/** The targets Kova is held to; each returns a line for every miss. */
export function checkTargets(results) {
  const kova = (workload) => results.find((r) => r.workload === workload && r.framework === "kova");
  const ratio = (workload, other) => {
    const k = kova(workload);
    const o = results.find((r) => r.workload === workload && r.framework === other);
    return k && o ? k.rps / o.rps : undefined;
  };
  const targets = [
    { workload: "json", other: "raw", min: 0.9 },
    { workload: "json", other: "fastify", min: 1.1 },
    { workload: "post", other: "fastify", min: 1.3 },
    { workload: "db-pg", other: "fastify", min: 1.2 },
    ...WORKLOADS.filter((w) => !w.postgres).map((w) => ({ workload: w.id, other: "express", min: 4 })),
  ];
  const lines = [];
  for (const t of targets) {
    const r = ratio(t.workload, t.other);
    if (r === undefined) continue;
    const ok = r >= t.min;
    lines.push({ ok, text: `${ok ? "met" : "MISSED"}: ${t.workload} Kova ≥ ${t.min}× ${t.other} — measured ${r.toFixed(2)}×` });
  }
  return lines;
}

const fmt = (n, digits = 0) => (n === null || n === undefined ? "—" : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }));

function rows(results) {
  return results.map((r) => [r.workload, r.framework, fmt(r.rps), fmt(r.p50_ms, 2), fmt(r.p99_ms, 2), fmt(r.rss_mb, 1), fmt(r.vs_fastify, 2), fmt(r.vs_raw, 2)]);
}
const HEADER = ["workload", "framework", "req/s", "p50 ms", "p99 ms", "RSS MB", "× Fastify", "× raw"];

export function renderTable(results) {
  const table = [HEADER, ...rows(results)];
  const widths = HEADER.map((_, i) => Math.max(...table.map((row) => String(row[i]).length)));
  return table.map((row) => row.map((cell, i) => (i < 2 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join("  ")).join("\n");
}

export function renderMarkdown({ buildWarning, machine, command, settings, loadGenerator, results, notRun = [], startup, build, postgres }) {
  const md = [];
  md.push("# Benchmark results", "");
  md.push(`- date: ${machine.date}`);
  md.push(`- machine: ${machine.nproc} CPUs (nproc), ${machine.cpu}; load average at start: ${machine.loadStart}`);
  md.push(`- node: ${machine.node}`);
  if (buildWarning) md.push(`- warning: ${buildWarning}`);
  md.push(`- command: \`${command}\``);
  md.push(`- load generator: ${loadGenerator === "wrk" ? "wrk" : "autocannon (wrk is not installed on this machine; autocannon's ceiling is lower, so the fastest servers may be under-measured, and it reports latencies in whole milliseconds)"}`);
  md.push(`- method: every server pinned to core 0 (\`taskset -c 0\`), ${loadGenerator} (${loadGenerator === "wrk" ? "1 thread, " : ""}64 connections) pinned to core 1; ` +
    `${settings.warmupSeconds} s warm-up, then ${settings.rounds} rounds of ${settings.roundSeconds} s interleaved across frameworks; median of the rounds. ` +
    "RSS is the server's after its last round of that workload. `kova` runs with its defaults (one request log line at info per request, written to /dev/null); " +
    "`kova-quiet` is the same build with `KOVA_LOG_LEVEL=warn`. Express, Hono and raw node:http check the POST body with one shared hand-written " +
    "function (bench/apps/shared/requests.mjs); Fastify uses its JSON schema (Ajv) and response schemas. Targets are checked against `kova`.");
  md.push("", "| " + HEADER.join(" | ") + " |", "|" + HEADER.map((_, i) => (i < 2 ? "---" : "---:")).join("|") + "|");
  for (const row of rows(results)) md.push("| " + row.join(" | ") + " |");
  // Workloads that could not run (no PostgreSQL) keep a row, so the table says why they are missing.
  for (const { workload, reason } of notRun) md.push(`| ${workload} | all | ${reason} |` + " |".repeat(HEADER.length - 3));
  md.push("", "PostgreSQL workloads: " + postgres + ".", "");
  md.push("## Targets", "");
  for (const line of checkTargets(results)) md.push(`- ${line.text}`);
  md.push("", "## Startup and build", "");
  md.push(`Startup, ms from spawning \`node <server>\` until it answers HTTP (median of ${settings.startupRuns}): ` +
    startup.map((s) => `${s.framework} ${s.ms}`).join(", ") + ".", "");
  if (build.error) md.push(`\`kova build\` of the generated 10,000-line program: not measured (${build.error}).`, "");
  else md.push(`\`kova build\` of the generated ${build.lines.toLocaleString("en-US")}-line program (packages/compiler/dist/bench/frontend-speed.js generateProgram), ` +
    `process start included, median of ${build.runs}: ${build.ms} ms.`, "");
  return md.join("\n");
}

function round2(n) {
  return Math.round(n * 100) / 100;
}
