/**
 * Which data sources a handler writes, read off its lowered statements: the route's `writes`, so
 * the runtime opens a transaction only for endpoints that write (and only on those sources).
 */
import type { KovaFunction, QueryDef, Stmt } from "./nodes.js";

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

/**
 * The data sources `body` writes, in the order `sources` declares them: its own write queries and
 * EMITs, and those of the FNs and ACTIONs it calls (an action's steps join the caller's
 * transaction, so the caller must open one on every source they write). Functions never call
 * themselves (the checker refuses it), so the walk ends.
 */
export function writtenSources(body: readonly Stmt[], queries: ReadonlyMap<string, QueryDef>, sources: readonly string[], functions: readonly KovaFunction[] = []): string[] {
  const written = new Set<string>();
  const visited = new Set<string>();
  const visit = (node: unknown) =>
    forEachNode(node, (n) => {
      if (n.kind === "emit") written.add(n.source as string);
      if (n.kind === "callFunction" && !visited.has(n.function as string)) {
        visited.add(n.function as string);
        const fn = functions.find((f) => f.name === n.function);
        if (fn !== undefined) visit([fn.body, fn.action?.loads ?? []]);
      }
      if (n.kind !== "query") return;
      const query = queries.get(n.query as string);
      if (query !== undefined && isWrite(query)) written.add(query.source);
    });
  visit(body);
  return sources.filter((s) => written.has(s));
}

/** Built-ins whose effect reaches outside the data sources (a session kept elsewhere, another service). */
const OUTSIDE_CALLS = new Set(["fetch_json", "start_session", "end_session"]);
/** Statements that act outside the data sources: a task queued (perhaps in Redis), a socket message. */
const OUTSIDE_STATEMENTS = new Set(["enqueue", "send", "join", "leave", "stream", "live"]);

/**
 * What in `body`, or in the FNs and ACTIONs it calls, acts outside its data sources — a call of
 * imported JavaScript, an outbound call, a session started or ended, a task enqueued, a socket
 * message — and so would happen twice if the body ran again; undefined when nothing does. The
 * runtime runs an endpoint again when the database gave up on its transaction only when nothing
 * does (its `retry`, runtime atomic.ts). BROADCASTs are held until the commit, so they do not count.
 */
export function outsideEffect(body: readonly Stmt[], functions: readonly KovaFunction[] = []): string | undefined {
  let found: string | undefined;
  const visited = new Set<string>();
  const visit = (node: unknown) =>
    forEachNode(node, (n) => {
      if (found !== undefined) return;
      if (n.kind === "call" && (n.imported === true || OUTSIDE_CALLS.has(n.function as string))) found = `${n.function as string}()`;
      else if (OUTSIDE_STATEMENTS.has(n.kind)) found = n.kind.toUpperCase();
      else if (n.kind === "callFunction" && !visited.has(n.function as string)) {
        visited.add(n.function as string);
        const fn = functions.find((f) => f.name === n.function);
        if (fn !== undefined) visit([fn.body, fn.action?.loads ?? []]);
      }
    });
  visit(body);
  return found;
}
