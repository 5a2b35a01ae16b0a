/**
 * How SQLite spells what the SQL kernel (@kova/sql) writes: `?` placeholders, IS / IS NOT for
 * null-safe equality, IN over json_each, LIKE as GLOB (case-sensitive), 1/0 for constant truth.
 */
import type { SqlFlavour } from "@kova/sql";
import { encodeParam } from "./sqlite-values.js";

/** Quotes an identifier for SQLite ("a""b"); identifiers come from the schema, never from requests. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export const sqliteFlavour: SqlFlavour = {
  dialect: "sqlite",
  quoteIdent,
  placeholder: () => "?",
  encodeParam,
  true: "1",
  false: "0",
  // SQLite's IS / IS NOT are null-safe and still use indexes.
  nullSafe: (op, left, right) => `(${left.sql} ${op === "==" ? "IS" : "IS NOT"} ${right.sql})`,
  inList(b, left, right) {
    const l = b.operand(left, undefined);
    const type = l.column?.type ?? "any";
    // One placeholder for the whole list: a JSON array unpacked by json_each.
    return `(${l.sql} IN (SELECT value FROM json_each(${b.value(right, { kind: "list", type }, { kind: "list", type })})))`;
  },
  like(b, left, right) {
    // A value pattern (the usual case) is rewritten to GLOB when bound, escapes included.
    if (right.kind === "arg" || right.kind === "literal") return `(${b.operand(left, undefined).sql} GLOB ${b.value(right, { kind: "likeToGlob" }, { kind: "text" })})`;
    const [l, r] = b.pair(left, right);
    // SQLite's LIKE ignores case, its GLOB does not. The LIKE pattern is rewritten to GLOB in SQL:
    // GLOB's own wildcards are escaped first, then % → * and _ → ?.
    const glob = `replace(replace(replace(replace(replace(${r.sql}, '[', '[[]'), '*', '[*]'), '?', '[?]'), '%', '*'), '_', '?')`;
    return `(${l.sql} GLOB ${glob})`;
  },
  truthy: (sql) => `(${sql})`,
  // SQLite sorts NULLs first ascending and last descending already.
  noLimit: "-1",
};
