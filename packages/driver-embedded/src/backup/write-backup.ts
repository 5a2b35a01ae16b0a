/**
 * Writes a backup file (backup-format.ts) of a store while the app keeps using it. The work runs
 * on a thread of its own (backup-thread.ts, pack-backup.ts): the app's thread only starts it,
 * shares how busy it is, and hears when the store has been copied (`onCopied`: the caller may let
 * the store file change again) and when the file is written.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { StoreKeyError } from "../store/open-store.js";
import type { BackupJob, BackupSource, BackupSummary } from "./pack-backup.js";

export type { BackupSource, BackupSummary } from "./pack-backup.js";

/**
 * The backup thread's file: beside this one, or — in a server bundled by `kova build`, where this
 * code runs from a chunk of dist/server/ — the package's own file, found by its export name.
 */
function threadFile(): URL | string {
  const beside = new URL("./backup-thread.js", import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  return createRequire(import.meta.url).resolve("@kova/driver-embedded/backup-thread");
}

/** How often the app's thread tells the backup thread how busy it is. */
const SAMPLE_MS = 100;

interface Failure {
  name: string;
  message: string;
  code?: string;
}

function rebuild(failure: Failure): Error {
  const error = failure.name === "StoreKeyError" ? new StoreKeyError(failure.message) : new Error(failure.message);
  if (failure.code !== undefined) Object.assign(error, { code: failure.code });
  return error;
}

export function writeBackup(source: BackupSource, output: string, options: { key?: string; onCopied?: () => void }): Promise<BackupSummary> {
  const job: BackupJob = { source, output, ...(options.key === undefined ? {} : { key: options.key }) };
  // [0]: the app's event-loop utilisation over the last sample, in thousandths; [1]: the thread's sleep cell.
  const load = new Int32Array(new SharedArrayBuffer(8));
  let last = performance.eventLoopUtilization();
  const sampler = setInterval(() => {
    const now = performance.eventLoopUtilization();
    Atomics.store(load, 0, Math.round(performance.eventLoopUtilization(now, last).utilization * 1000));
    last = now;
  }, SAMPLE_MS);
  let copied = false;
  const markCopied = (): void => {
    if (copied) return;
    copied = true;
    options.onCopied?.();
  };
  return new Promise<BackupSummary>((resolve, reject) => {
    const thread = new Worker(threadFile(), { workerData: { job, load } });
    let settled = false;
    const settle = (error: Error | undefined, summary?: BackupSummary): void => {
      if (settled) return;
      settled = true;
      clearInterval(sampler);
      markCopied();
      if (error === undefined) resolve(summary!);
      else reject(error);
    };
    thread.on("message", (message: { copied?: true; done?: BackupSummary; failed?: Failure }) => {
      if (message.copied) markCopied();
      else if (message.done !== undefined) settle(undefined, message.done);
      else if (message.failed !== undefined) settle(rebuild(message.failed));
    });
    thread.on("error", (error) => settle(error));
    thread.on("exit", (code) => settle(new Error(`the backup thread stopped (exit code ${code}) before writing ${output}`)));
  });
}
