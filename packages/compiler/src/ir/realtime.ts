/**
 * Lowers the checker's SOCKETs into the IR's SocketDefs. Each ON handler was checked as an endpoint
 * body at the socket's path, so it lowers as one (lowerRoute): the same path and query typing, the
 * same query plans; the socket keeps the union of its handlers' inputs.
 */
import type { SemanticModel } from "../checker/model.js";
import type { LowerState } from "./expressions.js";
import { lowerRoute } from "./lower.js";
import { lowerRouteAuth } from "./auth.js";
import type { SocketDef, TypedInput } from "./nodes.js";

export function lowerSockets(model: SemanticModel, state: LowerState): SocketDef[] {
  return model.sockets.map((socket): SocketDef => {
    const decl = socket.decl;
    const path = new Map<string, TypedInput>();
    const query = new Map<string, TypedInput>();
    const handlers = socket.handlers.map((h) => {
      const route = lowerRoute(h.endpoint, state, { socket: true });
      // A type one handler decided (from a field it is compared with) wins over another's default text.
      for (const input of route.inputs.path) if (!path.has(input.name) || path.get(input.name)!.from === "default") path.set(input.name, input);
      for (const input of route.inputs.query) if (!query.has(input.name) || query.get(input.name)!.from === "default") query.set(input.name, input);
      return { event: h.event, param: h.event === "message" ? (h.handler.param?.name ?? null) : null, variables: route.variables, body: route.body, writes: [], span: h.handler.span };
    });
    // Every path parameter is an input even when no handler reads it (the router still matches it).
    for (const segment of decl.path.segments) if (segment.param && !path.has(segment.value)) path.set(segment.value, { name: segment.value, type: "string", from: "default" });
    return {
      kind: "socket",
      id: `SOCKET ${decl.path.text}`,
      path: decl.path.text,
      inputs: { path: decl.path.segments.filter((s) => s.param).map((s) => path.get(s.value)!), query: [...query.values()].sort((a, b) => (a.name < b.name ? -1 : 1)) },
      auth: lowerRouteAuth(decl.auth),
      message: socket.shape,
      maxMessageBytes: socket.settings.maxMessageBytes,
      heartbeatMs: socket.settings.heartbeatMs,
      maxBufferedBytes: socket.settings.maxBufferedBytes,
      handlers,
      span: decl.span,
    };
  });
}
