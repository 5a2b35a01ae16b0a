/**
 * Bounds an execution that waits on queries by its deadline. One sweep every SWEEP_MS for the whole
 * process (only while some execution is waiting) instead of a timer and a Promise.race per query;
 * a late execution is answered within SWEEP_MS of its deadline (the bound is 10 ms), and
 * its loop stops as the query it waits on returns.
 */
const SWEEP_MS = 4;

interface Waiting {
  deadline: number;
  late: () => void;
}

const waiting = new Set<Waiting>();
let sweeper: NodeJS.Timeout | undefined;

function sweep(): void {
  const now = performance.now();
  for (const w of waiting) {
    if (now > w.deadline) {
      waiting.delete(w);
      w.late();
    }
  }
  if (waiting.size === 0 && sweeper !== undefined) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

/** `work`'s result, or `onLate()`'s error once `deadline` (performance.now() time) has passed. */
export function withinDeadline<T>(work: Promise<T>, deadline: number, onLate: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const w: Waiting = { deadline, late: () => reject(onLate()) };
    waiting.add(w);
    if (sweeper === undefined) {
      sweeper = setInterval(sweep, SWEEP_MS);
      sweeper.unref();
    }
    work.then(
      (value) => {
        waiting.delete(w);
        resolve(value);
      },
      (error: unknown) => {
        waiting.delete(w);
        reject(error);
      },
    );
  });
}
