import { formatDiagnostic, formatSummary, type SourceFile } from "@kova/compiler";
import type { OutputStream } from "../command.js";
import type { BuildResult } from "./build-app.js";

/** Prints a failed build's diagnostics and errors (the same format as `kova check`). */
export function reportBuildFailure(result: BuildResult, out: OutputStream, color: boolean): void {
  const sources = new Map<string, SourceFile>(result.check.files.map((f) => [f.file, f.source]));
  for (const d of result.check.diagnostics) out.write(formatDiagnostic(d, sources.get(d.span.file), { color }) + "\n\n");
  for (const e of result.errors) out.write(`error: ${e}\n`);
  if (result.check.diagnostics.length > 0) out.write(`build failed: ${formatSummary(result.check.diagnostics)}\n`);
}

/** `GET    /todos/:id` lines, aligned. */
export function routeTable(routes: BuildResult["routes"], url: string): string {
  return routes.map((r) => `  ${r.method.padEnd(6)} ${url}${r.path}`).join("\n") + "\n";
}
