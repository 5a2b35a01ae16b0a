/**
 * The compiler in a dedicated worker: the page stays responsive whatever the program (garbage,
 * huge, half-typed), and a check that runs too long is stopped by terminating this worker
 * (check-client.ts). Requests: { id, root, files }; answers: { id, diagnostics, outline } or
 * { id, error }. The outline (tutorials/outline.ts) is what the tutorials' checks read.
 */
import { outlineProgram } from "../tutorials/outline.js";
import { checkProject } from "./compiler.js";

const scope = globalThis as unknown as { onmessage: ((event: { data: { id: number; root: string; files: Record<string, string> } }) => void) | null; postMessage(message: unknown): void };
scope.onmessage = (event) => {
  const { id, root, files } = event.data;
  // Lowering for the outline is the compiler too: if it throws, the page says the compiler failed.
  checkProject([root], files)
    .then((result) => ({ diagnostics: result.diagnostics, outline: outlineProgram(result, files) }))
    .then(
      (checked) => scope.postMessage({ id, ...checked }),
      (error: unknown) => scope.postMessage({ id, error: error instanceof Error ? error.message : String(error) }),
    );
};
