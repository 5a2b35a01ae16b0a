import { checkFiles, type CheckResult } from "../project/check-project.js";
import { nodeHost, type CompilerHost } from "../project/host.js";
import { sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import { lower } from "../ir/lower.js";
import { compilePlans } from "./compile-plans.js";
import { loadDialects } from "./dialects.js";

/**
 * `kova check` with the drivers' say: after the checker, every program that checks clean is lowered
 * and its queries compiled with the dialects of the drivers it names, so a query a driver cannot run
 * (e.g. a range scan on Redis) is reported by check as by build — every one, at its span. A driver
 * whose package is not installed is left to `kova build` to report.
 */
export async function checkWithDrivers(paths: readonly string[], host: CompilerHost = nodeHost): Promise<CheckResult> {
  const result = checkFiles(paths, host);
  if (result.diagnostics.some((d) => d.severity === "error")) return result;
  const refusals: Diagnostic[] = [];
  for (const program of result.programs) {
    const app = lower(program.model, { name: "" });
    const { dialects } = await loadDialects(app.dataSources.map((s) => s.driver));
    refusals.push(...compilePlans(app, dialects).diagnostics);
  }
  if (refusals.length === 0) return result;
  return { ...result, diagnostics: sortDiagnostics([...result.diagnostics, ...refusals]) };
}
