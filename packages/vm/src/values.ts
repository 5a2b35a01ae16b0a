/**
 * Kova's value operations for the VM, with the same meaning as the JS back end's generated helpers
 * (compiler emit/js/helpers.ts) — but never reaching a prototype: members are own keys only, and
 * the objects the VM makes have no prototype at all, so `__proto__` and `constructor` are data.
 */
export type Value = unknown;

export function newObject(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** `object.key`: an own key of an object, an index of a list; anything else is null (undefined for an absent body field, as JS gives). */
export function member(object: unknown, key: unknown): unknown {
  if (object === null || object === undefined) return undefined;
  if (Array.isArray(object)) {
    if (typeof key === "number" && Number.isInteger(key) && key >= 0 && key < object.length) return object[key];
    if (typeof key === "string" && /^(0|[1-9]\d*)$/.test(key) && Number(key) < object.length) return object[Number(key)];
    if (key === "length") return object.length;
    return undefined;
  }
  if (typeof object === "string") {
    if (typeof key === "number" && Number.isInteger(key) && key >= 0 && key < object.length) return object[key];
    if (key === "length") return object.length;
    return undefined;
  }
  if (typeof object === "object") {
    const k = typeof key === "string" ? key : typeof key === "number" ? String(key) : null;
    if (k !== null && Object.hasOwn(object, k)) return (object as Record<string, unknown>)[k];
  }
  return undefined;
}

export function str(v: unknown): string {
  return v == null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
}

export function eq(a: unknown, b: unknown): boolean {
  return (a ?? null) === (b ?? null);
}

export function between(v: unknown, low: unknown, high: unknown): boolean {
  return v != null && low != null && high != null && (v as number) >= (low as number) && (v as number) <= (high as number);
}

export function inList(a: unknown, list: unknown): boolean {
  return Array.isArray(list) && list.some((b) => eq(a, b));
}

export function len(v: unknown): number {
  if (v == null) return 0;
  if (typeof v === "string" || Array.isArray(v)) return v.length;
  if (typeof v === "object") return Object.keys(v).length;
  return 0;
}

/**
 * `+` as JavaScript does it, without calling into an object: text joins (objects as JS would print
 * them: a list's items joined by commas, an object as "[object Object]"), numbers add.
 */
export function add(a: unknown, b: unknown): unknown {
  if (typeof a === "number" && typeof b === "number") return a + b;
  const primitive = (v: unknown): unknown => (Array.isArray(v) ? v.map((x) => (x == null ? "" : typeof x === "object" ? primitive(x) : String(x))).join(",") : v !== null && typeof v === "object" ? "[object Object]" : v);
  return (primitive(a) as number) + (primitive(b) as number);
}

/**
 * A value's estimated size in bytes (texts 2 per character; lists and objects their parts plus
 * headers). Texts and scalars inside a list or object are counted where they are met; only nested
 * lists and objects wait on the stack (query rows are flat objects: one pass, nothing pushed).
 */
export function sizeOf(v: unknown, budget: number): number {
  if (v === null || typeof v !== "object") return leafSize(v);
  let total = 0;
  const stack: object[] = [v];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (Array.isArray(x)) {
      total += 16 + 8 * x.length;
      for (let i = 0; i < x.length; i++) {
        const e: unknown = x[i];
        if (e !== null && typeof e === "object") stack.push(e);
        else total += leafSize(e);
      }
    } else {
      const keys = Object.keys(x);
      total += 32;
      for (let i = 0; i < keys.length; i++) {
        const e = (x as Record<string, unknown>)[keys[i]];
        total += 24 + 2 * keys[i].length;
        if (e !== null && typeof e === "object") stack.push(e);
        else total += leafSize(e);
      }
    }
    if (total > budget) return total;
  }
  return total;
}

function leafSize(v: unknown): number {
  return typeof v === "string" ? 16 + 2 * v.length : 8;
}

/**
 * LIKE without regular expressions: % any run, _ one character, \ makes the next literal. The
 * greedy two-pointer match backs up only to the last %, so it takes O(text × pattern) at worst.
 */
export function like(text: unknown, pattern: unknown): boolean {
  if (typeof text !== "string" || typeof pattern !== "string") return false;
  const t = Array.from(text);
  const tokens: Array<{ kind: "any" | "one" | "char"; ch?: string }> = [];
  const p = Array.from(pattern);
  for (let i = 0; i < p.length; i++) {
    if (p[i] === "\\" && i + 1 < p.length) tokens.push({ kind: "char", ch: p[++i] });
    else if (p[i] === "%") tokens.push({ kind: "any" });
    else if (p[i] === "_") tokens.push({ kind: "one" });
    else tokens.push({ kind: "char", ch: p[i] });
  }
  let ti = 0;
  let pi = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    const tok = tokens[pi];
    if (tok !== undefined && (tok.kind === "one" || (tok.kind === "char" && tok.ch === t[ti]))) {
      ti++;
      pi++;
    } else if (tok !== undefined && tok.kind === "any") {
      star = pi++;
      mark = ti;
    } else if (star !== -1) {
      pi = star + 1;
      ti = ++mark;
    } else return false;
  }
  while (pi < tokens.length && tokens[pi].kind === "any") pi++;
  return pi === tokens.length;
}
