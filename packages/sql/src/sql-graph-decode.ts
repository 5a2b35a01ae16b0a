/**
 * Reading back what a graph select built (see sql-graph.ts). The JSON a database aggregates loses
 * the column types — SQLite and MySQL write booleans as 0/1, each database writes datetimes in its
 * own text — so every nested value is decoded by the type the plan declares, and a nested row
 * comes back exactly as the same row from a flat select would.
 */
import type { ResultColumn } from "@kova/query";

/** A datetime as a database writes it inside JSON (`2025-03-01 12:00:00.123`, `…T12:00:00.123+00:00`), as ISO-8601 UTC. */
export function jsonDatetime(text: string): string {
  let t = text.includes("T") ? text : text.replace(" ", "T");
  if (!/(?:Z|[+-]\d\d(?::?\d\d)?)$/.test(t)) t += "Z";
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? text : new Date(ms).toISOString();
}

function scalar(type: ResultColumn["type"], value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "boolean":
      return value === true || value === 1 || value === "1";
    case "datetime":
      return typeof value === "string" ? jsonDatetime(value) : value;
    case "id":
    case "int":
    case "float":
    case "decimal":
      return typeof value === "string" && value.trim() !== "" ? Number(value) : value;
    default:
      return value;
  }
}

function row(columns: readonly ResultColumn[], value: unknown): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  const object = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const column of columns) out[column.name] = column.nested ? decodeNested(column, object[column.name]) : scalar(column.type, object[column.name]);
  return out;
}

/** A nested selection's column value (JSON text, or what the client library already parsed) as typed rows. */
export function decodeNested(column: ResultColumn, value: unknown): unknown {
  const nested = column.nested!;
  const parsed = typeof value === "string" ? (JSON.parse(value) as unknown) : value;
  if (!nested.list) return row(nested.columns, parsed);
  return Array.isArray(parsed) ? parsed.map((item) => row(nested.columns, item)) : [];
}
