/**
 * Checks programs in the compiler worker with a time limit. Only the latest program matters: a
 * check still running when a newer one is asked for is left to finish and ignored. A check that
 * passes the limit is stopped (the worker is terminated and a fresh one started) and reported as
 * such, so a runaway compile never freezes the page or holds up the next keystroke's check.
 * Given the browser runtime's URL, a program that checks clean comes back built as well (BrowserBuild).
 */
import type { Diagnostic } from "@kova/compiler/browser";
import type { ProgramOutline } from "../tutorials/outline.js";
import type { BrowserBuild } from "./compiler.js";

/** `outline`: what the tutorials check (tutorials/outline.ts); undefined when the program has errors. */
export type CheckOutcome = { kind: "checked"; diagnostics: Diagnostic[]; outline: ProgramOutline | undefined; build?: BrowserBuild } | { kind: "stopped"; message: string } | { kind: "superseded" };

export class CheckClient {
  private worker: Worker | undefined;
  private next = 0;
  private pending: { id: number; settle: (outcome: CheckOutcome) => void; timer: ReturnType<typeof setTimeout> } | undefined;

  constructor(
    private readonly workerUrl: URL,
    readonly limitMs: number,
    /** Where the compiled program imports the runtime from; absent: check only. */
    private readonly runtimeUrl?: string,
  ) {}

  check(root: string, files: Record<string, string>): Promise<CheckOutcome> {
    this.pending?.settle({ kind: "superseded" });
    const worker = this.ensureWorker();
    const id = ++this.next;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.pending?.id !== id) return;
        // The compiler has no safe point to interrupt; the worker is discarded instead.
        this.worker?.terminate();
        this.worker = undefined;
        this.pending = undefined;
        resolve({ kind: "stopped", message: `checking took longer than ${this.limitMs} ms and was stopped; the page is still yours — edit the program to check again` });
      }, this.limitMs);
      this.pending = {
        id,
        timer,
        settle: (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        },
      };
      worker.postMessage({ id, root, files, runtimeUrl: this.runtimeUrl });
    });
  }

  private ensureWorker(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(this.workerUrl, { type: "module" });
    worker.onmessage = (event: MessageEvent<{ id: number; diagnostics?: Diagnostic[]; outline?: ProgramOutline; build?: BrowserBuild; error?: string }>) => {
      const pending = this.pending;
      if (pending === undefined || pending.id !== event.data.id) return;
      this.pending = undefined;
      const { diagnostics, outline, build, error } = event.data;
      pending.settle(diagnostics !== undefined ? { kind: "checked", diagnostics, outline, ...(build === undefined ? {} : { build }) } : { kind: "stopped", message: `the compiler failed: ${error}` });
    };
    this.worker = worker;
    return worker;
  }
}
