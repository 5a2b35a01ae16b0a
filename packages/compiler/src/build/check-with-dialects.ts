import type { Dialect } from "@kova/query";
import { checkFiles, type CheckResult } from "../project/check-files.js";
import type { CompilerHost } from "../project/host.js";
import { sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import { lower } from "../ir/lower.js";
import { compilePlans } from "./compile-plans.js";

/** Finds the dialects of the named drivers; a driver left out of `dialects` is not checked here. */
export type DialectLoader = (drivers: Iterable<string>) => Promise<{ dialects: Map<string, Dialect> }>;

/**
 * `kova check` with the drivers' say: after the checker, every program that checks clean is lowered
 * and its queries compiled with the dialects of the drivers it names, so a query a driver cannot run
 * (e.g. a range scan on Redis) is reported by check as by build — every one, at its span. A driver
 * the loader cannot find is left to `kova build` to report. The loader is a parameter so that the
 * browser (which has no installed packages to import) passes the dialects it bundles.
 */
export async function checkWithDialects(paths: readonly string[], host: CompilerHost, load: DialectLoader): Promise<CheckResult> {
  const result = checkFiles(paths, host);
  if (result.diagnostics.some((d) => d.severity === "error")) return result;
  const refusals: Diagnostic[] = [];
  for (const program of result.programs) {
    const app = lower(program.model, { name: "" });
    const { dialects } = await load(app.dataSources.map((s) => s.driver));
    refusals.push(...compilePlans(app, dialects).diagnostics);
  }
  if (refusals.length === 0) return result;
  return { ...result, diagnostics: sortDiagnostics([...result.diagnostics, ...refusals]) };
}
