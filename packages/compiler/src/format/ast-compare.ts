import { isDeepStrictEqual } from "node:util";
import type { Program } from "../ast/nodes.js";

/** Span fields say where a node was, not what it means: formatting moves them, and nothing else. */
const POSITION_KEYS: ReadonlySet<string> = new Set(["span", "sourceSpan"]);

/** A deep copy of an AST without its spans, for comparing the meaning of two programs. */
export function stripSpans(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripSpans);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) if (!POSITION_KEYS.has(key)) out[key] = stripSpans(value);
  return out;
}

/** True when two programs are the same tree once spans are ignored. */
export function sameProgram(a: Program, b: Program): boolean {
  return isDeepStrictEqual(stripSpans(a), stripSpans(b));
}

/** The first path at which two span-less trees differ, for a readable failure message. */
export function firstDifference(a: unknown, b: unknown, path = "program"): string | null {
  if (isDeepStrictEqual(a, b)) return null;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object" || Array.isArray(a) !== Array.isArray(b)) {
    return `${path}: ${JSON.stringify(a)?.slice(0, 80)} ≠ ${JSON.stringify(b)?.slice(0, 80)}`;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const found = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
    if (found !== null) return found;
  }
  return `${path}: differs`;
}
