import {
  checkWithDrivers,
  closestName,
  findKovaFiles,
  formatDiagnostic,
  formatSummary,
  type Diagnostic,
  type SourceFile,
} from "@kova/compiler";
import { parseCount, UsageError } from "../args.js";
import { ExitCode, shouldColor } from "../command.js";
import { defineCommand } from "../define-command.js";

const FORMATS = ["human", "json"] as const;

export interface CheckSummary {
  errors: number;
  warnings: number;
  /** Files read: the ones given plus everything they import. */
  files: number;
}

/** Errors always fail; warnings fail only past --max-warnings. */
export function checkExitCode(summary: CheckSummary, maxWarnings: number | undefined): number {
  if (summary.errors > 0) return ExitCode.problems;
  if (maxWarnings !== undefined && summary.warnings > maxWarnings) return ExitCode.problems;
  return ExitCode.ok;
}

export const checkCommand = defineCommand({
  name: "check",
  summary: "Check .kova files for errors without running them",
  usage: `Usage: kova check [options] [PATH...]

Parses and checks .kova files and everything they IMPORT. Each PATH is a file or a folder
(searched recursively, skipping node_modules, dist and .kova); the default is the current folder.
Queries are also compiled by the drivers they run on, so one a driver cannot run is reported
here (KV9006), not first by kova build.

Options:
  --format <human|json>  Output format (default: human). json prints
                         { "diagnostics": [...], "summary": { errors, warnings, files } }
  --max-warnings <N>     Fail (exit 1) when there are more than N warnings
  --color, --no-color    Force colour on or off (default: on when stdout is a terminal
                         and NO_COLOR is not set)
  -h, --help             Show this help

Exit status: 0 no errors, 1 errors (or too many warnings), 2 bad command line or missing path.
`,
  options: {
    format: { type: "string" },
    "max-warnings": { type: "string" },
    color: { type: "boolean" },
    "no-color": { type: "boolean" },
  },
  async execute({ values, positionals }, context) {
    const format = String(values.format ?? "human");
    if (!(FORMATS as readonly string[]).includes(format)) {
      const match = closestName(format, FORMATS);
      throw new UsageError(`unknown format '${format}' (expected human or json)${match ? `; did you mean '${match}'?` : ""}`);
    }
    const maxWarnings =
      values["max-warnings"] === undefined ? undefined : parseCount(String(values["max-warnings"]), "--max-warnings");

    const paths = positionals.length > 0 ? positionals : ["."];
    const found = findKovaFiles(paths);
    if (found.missing.length > 0) {
      for (const path of found.missing) context.stderr.write(`kova check: no such file or folder: ${path}\n`);
      return ExitCode.usage;
    }
    if (found.files.length === 0) {
      context.stderr.write(`kova check: no .kova files found in ${paths.join(", ")}\n`);
      return ExitCode.usage;
    }

    // The drivers the program names also check its queries (a query Redis cannot run is KV9006).
    const result = await checkWithDrivers(found.files);
    const diagnostics = result.diagnostics;
    const summary: CheckSummary = {
      errors: diagnostics.filter((d) => d.severity === "error").length,
      warnings: diagnostics.filter((d) => d.severity === "warning").length,
      files: result.files.length,
    };

    if (format === "json") {
      context.stdout.write(JSON.stringify({ diagnostics, summary }, null, 2) + "\n");
    } else {
      const color = shouldColor(
        { color: values.color === true, noColor: values["no-color"] === true },
        context.stdout,
        context.env,
      );
      const sources = new Map<string, SourceFile>(result.files.map((f) => [f.file, f.source]));
      context.stdout.write(renderHuman(diagnostics, sources, summary, color));
    }

    const code = checkExitCode(summary, maxWarnings);
    if (summary.errors === 0 && code !== ExitCode.ok) {
      context.stderr.write(`kova check: ${summary.warnings} warnings is more than --max-warnings ${maxWarnings}\n`);
    }
    return code;
  },
});

function renderHuman(
  diagnostics: readonly Diagnostic[],
  sources: ReadonlyMap<string, SourceFile>,
  summary: CheckSummary,
  color: boolean,
): string {
  const blocks = diagnostics.map((d) => formatDiagnostic(d, sources.get(d.span.file), { color }) + "\n\n");
  const files = `${summary.files} file${summary.files === 1 ? "" : "s"}`;
  return `${blocks.join("")}checked ${files}: ${formatSummary(diagnostics)}\n`;
}
