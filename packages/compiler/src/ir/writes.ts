/**
 * Which data sources a handler writes, read off its lowered statements: the route's `writes`, so
 * the runtime opens a transaction only for endpoints that write (and only on those sources).
 */
import type { QueryDef, Stmt } from "./nodes.js";

const WRITE_KINDS = new Set(["insert", "update", "delete", "save"]);

export function isWrite(query: QueryDef): boolean {
  return WRITE_KINDS.has(query.plan.kind);
}

/**
 * Visits every query expression under `node` in source order. The walk is generic (any object with
 * `kind: "query"`), so statements and expressions added later are covered without a change here.
 */
export function forEachNode(node: unknown, visit: (node: { kind: string; [key: string]: unknown }) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) forEachNode(item, visit);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const record = node as { kind?: unknown; [key: string]: unknown };
  if (typeof record.kind === "string") visit(record as { kind: string });
  for (const key in record) if (key !== "span") forEachNode(record[key], visit);
}

/** The data sources `body` writes, in the order `sources` declares them. */
export function writtenSources(body: readonly Stmt[], queries: ReadonlyMap<string, QueryDef>, sources: readonly string[]): string[] {
  const written = new Set<string>();
  forEachNode(body, (node) => {
    if (node.kind !== "query") return;
    const query = queries.get(node.query as string);
    if (query !== undefined && isWrite(query)) written.add(query.source);
  });
  return sources.filter((s) => written.has(s));
}
