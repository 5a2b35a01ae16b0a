#!/usr/bin/env node
/**
 * Writes bench/RESULTS.md again from a run's saved report (bench/results/report.json, which
 * `npm run bench` writes next to latest.json): the same tables, the targets met or MISSED, start-up
 * and build, and the comparison if that run had one. Use it after editing the target list, or to
 * publish a run made elsewhere (e.g. the full run on a quiet machine).
 *
 *   node bench/report.mjs [bench/results/report.json] [--out=bench/RESULTS.md] [--print]
 *
 * `--print` writes the Markdown to stdout instead of a file.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliOption } from "./lib/seed.mjs";
import { checkTargets, renderMarkdown, withRatios } from "./lib/report.mjs";
import { BENCH_DIR } from "./lib/servers.mjs";

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith("--")) ?? join(BENCH_DIR, "results", "report.json");
const out = cliOption("out") ?? join(BENCH_DIR, "RESULTS.md");
const saved = JSON.parse(readFileSync(file, "utf8"));
if (Array.isArray(saved) || !Array.isArray(saved.results)) {
  console.error(`${file} is not a saved report (bench/results/report.json, written by npm run bench); latest.json holds only the rows`);
  process.exit(1);
}
// Ratios are recomputed from the medians, so a report edited by hand (a row left out) stays consistent.
const report = { ...saved, results: withRatios(saved.results.map(({ vs_fastify, vs_raw, ...row }) => row)) };
const markdown = renderMarkdown(report);
if (args.includes("--print")) process.stdout.write(markdown);
else writeFileSync(out, markdown);
const lines = checkTargets(report.results, report);
const missed = lines.filter((l) => l.ok === false).length;
const met = lines.filter((l) => l.ok === true).length;
console.error(`${args.includes("--print") ? "printed" : `wrote ${out}`}: targets met ${met}, missed ${missed}, not measured ${lines.length - met - missed}`);
