/**
 * Transaction scope, the same for every SQL driver: which transaction the running async code
 * belongs to (so work inside `transaction()` that calls the driver instead of its `tx` runs in the
 * transaction rather than waiting for it, or escaping it), and executors that refuse statements
 * once their transaction has ended.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { CompiledQuery, Executor } from "@kova/query";

/** A transaction in progress; a driver adds its connection (and whatever else it keeps). */
export interface OpenTransaction {
  finished: boolean;
}

export class TransactionScope<T extends OpenTransaction> {
  private readonly store = new AsyncLocalStorage<T>();

  /** The open transaction the running async code belongs to; undefined outside one or once it ended. */
  current(): T | undefined {
    const open = this.store.getStore();
    return open === undefined || open.finished ? undefined : open;
  }

  /** Runs `work` (and every async continuation of it) inside `open`. */
  run<R>(open: T, work: () => Promise<R>): Promise<R> {
    return this.store.run(open, work);
  }
}

/** The `tx` a transaction's work receives: runs statements in it, refuses them after it ended. */
export function transactionExecutor(open: OpenTransaction, execute: (query: CompiledQuery, args: readonly unknown[]) => Promise<unknown>): Executor {
  return {
    execute: async (query, args) => {
      if (open.finished) throw new Error("this transaction has already finished; run statements inside its work function");
      return execute(query, args);
    },
  };
}
