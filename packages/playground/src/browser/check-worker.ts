/**
 * The compiler in a dedicated worker: the page stays responsive whatever the program (garbage,
 * huge, half-typed), and a check that runs too long is stopped by terminating this worker
 * (check-client.ts). Requests: { id, root, files, runtimeUrl? }; answers: { id, diagnostics, outline, build? }
 * or { id, error }. With `runtimeUrl`, a program that checks clean is also built for the browser
 * (its JS module, importing the runtime from that URL), so the page can run it. The outline
 * (tutorials/outline.ts) is what the tutorials' checks read.
 */
import type { Diagnostic } from "@kova/compiler/browser";
import { outlineApp, outlineProgram, type ProgramOutline } from "../tutorials/outline.js";
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
  // Lowering for the outline is the compiler too: if it throws, the page says the compiler failed.
  const work: Promise<{ diagnostics: Diagnostic[]; outline: ProgramOutline | undefined; build?: BrowserBuild }> =
    runtimeUrl === undefined
      ? checkProject([root], files).then((r) => ({ diagnostics: r.diagnostics, outline: outlineProgram(r, files) }))
      : buildForBrowser(root, files, runtimeUrl).then(({ diagnostics, build, program }) => ({
          diagnostics,
          outline: program === undefined ? undefined : outlineApp(program),
          ...(build === undefined ? {} : { build }),
        }));
  work.then(
    (result) => scope.postMessage({ id, ...result }),
    (error: unknown) => scope.postMessage({ id, error: error instanceof Error ? error.message : String(error) }),
  );
};
