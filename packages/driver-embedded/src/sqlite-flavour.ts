/**
 * How SQLite spells what the SQL kernel (@kova/sql) writes: `?` placeholders, IS / IS NOT for
 * null-safe equality, IN over json_each, LIKE as GLOB (case-sensitive), 1/0 for constant truth.
 */
import { derivedList, historyColumn, historyTable, sqlString, type GraphFlavour, type SqlFlavour } from "@kova/sql";
import { encodeParam } from "./sqlite-values.js";

/** Quotes an identifier for SQLite ("a""b"); identifiers come from the schema, never from requests. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `$.a.b`: a JSON path of identifier keys (SQLite and MySQL spell it alike). */
export function jsonPath(path: readonly string[]): string {
  return `$${path.map((key) => `.${key}`).join("")}`;
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
  concat: (parts) => `(${parts.join(" || ")})`,
  asText: (sql) => `CAST(${sql} AS TEXT)`,
  asFloat: (sql) => `CAST(${sql} AS REAL)`,
  // Path keys are source identifiers ([A-Za-z_][A-Za-z0-9_]*), never values.
  jsonText: (sql, path) =>
    `(CASE json_type(${sql}, '${jsonPath(path)}') WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'null' THEN NULL ELSE CAST(json_extract(${sql}, '${jsonPath(path)}') AS TEXT) END)`,
  jsonValue: (sql, path) => `(${sql} -> '${jsonPath(path)}')`,
  jsonNumber: (sql, path) => `(CASE json_type(${sql}, '${jsonPath(path)}') WHEN 'integer' THEN json_extract(${sql}, '${jsonPath(path)}') WHEN 'real' THEN json_extract(${sql}, '${jsonPath(path)}') END)`,
  // A list is JSON array text; json_each of a null list has no rows, so the test is false.
  contains: (column, item) => `EXISTS (SELECT 1 FROM json_each(${column}) WHERE json_each.value = ${item})`,
  truthy: (sql) => `(${sql})`,
  // SQLite sorts NULLs first ascending and last descending already.
  noLimit: "-1",
};

/**
 * JSON building for selects with related rows: json_object, json_group_array (ordered by its keys,
 * SQLite ≥ 3.44), json() to nest JSON text read from a subquery. AS OF reads each id's newest
 * version at or before the instant, unless that version is a delete.
 */
export const sqliteGraph: GraphFlavour = {
  jsonObject: (pairs) => `json_object(${pairs.map(([k, v]) => `${sqlString(k)}, ${v}`).join(", ")})`,
  jsonValue: (sql, type) => (type === "json" ? `json(${sql})` : sql),
  embed: (sql) => `json(${sql})`,
  jsonList: (rows) => derivedList(rows, (value, order) => `json_group_array(json(${value}) ORDER BY ${order})`),
  asOfSource(b, entity, instant) {
    const h = quoteIdent(b.uniqueAlias("kova_h"));
    const v = quoteIdent(b.uniqueAlias("kova_v"));
    const table = quoteIdent(historyTable(entity));
    const columns = [`${h}."id" AS "id"`, ...entity.fields.map((f) => `${h}.${quoteIdent(historyColumn(f.name))} AS ${quoteIdent(f.name)}`)];
    return (
      `(SELECT ${columns.join(", ")} FROM ${table} AS ${h} WHERE ${h}."at" <= ${instant()}` +
      ` AND ${h}."version" = (SELECT ${v}."version" FROM ${table} AS ${v} WHERE ${v}."id" = ${h}."id" AND ${v}."at" <= ${instant()} ORDER BY ${v}."at" DESC, ${v}."version" DESC LIMIT 1)` +
      ` AND ${h}."op" <> 'delete')`
    );
  },
};
