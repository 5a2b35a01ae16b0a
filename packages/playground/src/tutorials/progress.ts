/**
 * Tutorial progress, kept in localStorage so a reload (or coming back tomorrow) resumes where the
 * reader was: the open tutorial, the step in each, the steps done, and the program as last
 * checked. Storage that is missing, full or refused (a private window) only means nothing is kept.
 */
export interface Progress {
  /** The open tutorial's id, or null for free play. */
  active: string | null;
  /** By tutorial id: the step the reader is on. */
  step: Record<string, number>;
  /** By tutorial id: the steps found done. */
  done: Record<string, number[]>;
  /** By tutorial id: the reader's program. */
  program: Record<string, string>;
}

export const PROGRESS_KEY = "kova-playground:tutorials";

type KeyValueStorage = Pick<Storage, "getItem" | "setItem">;

export function emptyProgress(): Progress {
  return { active: null, step: {}, done: {}, program: {} };
}

/** The saved progress; anything unreadable (another version's, hand-edited) starts afresh. */
export function loadProgress(storage: KeyValueStorage | undefined): Progress {
  try {
    const saved = JSON.parse(storage?.getItem(PROGRESS_KEY) ?? "null") as Partial<Progress> | null;
    if (saved === null || typeof saved !== "object") return emptyProgress();
    const record = <T>(value: unknown, valid: (item: unknown) => item is T): Record<string, T> =>
      value !== null && typeof value === "object" ? Object.fromEntries(Object.entries(value).filter(([, v]) => valid(v))) : {};
    return {
      active: typeof saved.active === "string" ? saved.active : null,
      step: record(saved.step, (v): v is number => Number.isInteger(v) && (v as number) >= 0),
      done: record(saved.done, (v): v is number[] => Array.isArray(v) && v.every((i) => Number.isInteger(i))),
      program: record(saved.program, (v): v is string => typeof v === "string"),
    };
  } catch {
    return emptyProgress();
  }
}

export function saveProgress(storage: KeyValueStorage | undefined, progress: Progress): void {
  try {
    storage?.setItem(PROGRESS_KEY, JSON.stringify(progress));
  } catch {
    // Full or refused: the tutorial goes on, it just will not resume after a reload.
  }
}

/** The page's localStorage, or undefined where reading it throws (storage disabled). */
export function browserStorage(): KeyValueStorage | undefined {
  try {
    return globalThis.localStorage ?? undefined;
  } catch {
    return undefined;
  }
}
