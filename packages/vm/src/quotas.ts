import { HttpError } from "@kova/runtime/serve";

/** What one execution may use (docs/engine.md, "Quotas"). Every limit is checked by the VM itself. */
export interface Quotas {
  /** Instructions (and units of built-in work: characters scanned, elements sorted). */
  fuel: number;
  /** Wall-clock milliseconds from the start of the execution, queries included. */
  deadlineMs: number;
  /** Bytes allocated by texts, lists, objects and query results (counted as allocated, never given back). */
  memoryBytes: number;
  /** Nested FN calls. */
  stackDepth: number;
  /** Bytes of the JSON answer. */
  responseBytes: number;
  queries: number;
  /** Rows one query may return. */
  rowsPerQuery: number;
}

export const DEFAULT_QUOTAS: Readonly<Quotas> = {
  fuel: 10_000_000,
  deadlineMs: 2_000,
  memoryBytes: 64 * 1024 * 1024,
  stackDepth: 64,
  responseBytes: 8 * 1024 * 1024,
  queries: 100,
  rowsPerQuery: 10_000,
};

export type QuotaName = keyof Quotas;

const DESCRIBE: Record<QuotaName, (limit: number) => string> = {
  fuel: (n) => `its instruction budget (${n} instructions)`,
  deadlineMs: (n) => `its wall-clock deadline (${n} ms)`,
  memoryBytes: (n) => `its memory quota (${n} bytes allocated)`,
  stackDepth: (n) => `its stack depth (${n} nested calls)`,
  responseBytes: (n) => `its response size (${n} bytes)`,
  queries: (n) => `its query quota (${n} queries)`,
  rowsPerQuery: (n) => `its rows per query (${n} rows)`,
};

/** The problem an execution stopped by a quota answers with: 503 (other executions carry on), naming the quota. */
export class QuotaExceeded extends HttpError {
  constructor(readonly quota: QuotaName, readonly limit: number) {
    super(503, `the handler was stopped: it went over ${DESCRIBE[quota](limit)}`, { type: "urn:kova:problem:quota-exceeded", title: "quota exceeded", quota });
    this.name = "QuotaExceeded";
  }
}
