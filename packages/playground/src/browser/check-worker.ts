/**
 * The compiler in a dedicated worker: the page stays responsive whatever the program (garbage,
 * huge, half-typed), and a check that runs too long is stopped by terminating this worker
 * (check-client.ts). Requests: { id, root, files, runtimeUrl? }; answers: { id, diagnostics, build? }
 * or { id, error }. With `runtimeUrl`, a program that checks clean is also built for the browser
 * (its JS module, importing the runtime from that URL), so the page can run it.
 */
import type { Diagnostic } from "@kova/compiler/browser";
import { buildForBrowser, checkProject, type BrowserBuild } from "./compiler.js";

interface CheckRequest {
  id: number;
  root: string;
  files: Record<string, string>;
  runtimeUrl?: string;
}

const scope = globalThis as unknown as { onmessage: ((event: { data: CheckRequest }) => void) | null; postMessage(message: unknown): void };
scope.onmessage = (event) => {
  const { id, root, files, runtimeUrl } = event.data;
  const work: Promise<{ diagnostics: Diagnostic[]; build?: BrowserBuild }> = runtimeUrl === undefined ? checkProject([root], files).then((r) => ({ diagnostics: r.diagnostics })) : buildForBrowser(root, files, runtimeUrl);
  work.then(
    (result) => scope.postMessage({ id, ...result }),
    (error: unknown) => scope.postMessage({ id, error: error instanceof Error ? error.message : String(error) }),
  );
};
