/** The JS back end's part for SOCKET: one async function per ON handler and the `sockets` list the runtime serves. */
import type { SocketDef, SocketHandlerDef, Stmt } from "../../ir/nodes.js";
import { routeAuth } from "./auth.js";
import type { CodeWriter } from "./code-writer.js";
import { queryParamDefinition } from "./emit-app.js";
import type { ExpressionPrinter } from "./expressions.js";
import { emitStatements } from "./statements.js";
import { validatorFunction } from "./validators.js";

function handlerName(index: number, handler: SocketHandlerDef): string {
  return `socket_${index}_${handler.event}`;
}

/** `async function socket_0_message(ctx, v_msg)`: ctx is the connection's (SocketContext in @kova/runtime). */
export function emitSocketHandlers(out: CodeWriter, socket: SocketDef, index: number, x: ExpressionPrinter, sourcePath: string, displayPath: string): void {
  for (const handler of socket.handlers) {
    out.line(`// SOCKET ${socket.path} ON ${handler.event.toUpperCase()}  (${displayPath}:${handler.span.start.line})`);
    const params = handler.param === null ? "" : `, v_${handler.param}`;
    out.block(`async function ${handlerName(index, handler)}(ctx${params})`, () => {
      const variables = handler.variables.filter((v) => v !== handler.param);
      if (variables.length > 0) out.line(`let ${variables.map((v) => `v_${v}`).join(", ")};`);
      emitStatements(out, handler.body, x, sourcePath);
    }, "}", handler.span, sourcePath);
    out.line();
  }
}

/** One entry of the app definition's `sockets` list (see SocketDefinition in @kova/runtime). */
export function socketDefinition(socket: SocketDef, index: number, source: string): string {
  const parts = [
    `path: ${JSON.stringify(socket.path)}`,
    `params: [${socket.inputs.path.map((p) => `{ name: ${JSON.stringify(p.name)}, type: ${JSON.stringify(p.type)} }`).join(", ")}]`,
  ];
  if (socket.inputs.query.length > 0) parts.push(`query: [${socket.inputs.query.map(queryParamDefinition).join(", ")}]`);
  if (socket.auth !== null) parts.push(`auth: ${routeAuth(socket.auth)}`);
  if (socket.message !== null) parts.push(`validateMessage: (message) => ${validatorFunction(socket.message)}(message, "", [])`);
  parts.push(`maxMessageBytes: ${socket.maxMessageBytes}`, `heartbeatMs: ${socket.heartbeatMs}`, `maxBufferedBytes: ${socket.maxBufferedBytes}`);
  const handlers = socket.handlers.map((h) => {
    const writes = h.writes.length > 0 ? `, writes: ${JSON.stringify(h.writes)}` : "";
    return `${h.event}: { run: ${handlerName(index, h)}${writes} }`;
  });
  parts.push(`on: { ${handlers.join(", ")} }`);
  // STREAM LIVE in a handler: the change feed starts with the server (the sources record from the first write).
  if (socket.handlers.some((h) => containsStatement(h.body, "live"))) parts.push("live: true");
  parts.push(`source: ${source}`);
  return `{ ${parts.join(", ")} }`;
}

/** Whether a statement of that kind (and passing `test`) is anywhere in the body, nested in IF and FOR too. */
export function containsStatement<K extends Stmt["kind"]>(body: readonly Stmt[], kind: K, test: (s: Extract<Stmt, { kind: K }>) => boolean = () => true): boolean {
  const inside = (list: readonly Stmt[]): boolean => containsStatement(list, kind, test);
  return body.some((s) => (s.kind === kind && test(s as Extract<Stmt, { kind: K }>)) || (s.kind === "if" && (s.branches.some((b) => inside(b.body)) || (s.otherwise !== null && inside(s.otherwise)))) || (s.kind === "for" && inside(s.body)));
}
