/**
 * "Did you mean …?" — the closest candidate by edit distance, if it is close enough to be a
 * plausible typo (at most a third of the name's length, and never more than 3 edits).
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === name) continue;
    // A difference of case only is always a good suggestion.
    const distance = candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase(), limit);
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * closestName, and failing that the longest candidate (3+ letters) that the name starts with, case
 * and underscores aside: `maxlen` → `max`, `lenght` → `len`. Only for short, fixed lists of names
 * (built-in functions, type options), where a longer spelling of a known word is a likely intent.
 */
export function closestOrPrefix(name: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  const close = closestName(name, list);
  if (close !== undefined) return close;
  const plain = name.toLowerCase().replace(/_/g, "");
  let best: string | undefined;
  for (const candidate of list) {
    const c = candidate.toLowerCase();
    if (c.length >= 3 && c !== plain && plain.startsWith(c) && (best === undefined || c.length > best.length)) best = candidate;
  }
  return best;
}

/** Damerau–Levenshtein (optimal string alignment) distance, giving up early past `limit`. */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const rows = a.length + 1;
  const cols = b.length + 1;
  let prevPrev: number[] = new Array(cols).fill(0);
  let prev: number[] = Array.from({ length: cols }, (_, j) => j);
  for (let i = 1; i < rows; i++) {
    const current: number[] = new Array(cols).fill(0);
    current[0] = i;
    let rowMin = current[0];
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(prev[j] + 1, current[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, prevPrev[j - 2] + 1);
      }
      current[j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > limit) return limit + 1;
    prevPrev = prev;
    prev = current;
  }
  return prev[cols - 1];
}
