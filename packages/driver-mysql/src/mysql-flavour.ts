/**
 * How MySQL/MariaDB spells what the SQL kernel (@kova/sql) writes: `?` placeholders, `<=>` for
 * null-safe equality, IN over JSON_TABLE, LIKE with `!` as its escape, `<=> 1` for a boolean
 * condition, and the largest BIGINT UNSIGNED as "no limit".
 */
import type { Operand } from "@kova/query";
import { historyColumn, historyTable, orderText, sqlString, type GraphFlavour, type SqlFlavour } from "@kova/sql";
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
    const alias = `kova_list_${b.root.aliases++}`;
    return `(${l.sql} IN (SELECT ${alias}.v FROM JSON_TABLE(${list}, '$[*]' COLUMNS (v ${listColumnType(type)} PATH '$')) AS ${alias}))`;
  },
  like(b, left, right) {
    const [l, r] = b.pair(left, right);
    // Kova's LIKE: % and _, and `\` making the next character literal — MySQL's own escape, named
    // explicitly (the session's sql_mode keeps backslash escapes in literals, so '\\' is one).
    // Case-sensitivity comes from the binary collation of the columns and of the connection.
    return `(${l.sql} LIKE ${r.sql} ESCAPE '\\\\')`;
  },
  concat: (parts) => `CONCAT(${parts.join(", ")})`,
  asText: (sql) => `CAST(${sql} AS CHAR)`,
  // Adding a double turns SUM/AVG's DECIMAL into a DOUBLE (mysql2 returns DECIMALs as strings).
  asFloat: (sql) => `(${sql} + 0e0)`,
  // Path keys are source identifiers ([A-Za-z_][A-Za-z0-9_]*), never values; a JSON null reads as NULL.
  jsonText: (sql, path) => {
    const at = `JSON_EXTRACT(${sql}, '$${path.map((k) => `.${k}`).join("")}')`;
    // CAST … AS CHAR takes the connection's collation, the one the parameters have (JSON_UNQUOTE's
    // own is utf8mb4_bin, which MariaDB refuses to compare with utf8mb4_nopad_bin).
    return `(CASE WHEN JSON_TYPE(${at}) = 'NULL' THEN NULL ELSE CAST(JSON_UNQUOTE(${at}) AS CHAR) END)`;
  },
  // As JSON text (CAST): mysql2 would parse a JSON-typed result itself, and a string would then be
  // read back as JSON once more.
  jsonValue: (sql, path) => `CAST(JSON_EXTRACT(${sql}, '$${path.map((k) => `.${k}`).join("")}') AS CHAR)`,
  jsonNumber: (sql, path) => {
    const at = `JSON_EXTRACT(${sql}, '$${path.map((k) => `.${k}`).join("")}')`;
    return `(CASE WHEN JSON_TYPE(${at}) IN ('INTEGER', 'DOUBLE', 'DECIMAL', 'UNSIGNED INTEGER') THEN CAST(${at} AS DOUBLE) END)`;
  },
  truthy: (sql) => `(${sql} <=> 1)`,
  // A list is a JSON array; JSON_CONTAINS of a null list is NULL, and `<=> 1` makes that false.
  contains: (column, item) => `(JSON_CONTAINS(${column}, JSON_ARRAY(${item})) <=> 1)`,
  // NULLs sort first ascending and last descending in MySQL already.
  // MySQL has no "no limit": the largest unsigned BIGINT stands for it (as its manual suggests).
  noLimit: "18446744073709551615",
};

/**
 * JSON building for selects with related rows. MariaDB cannot see an outer row from inside a
 * derived table, so a list is one JSON_ARRAYAGG with its own ORDER BY and LIMIT over the related
 * rows. AS OF reads each id's newest version at or before the instant (ROW_NUMBER), unless it is a delete.
 */
/**
 * MariaDB takes only a constant as the LIMIT of JSON_ARRAYAGG (a prepared statement's `?` there is
 * "Limit only accepts integer values"), so a constant from the source is written as digits (it is
 * the program's, never a request's) and a value known only at run time is refused at build time.
 */
function constantLimit(limit: Operand | null): string | null {
  if (limit === null) return null;
  if (limit.kind === "literal" && typeof limit.value === "number" && Number.isSafeInteger(limit.value) && limit.value >= 0) return String(limit.value);
  throw new Error(
    "MariaDB/MySQL take only a constant LIMIT inside a related list (comments { … LIMIT 3 }); this one is computed at run time. " +
      "Write a number, or limit the outer query instead",
  );
}

export const mysqlGraph: GraphFlavour = {
  jsonObject: (pairs) => `JSON_OBJECT(${pairs.map(([k, v]) => `${sqlString(k)}, ${v}`).join(", ")})`,
  // A json (or list) column keeps its own collation (utf8mb4_bin on MariaDB), which JSON_OBJECT
  // refuses to mix with the text columns' (ER_CANT_AGGREGATE_NCOLLATIONS): read it as text in the
  // connection's collation, then as JSON again.
  jsonValue: (sql, type) => (type === "json" ? `JSON_EXTRACT(CAST(${sql} AS CHAR), '$')` : sql),
  embed: (sql) => sql,
  jsonList(rows) {
    const value = rows.value();
    const order = orderText(mysqlFlavour, rows.order());
    const limit = constantLimit(rows.limitOperand);
    return `(SELECT COALESCE(JSON_ARRAYAGG(${value} ORDER BY ${order}${limit === null ? "" : ` LIMIT ${limit}`}), JSON_ARRAY()) FROM ${rows.from()})`;
  },
  asOfSource(b, entity, instant) {
    const h = quoteIdent(b.uniqueAlias("kova_h"));
    const latest =
      `SELECT ${h}.*, ROW_NUMBER() OVER (PARTITION BY ${h}.\`id\` ORDER BY ${h}.\`at\` DESC, ${h}.\`version\` DESC) AS \`kova_rank\`` +
      ` FROM ${quoteIdent(historyTable(entity))} AS ${h} WHERE ${h}.\`at\` <= ${instant()}`;
    const columns = [`${h}.\`id\` AS \`id\``, ...entity.fields.map((f) => `${h}.${quoteIdent(historyColumn(f.name))} AS ${quoteIdent(f.name)}`)];
    return `(SELECT ${columns.join(", ")} FROM (${latest}) AS ${h} WHERE ${h}.\`kova_rank\` = 1 AND ${h}.\`op\` <> 'delete')`;
  },
};
