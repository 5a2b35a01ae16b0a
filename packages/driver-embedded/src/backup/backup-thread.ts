/**
 * The backup thread's entry point: runs one backup (pack-backup.ts) and reports to the thread that
 * started it (write-backup.ts): `{ copied }` once the store has been copied, then `{ done }` or
 * `{ failed }`.
 *
 * It yields to the app twice over. Once the store is copied, its own thread is lowered to the
 * lowest CPU priority (nice 19), so the OS runs it on spare CPU first; on Linux a nice value
 * belongs to one thread, so the app's threads keep theirs. And while the app's event loop is busy (more than half of the last 100 ms,
 * measured by the app's thread and shared in `load`), it paces itself to a small share of one core,
 * since a priority cannot lower it below an app that already runs at nice 19.
 */
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { packBackup, type BackupJob } from "./pack-backup.js";

/** The share of one core the backup may use while the app is busy. */
const BUSY_SHARE = 0.1;
/** Event-loop utilisation, in thousandths, above which the app counts as busy. */
const BUSY_LOOP = 500;

const { job, load } = workerData as { job: BackupJob; load: Int32Array };

/**
 * Lowers this thread's priority, once the store is copied: the copy itself keeps the app's
 * priority, since the app's checkpoints wait for it (its WAL grows until then).
 */
function yieldToApp(): void {
  if (process.platform !== "linux") return; // elsewhere a nice value is the whole process's
  try {
    setPriority(19); // pid 0: on Linux, this thread only
  } catch {
    // Not allowed (a sandbox): the pacing below still applies.
  }
}

function pace(chunkMs: number): void {
  if (Atomics.load(load, 0) < BUSY_LOOP) return;
  // Sleeps on a cell nobody signals: a timed wait, without an event loop.
  Atomics.wait(load, 1, 0, Math.max(1, chunkMs) * (1 / BUSY_SHARE - 1));
}

try {
  const summary = packBackup(job, pace, () => {
    parentPort!.postMessage({ copied: true });
    yieldToApp();
  });
  parentPort!.postMessage({ done: summary });
} catch (error) {
  const e = error as Error & { code?: unknown };
  parentPort!.postMessage({ failed: { name: e.name, message: e.message, code: typeof e.code === "string" ? e.code : undefined } });
}
