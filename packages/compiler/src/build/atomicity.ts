/**
 * What a driver cannot promise, refused at build time rather than lost at run time.
 *
 * Atomicity (KV9020): on a data source without rollback (its dialect's `limits.transactions`), an
 * endpoint's writes commit one by one. That is only the same as atomic when nothing can fail after
 * the first of them; so an endpoint that writes there and can then still fail — an ERROR, another
 * write, a call into imported JS, a value converted at run time (a 400), a single row that may be
 * missing (a 404), a statement not supported yet (a 501) — is refused at the place it can fail.
 * The walk is in source order and ignores branches (a write in one IF branch counts for the code
 * after the IF), so it errs on the side of refusing — except for `v = <write by id>` followed by
 * `IF v IS NULL { ERROR … }`, whose branch runs only when nothing was written.
 *
 * Constraints (KV9021): composite UNIQUE/INDEX and ON DELETE on a driver that cannot enforce them.
 */
import type { Dialect } from "@kova/query";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { AppModel, Expr, QueryDef, Span, Stmt } from "../ir/nodes.js";
import { forEachNode, isWrite } from "../ir/writes.js";

export function driverLimitDiagnostics(app: AppModel, dialects: ReadonlyMap<string, Dialect>): Diagnostic[] {
  const limitsOf = new Map(app.dataSources.map((s) => [s.name, dialects.get(s.driver)?.limits]));
  const driverOf = new Map(app.dataSources.map((s) => [s.name, s.driver]));
  const queries = new Map(app.queries.map((q) => [q.id, q]));
  const out: Diagnostic[] = [];
  for (const route of app.entryPoints) {
    const risky = route.writes.filter((s) => limitsOf.get(s)?.transactions !== undefined);
    if (risky.length === 0) continue;
    const failure = firstFailureAfterWrite(route.body, queries, new Set(risky), route.span);
    if (failure === undefined) continue;
    const source = failure.source;
    out.push(
      diagnostic(
        "WriteNotAtomicOnDriver",
        failure.span,
        `${route.id} writes to data source '${source}' (${driverOf.get(source)}) and can then fail here (${failure.why}), ` +
          `which would keep the first writes: ${limitsOf.get(source)!.transactions}`,
        { suggestion: `make the write to '${source}' the endpoint's last step that can fail, or keep these entities in a SQL data source` },
      ),
    );
  }
  for (const source of app.dataSources) {
    const why = dialects.get(source.driver)?.limits?.constraints;
    if (why === undefined) continue;
    for (const name of source.entities) {
      const entity = app.entities.find((e) => e.name === name)!;
      // A READ MODEL's UNIQUE is its own (one row per group), not the user's: KV2962 refuses the model there.
      if (entity.readModel !== undefined) continue;
      const declared = [
        ...(entity.uniques ?? []).map((fields) => `UNIQUE (${fields.join(", ")})`),
        ...(entity.indexes ?? []).map((fields) => `INDEX (${fields.join(", ")})`),
        ...entity.fields.filter((f) => f.onDelete !== undefined).map((f) => `${f.name}: ON DELETE`),
      ];
      if (declared.length === 0) continue;
      // Entities carry no span in the IR: the CONNECT that puts them on this driver is the place.
      const span = source.span;
      if (span === null) continue;
      out.push(
        diagnostic("ConstraintNotSupportedByDriver", span, `${entity.name} declares ${declared.join(", ")}, which data source '${source.name}' (${source.driver}) cannot enforce: ${why}`, {
          suggestion: `keep ${entity.name} in a SQL data source, or remove the declaration`,
        }),
      );
    }
  }
  return out;
}

interface Failure {
  span: Span;
  why: string;
  source: string;
}

function firstFailureAfterWrite(body: readonly Stmt[], queries: ReadonlyMap<string, QueryDef>, risky: ReadonlySet<string>, routeSpan: Span): Failure | undefined {
  const state: WalkState = { written: undefined, writes: 0, boundTo: undefined, found: undefined, span: routeSpan, rows: new Set() };
  walkStatements(body, queries, risky, state);
  return state.found;
}

interface WalkState {
  /** The risky data source written first, once one is. */
  written: string | undefined;
  /** How many write queries ran so far (any source). */
  writes: number;
  /** The variable holding the result of the only write so far, when it was assigned one. */
  boundTo: string | undefined;
  found: Failure | undefined;
  span: Span;
  /** Variables holding an inserted or saved row: never null, so responding with one is never a 404. */
  rows: Set<string>;
}

