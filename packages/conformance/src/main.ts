import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { CASES } from "./cases.js";
import { runTarget, type TargetResult } from "./runner.js";
import { allTargets } from "./targets.js";

/**
 * `npm run conformance`: runs every case against every driver, prints a driver × case table, writes
 * conformance/results.json and refreshes the table in docs/drivers.md.
 */
const root = new URL("../../../../", import.meta.url).pathname;
const targets = await allTargets();
const results: TargetResult[] = [];
for (const target of targets) {
  process.stderr.write(`conformance: ${target.label}…\n`);
  results.push(await runTarget(target));
}
const table = renderTable(results);
process.stdout.write(table + "\n");
for (const r of results) {
  for (const [name, o] of Object.entries(r.outcomes)) {
    if (o.status === "fail") process.stdout.write(`FAIL ${r.driver} / ${name}: ${o.detail}\n`);
  }
}
const json = {
  generatedAt: new Date().toISOString(),
  node: process.version,
  cases: CASES.map((c) => ({ name: c.name, program: typeof c.program === "object" ? c.program.name : c.program })),
  drivers: results,
};
writeFileSync(`${root}conformance/results.json`, JSON.stringify(json, null, 2) + "\n");
const docs = `${root}docs/drivers.md`;
if (existsSync(docs)) {
  const text = readFileSync(docs, "utf8");
  const start = "<!-- conformance:start -->";
  const end = "<!-- conformance:end -->";
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a !== -1 && b > a) writeFileSync(docs, `${text.slice(0, a + start.length)}\n${table}\n_Generated ${json.generatedAt.slice(0, 10)} by \`npm run conformance\`._\n${text.slice(b)}`);
}
const failed = results.some((r) => Object.values(r.outcomes).some((o) => o.status === "fail"));
process.exit(failed ? 1 : 0);

function renderTable(results: TargetResult[]): string {
  const mark = (o: TargetResult["outcomes"][string] | undefined) =>
    !o ? "—" : o.status === "pass" ? "pass" : o.status === "fail" ? "**FAIL**" : o.status === "n/a" ? "n/a" : "skipped";
  const header = `| case | ${results.map((r) => r.label).join(" | ")} |`;
  const rule = `|---|${results.map(() => "---").join("|")}|`;
  const rows = CASES.map((c) => `| ${c.name} | ${results.map((r) => mark(r.outcomes[c.name])).join(" | ")} |`);
  const skipped = results.filter((r) => Object.values(r.outcomes).every((o) => o.status === "skipped"));
  const notes = skipped.map((r) => `\n${r.label}: skipped — ${(Object.values(r.outcomes)[0] as { detail: string }).detail}`);
  for (const c of CASES) {
    for (const [driver, reason] of Object.entries(c.unsupported ?? {})) {
      const r = results.find((x) => x.driver === driver);
      if (r && r.outcomes[c.name]?.status === "n/a") notes.push(`\n${r.label}, "${c.name}": n/a — ${reason}`);
    }
  }
  if (results.some((r) => r.driver === "redis")) notes.push("\nRedis: n/a cases need filters, ordering or ranges on fields other than id, which `kova check` and `kova build` refuse for Redis at compile time (KV9006, every such query, at its line).");
  return [header, rule, ...rows].join("\n") + notes.join("");
}
