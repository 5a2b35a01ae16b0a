import { bytecode } from "@kova/compiler";
import { builtins as kb, hashToken, KovaTypeError, randomToken } from "@kova/runtime/serve";
import { randomUUID } from "node:crypto";
import { isObject, len, newObject, str } from "./values.js";

/** What a built-in may charge: fuel for work done, memory before it allocates. */
export interface Meter {
  fuel(units: number): void;
  /** Charges bytes about to be allocated (throws when over the quota). */
  alloc(bytes: number): void;
  /** Charges a structure about to be turned into text. */
  measure(v: unknown): void;
}

type Builtin = (meter: Meter, args: unknown[]) => unknown;

const regexes = new Map<string, bytecode.LinearRegex>();

function regex(pattern: unknown): bytecode.LinearRegex {
  if (typeof pattern !== "string") throw new KovaTypeError("matches() needs text, got " + (pattern === null ? "null" : typeof pattern));
  let re = regexes.get(pattern);
  if (re === undefined) {
    try {
      re = bytecode.compileRegex(pattern);
    } catch (error) {
      throw new KovaTypeError(`matches() cannot run the pattern ${JSON.stringify(pattern)}: it ${(error as Error).message}`);
    }
    if (regexes.size < 1000) regexes.set(pattern, re);
  }
  return re;
}

function text(fn: string, v: unknown): string {
  if (typeof v !== "string") throw new KovaTypeError(`${fn}() needs text, got ${v === null || v === undefined ? "null" : typeof v}`);
  return v;
}

function list(fn: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) throw new KovaTypeError(`${fn}() needs a list`);
  return v;
}

function record(fn: string, v: unknown): Record<string, unknown> {
  if (!isObject(v)) throw new KovaTypeError(`${fn}() needs an object`);
  return v;
}

/** A row's field, own keys only (a "constructor" field name reads nothing inherited). */
function field(fn: string, item: unknown, key: unknown): unknown {
  if (key === undefined || key === null) return item;
  const k = text(fn, key);
  const row = record(fn, item);
  return Object.hasOwn(row, k) ? row[k] : undefined;
}

const plain = (f: (...a: unknown[]) => unknown): Builtin => (_m, a) => f(...a);

/** Texts that grow: their size is known before they are made, and charged first. */
function padded(fn: "pad" | "pad_end"): Builtin {
  return (m, [value, width, fill]) => {
    if (typeof width === "number" && width > 0) m.alloc(2 * Math.min(width, 2 ** 30));
    return kb[fn](value, width, fill);
  };
}