/**
 * In source order. One pattern is understood: `v = <a single-row write>` then `IF v IS NULL { … }`
 * — the branch runs only when the write found nothing to change, so nothing was written and it
 * may fail (the usual 404 after a DELETE or UPDATE by id).
 */
function walkStatements(body: readonly Stmt[], queries: ReadonlyMap<string, QueryDef>, risky: ReadonlySet<string>, state: WalkState): void {
  for (const stmt of body) {
    if (state.found !== undefined) return;
    state.span = stmt.span;
    if (stmt.kind === "if") {
      for (const branch of stmt.branches) {
        visitExpression(branch.condition, queries, risky, state);
        const wroteNothing = state.writes === 1 && state.boundTo !== undefined && isNullTest(branch.condition, state.boundTo);
        if (!wroteNothing) walkStatements(branch.body, queries, risky, state);
      }
      if (stmt.otherwise !== null) walkStatements(stmt.otherwise, queries, risky, state);
      continue;
    }
    if (stmt.kind === "fail" || stmt.kind === "unsupported") {
      if (state.written !== undefined) {
        state.found = { span: stmt.span, why: failurePoint(stmt as unknown as { kind: string }, queries, state.rows)!, source: state.written };
        return;
      }
      visitExpression(stmt, queries, risky, state);
      continue;
    }
    const writesBefore = state.writes;
    visitExpression(stmt, queries, risky, state);
    if (stmt.kind === "assign" && writesBefore === 0 && state.writes === 1 && stmt.value.kind === "query" && isSingleWrite(queries.get(stmt.value.query))) {
      state.boundTo = stmt.variable;
    }
    if (stmt.kind === "assign") {
      if (stmt.value.kind === "query" && alwaysReturnsRow(queries.get(stmt.value.query))) state.rows.add(stmt.variable);
      else state.rows.delete(stmt.variable);
    }
  }
}

function visitExpression(node: unknown, queries: ReadonlyMap<string, QueryDef>, risky: ReadonlySet<string>, state: WalkState): void {
  forEachNode(node, (n) => {
    if (state.found !== undefined) return;
    const why = state.written === undefined ? undefined : failurePoint(n, queries, state.rows);
    if (why !== undefined) {
      const span = (n.span as Span | undefined) ?? (n.kind === "query" ? queries.get(n.query as string)?.span : undefined) ?? state.span;
      state.found = { span, why, source: state.written! };
      return;
    }
    if (n.kind === "query") {
      const query = queries.get(n.query as string);
      if (query === undefined || !isWrite(query)) return;
      state.writes++;
      if (risky.has(query.source)) state.written ??= query.source;
    }
  });
}

/** A write that changes at most one row and returns it (or null when it found none). */
function isSingleWrite(query: QueryDef | undefined): boolean {
  if (query === undefined) return false;
  const plan = query.plan;
  return (plan.kind === "update" || plan.kind === "delete") && plan.single;
}

/** INSERT and SAVE return the stored row (or fail): never null. */
function alwaysReturnsRow(query: QueryDef | undefined): boolean {
  return query !== undefined && (query.plan.kind === "insert" || query.plan.kind === "save");
}

function isNullTest(condition: Expr, variable: string): boolean {
  return condition.kind === "isNull" && !condition.negated && condition.operand.kind === "variable" && condition.operand.name === variable;
}

/** Why running `node` can end the request with an error, or undefined when it cannot. */
function failurePoint(node: { kind: string; [key: string]: unknown }, queries: ReadonlyMap<string, QueryDef>, rows: ReadonlySet<string>): string | undefined {
  switch (node.kind) {
    case "fail":
      return "ERROR";
    case "unsupported":
      return `${String(node.feature)} is not supported yet`;
    case "respond": {
      if (node.notFound === null || node.notFound === undefined) return undefined;
      const value = node.value as Expr;
      if (value.kind === "variable" && rows.has(value.name)) return undefined;
      if (value.kind === "query" && alwaysReturnsRow(queries.get(value.query))) return undefined;
      return `a 404 when no ${String(node.notFound)} is found`;
    }
    case "call":
      return node.imported === true ? `a call to imported ${String(node.function)}` : undefined;
    case "query": {
      const query = queries.get(node.query as string);
      if (query !== undefined && isWrite(query)) return "another write";
      const args = node.args as Array<{ convert: unknown }> | undefined;
      return args?.some((a) => a.convert !== null) ? "a value converted at run time" : undefined;
    }
    default:
      return undefined;
  }
}
