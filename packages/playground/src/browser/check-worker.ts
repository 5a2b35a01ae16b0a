/**
 * The compiler in a dedicated worker: the page stays responsive whatever the program (garbage,
 * huge, half-typed), and a check that runs too long is stopped by terminating this worker
 * (check-client.ts). Requests: { id, root, files }; answers: { id, diagnostics } or { id, error }.
 */
import { checkProject } from "./compiler.js";

const scope = globalThis as unknown as { onmessage: ((event: { data: { id: number; root: string; files: Record<string, string> } }) => void) | null; postMessage(message: unknown): void };
scope.onmessage = (event) => {
  const { id, root, files } = event.data;
  checkProject([root], files).then(
    (result) => scope.postMessage({ id, diagnostics: result.diagnostics }),
    (error: unknown) => scope.postMessage({ id, error: error instanceof Error ? error.message : String(error) }),
  );
};
