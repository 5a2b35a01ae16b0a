/**
 * The rule for outbound calls (docs/language.md, "Outbound calls"): an endpoint or task that writes
 * runs in one transaction, and on the embedded store a transaction holds the store's one write
 * lock. A `fetch_json` inside it would hold that lock for as long as the other service takes, so
 * every other write of the app would wait on it. The call is refused there (KV2460); the way out is
 * to ENQUEUE a task that makes the call once the endpoint has committed.
 */
import type { Block, CallExpr, Node } from "../ast/nodes.js";
import { walk } from "../ir/inputs.js";
import type { CheckContext } from "./context.js";

const WRITES = new Set(["InsertQuery", "UpdateQuery", "DeleteQuery", "SaveQuery", "RestoreQuery"]);

export function checkOutboundCalls(ctx: CheckContext): void {
  const model = ctx.model;
  // FNs that call out, directly or through other FNs (Kova has no recursion, so this ends).
  const callsOut = new Map<string, boolean>();
  const fnCallsOut = (name: string): boolean => {
    const known = callsOut.get(name);
    if (known !== undefined) return known;
    callsOut.set(name, false);
    const fn = model.kovaFunctions.get(name);
    const result = fn !== undefined && outboundCalls(fn.decl.body, fnCallsOut).length > 0;
    callsOut.set(name, result);
    return result;
  };
  const bodies: Array<{ body: Block; file: string; what: string }> = [
    ...model.endpoints.map((e) => ({ body: e.decl.body, file: e.file, what: `${e.decl.method} ${e.decl.path.text}` })),
    ...[...model.tasks.values()].map((t) => ({ body: t.decl.body, file: t.file, what: `TASK ${t.decl.name.name}` })),
  ];
  for (const { body, file, what } of bodies) {
    if (!writes(body)) continue;
    for (const call of outboundCalls(body, fnCallsOut)) {
      const through = call.callee.name === "fetch_json" ? "" : ` (${call.callee.name}() calls fetch_json)`;
      ctx.diagnostics.report("OutboundCallInTransaction", { ...call.span, file }, `${what} writes, so it runs in one transaction, and this outbound call${through} would hold that transaction open while the other service answers`, {
        suggestion: "ENQUEUE a task that makes the call after the endpoint has committed (its retries come with it), or do the call in an endpoint that does not write",
      });
    }
  }
}

function writes(body: Block): boolean {
  let found = false;
  walk(body, (node: Node) => {
    if (WRITES.has(node.kind)) found = true;
  });
  return found;
}

function outboundCalls(body: Block, fnCallsOut: (name: string) => boolean): CallExpr[] {
  const calls: CallExpr[] = [];
  walk(body, (node: Node) => {
    if (node.kind !== "Call") return;
    const call = node as CallExpr;
    if (call.callee.name === "fetch_json" || fnCallsOut(call.callee.name)) calls.push(call);
  });
  return calls;
}
