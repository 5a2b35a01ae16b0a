/**
 * Response serialisers compiled from a query's result columns. A RESPOND of a query answers with
 * rows whose keys the compiler knows (`id`, then the fields, in order), so each row is written by a
 * function generated once (at the query's first answer) for exactly those keys: the key text is
 * precomputed and the values are typed by a `typeof` switch, with no walk of the row per request.
 *
 * The output is byte for byte what `JSON.stringify` gives for rows built as every driver builds
 * them (the columns as keys, in column order): a row whose keys are not exactly the columns (a
 * missing, undefined or extra key) or that holds an object (a JSON column, a Date) is handed to
 * JSON.stringify whole, so an unusual row costs the ordinary price, never a wrong answer.
 */

export interface SerializedColumn {
  name: string;
}

type RowWriter = (row: object) => string;

// A string JSON.stringify would write unchanged between quotes: no quote, backslash, control
// character or UTF-16 surrogate (a lone one is escaped as \udXXX). Long strings take the native path.
const PLAIN_STRING = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/** One value as JSON text, or undefined when the whole row must go to JSON.stringify. */
function value(v: unknown): string | undefined {
  switch (typeof v) {
    case "number":
      return Number.isFinite(v) ? "" + v : "null";
    case "string":
      return v.length < 256 && PLAIN_STRING.test(v) ? '"' + v + '"' : JSON.stringify(v);
    case "boolean":
      return v ? "true" : "false";
    case "object":
      return v === null ? "null" : undefined;
    default:
      return undefined;
  }
}

/**
 * A serialiser for a reply body that is a row, a list of rows or null (what `execute` answers for a
 * read or a write with RETURNING), or undefined when the columns are unknown. Anything else the body
 * turns out to be is written by JSON.stringify.
 */
export function rowSerializer(columns: readonly SerializedColumn[] | undefined): ((body: unknown) => string) | undefined {
  if (!Array.isArray(columns) || columns.length === 0) return undefined;
  // Compiled on first use, so an app's start does not pay for queries that never answer a request.
  let row: RowWriter | undefined;
  return (body) => {
    row ??= compileRowWriter(columns);
    if (Array.isArray(body)) {
      let out = "[";
      for (let i = 0; i < body.length; i++) {
        const item: unknown = body[i];
        if (i > 0) out += ",";
        out += typeof item === "object" && item !== null && !Array.isArray(item) ? row!(item) : stringifyItem(item);
      }
      return out + "]";
    }
    if (typeof body === "object" && body !== null) return row(body);
    return JSON.stringify(body);
  };
}

/** An array element as JSON.stringify writes it (undefined and functions become null there). */
function stringifyItem(item: unknown): string {
  return JSON.stringify(item) ?? "null";
}

function compileRowWriter(columns: readonly SerializedColumn[]): RowWriter {
  const lines: string[] = [];
  lines.push("let keys = 0;", "for (const _ in row) keys++;", `if (keys !== ${columns.length}) return JSON.stringify(row);`);
  columns.forEach((c, i) => {
    // Property names are written as JSON string literals, so any name is safe in the generated code.
    lines.push(`const v${i} = value(row[${JSON.stringify(c.name)}]);`, `if (v${i} === undefined) return JSON.stringify(row);`);
  });
  const parts = columns.map((c, i) => `${JSON.stringify(`${i === 0 ? "{" : ","}${JSON.stringify(c.name)}:`)} + v${i}`);
  lines.push(`return ${parts.join(" + ")} + "}";`);
  // Generated from column names only (never from request data), once per query at start.
  return new Function("value", `return function writeRow(row) {\n${lines.join("\n")}\n};`)(value) as RowWriter;
}
