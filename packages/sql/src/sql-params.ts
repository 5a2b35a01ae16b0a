/**
 * Parameter encoding, the same shape in every flavour: a flavour supplies how one value compares
 * like with like against a column type (`lenient`), how a list is bound and how an AS OF instant
 * is bound; LIMIT/OFFSET and the AS OF range rule are the kernel's, so every driver answers alike.
 */
import { asOfMs, countValue, listItems } from "@kova/query";
import type { Encoding, ListType } from "./sql-compiled.js";

export interface ParamRules<V> {
  /** One value against a column of `type` (a "42" path parameter against an int column, …). */
  lenient(type: ListType, value: unknown): V;
  /** The encoded items of an IN list, as bound to its one placeholder. */
  list(items: V[]): unknown;
  /** An AS OF instant (epoch ms, always within a Date's range) as bound. */
  asOf(ms: number): unknown;
}

export function paramEncoder<V>(rules: ParamRules<V>): (encoding: Encoding, value: unknown) => unknown {
  return (encoding, value) => {
    switch (encoding.kind) {
      case "scalar":
        return rules.lenient(encoding.type, value);
      case "instant":
        return rules.lenient("instant", value);
      case "any":
        return rules.lenient("any", value);
      case "list":
        return rules.list(listItems(value).map((item) => rules.lenient(encoding.type, item)));
      case "count":
        return countValue(value, encoding.clause);
      case "asOf":
        return rules.asOf(asOfMs(value));
      case "likeToGlob":
        return value === null || value === undefined ? null : likeToGlob(String(value));
    }
  };
}

/**
 * Kova's LIKE pattern as a GLOB pattern (SQLite's case-sensitive match): `%` → `*`, `_` → `?`, a
 * character after `\` literal; GLOB's own `[`, `*`, `?` are bracketed so they match themselves.
 */
export function likeToGlob(pattern: string): string {
  let out = "";
  const literal = (ch: string) => (ch === "[" || ch === "*" || ch === "?" ? `[${ch}]` : ch);
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (ch === "\\" && i + 1 < chars.length) out += literal(chars[++i]);
    else if (ch === "%") out += "*";
    else if (ch === "_") out += "?";
    else out += literal(ch);
  }
  return out;
}
