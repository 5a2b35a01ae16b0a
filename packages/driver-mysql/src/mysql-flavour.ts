/**
 * How MySQL/MariaDB spells what the SQL kernel (@kova/sql) writes: `?` placeholders, `<=>` for
 * null-safe equality, IN over JSON_TABLE, LIKE with `!` as its escape, `<=> 1` for a boolean
 * condition, and the largest BIGINT UNSIGNED as "no limit".
 */
import type { SqlFlavour } from "@kova/sql";
import { quoteIdent } from "./mysql-compiled.js";
import { encodeParam, listColumnType } from "./mysql-values.js";

export const mysqlFlavour: SqlFlavour = {
  dialect: "mysql",
  quoteIdent,
  placeholder: () => "?",
  encodeParam,
  true: "TRUE",
  false: "FALSE",
  // `<=>` is null-safe and still uses indexes; negated for `!=`.
  nullSafe: (op, left, right) => (op === "==" ? `(${left.sql} <=> ${right.sql})` : `(NOT (${left.sql} <=> ${right.sql}))`),
  inList(b, left, right) {
    const l = b.operand(left, undefined);
    const type = l.column?.type ?? "any";
    const list = b.value(right, { kind: "list", type }, { kind: "list", type });
    // One placeholder for the whole list: a JSON array unpacked by JSON_TABLE, so the SQL text
    // (and the server's prepared statement) does not depend on the list's length.
    const alias = `kova_list_${b.aliases++}`;
    return `(${l.sql} IN (SELECT ${alias}.v FROM JSON_TABLE(${list}, '$[*]' COLUMNS (v ${listColumnType(type)} PATH '$')) AS ${alias}))`;
  },
  like(b, left, right) {
    const [l, r] = b.pair(left, right);
    // Kova's LIKE: % and _, and `\` making the next character literal — MySQL's own escape, named
    // explicitly (the session's sql_mode keeps backslash escapes in literals, so '\\' is one).
    // Case-sensitivity comes from the binary collation of the columns and of the connection.
    return `(${l.sql} LIKE ${r.sql} ESCAPE '\\\\')`;
  },
  truthy: (sql) => `(${sql} <=> 1)`,
  // NULLs sort first ascending and last descending in MySQL already.
  // MySQL has no "no limit": the largest unsigned BIGINT stands for it (as its manual suggests).
  noLimit: "18446744073709551615",
};
