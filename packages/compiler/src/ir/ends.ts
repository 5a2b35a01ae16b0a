import type { Stmt } from "./nodes.js";

/** Does this statement list always end the request (RESPOND, ERROR, or an IF whose every branch does)? */
export function alwaysEnds(statements: readonly Stmt[]): boolean {
  const last = statements[statements.length - 1];
  if (!last) return false;
  switch (last.kind) {
    case "respond":
    case "fail":
    case "return":
    case "unsupported":
    case "stream":
      return true;
    case "if":
      return last.otherwise !== null && alwaysEnds(last.otherwise) && last.branches.every((b) => alwaysEnds(b.body));
    default:
      return false;
  }
}