export const VM_BUILTIN_FUNCTIONS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ["number", plain((v) => Number(v))],
  ["string", (m, [v]) => (m.measure(v), str(v))],
  ["lower", (m, [v]) => (m.measure(v), str(v).toLowerCase())],
  ["upper", (m, [v]) => (m.measure(v), m.alloc(6 * str(v).length), str(v).toUpperCase())],
  ["trim", (m, [v]) => (m.measure(v), str(v).trim())],
  ["slug", plain(kb.slug)],
  ["substring", plain(kb.substring)],
  ["replace", (m, [v, find, by]) => {
    const t = text("replace", v);
    const f = text("replace", find);
    const w = text("replace", by);
    m.fuel(t.length);
    const count = f === "" ? t.length + 1 : t.split(f).length - 1;
    m.alloc(2 * (t.length + count * Math.max(0, w.length - f.length)));
    return kb.replace(t, f, w);
  }],
  ["starts_with", plain(kb.starts_with)],
  ["ends_with", plain(kb.ends_with)],
  ["pad", padded("pad")],
  ["pad_end", padded("pad_end")],
  ["matches", (m, [v, pattern]) => {
    const re = regex(pattern);
    const t = text("matches", v);
    return re.test(t, (threads) => m.fuel(1 + threads));
  }],
  ["format", (m, [template, values]) => {
    const t = text("format", template);
    const fields = record("format", values);
    m.measure(fields);
    const longest = Math.max(0, ...Object.values(fields).map((x) => str(x).length));
    m.alloc(2 * (t.length + (t.split("{").length - 1) * longest));
    return kb.format(t, fields);
  }],
  ["split", (m, [v, sep]) => (m.fuel(str(v).length), m.alloc(24 * str(v).length), kb.split(v, sep))],
  ["pattern", plain((v) => v)],
  ["round", plain(kb.round)],
  ["floor", plain(kb.floor)],
  ["ceil", plain(kb.ceil)],
  ["abs", plain(kb.abs)],
  ["min", (m, a) => (m.fuel(Array.isArray(a[0]) ? a[0].length : a.length), kb.min(...a))],
  ["max", (m, a) => (m.fuel(Array.isArray(a[0]) ? a[0].length : a.length), kb.max(...a))],
  ["len", plain(len)],
  ["sum", (m, [items, key]) => {
    let total = 0;
    for (const item of list("sum", items)) {
      const v = field("sum", item, key);
      if (v !== null && v !== undefined) {
        if (typeof v !== "number") throw new KovaTypeError("sum() needs numbers");
        total += v;
      }
    }
    m.fuel(list("sum", items).length);
    return total;
  }],
  ["sort", (m, [items, key, order]) => {
    const l = list("sort", items);
    m.fuel(l.length * Math.ceil(Math.log2(l.length + 2)));
    m.alloc(16 + 8 * l.length);
    const keyed = l.map((item) => ({ item, k: field("sort", item, key) }));
    const direction = order === "desc" ? -1 : 1;
    return stableSort(keyed, direction).map((x) => x.item);
  }],
  ["unique", (m, [items, key]) => {
    const l = list("unique", items);
    m.fuel(l.length);
    m.measure(l);
    const seen = new Set<string>();
    const out: unknown[] = [];
    for (const item of l) {
      const k = JSON.stringify(field("unique", item, key) ?? null);
      m.alloc(2 * k.length);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(item);
    }
    return out;
  }],
  ["join", (m, [items, separator]) => {
    const l = list("join", items);
    const sep = separator === undefined ? "," : text("join", separator);
    m.fuel(l.length);
    m.measure(l);
    m.alloc(2 * sep.length * Math.max(0, l.length - 1));
    return kb.join(l, sep);
  }],
  ["contains", (m, [container, item]) => (m.fuel(typeof container === "string" ? container.length * Math.max(1, str(item).length) : len(container)), kb.contains(container, item))],
  ["keys", plain((v) => Object.keys(record("keys", v)))],
  ["values", plain((v) => Object.values(record("values", v)))],
  ["omit", (_m, [v, ...names]) => {
    const out = copy(record("omit", v));
    for (const n of names) delete out[text("omit", n)];
    return out;
  }],
  ["pick", (_m, [v, ...names]) => {
    const source = record("pick", v);
    const out = newObject();
    for (const n of names) {
      const k = text("pick", n);
      if (Object.hasOwn(source, k)) out[k] = source[k];
    }
    return out;
  }],
  ["without_fields", (_m, [v, ...names]) => withoutFields(v, names as string[])],
  ["now", plain(() => new Date().toISOString())],
  ["uuid", plain(() => randomUUID())],
  ["date_trunc", plain(kb.date_trunc)],
  ["iso", plain(kb.iso)],
  ["format_date", plain(kb.format_date)],
  ["epoch_ms", plain(kb.epoch_ms)],
  ["year", plain(kb.year)], ["month", plain(kb.month)], ["day", plain(kb.day)], ["hour", plain(kb.hour)],
  ["minute", plain(kb.minute)], ["second", plain(kb.second)], ["weekday", plain(kb.weekday)],
  ["days", plain(kb.days)], ["hours", plain(kb.hours)], ["minutes", plain(kb.minutes)], ["seconds", plain(kb.seconds)],
  ["date_add", plain(kb.date_add)],
  ["date_diff", plain(kb.date_diff)],
  ["like_escape", plain(kb.like_escape)],
  ["hash_token", (m, [v]) => (m.measure(v), m.fuel(str(v).length), hashToken(v as string))],
  ["random_token", (m, [bytes]) => {
    if (typeof bytes === "number") m.alloc(4 * Math.min(bytes, 2 ** 30));
    return randomToken(bytes as number | undefined);
  }],
]);

for (const name of bytecode.VM_BUILTINS) if (!VM_BUILTIN_FUNCTIONS.has(name)) throw new Error(`internal: the VM has no ${name}()`);

function stableSort<T extends { k: unknown }>(items: T[], direction: number): T[] {
  return [...items].sort((a, b) => direction * compare(a.k, b.k));
}

function compare(a: unknown, b: unknown): number {
  if (a == null) return b == null ? 0 : 1;
  if (b == null) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  const x = str(a);
  const y = str(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function copy(o: Record<string, unknown>): Record<string, unknown> {
  const out = newObject();
  for (const k of Object.keys(o)) out[k] = o[k];
  return out;
}

function withoutFields(value: unknown, names: string[]): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((row) => withoutFields(row, names));
  const out = copy(value as Record<string, unknown>);
  for (const n of names) delete out[n];
  return out;
}
