/**
 * SOCKET endpoints: WebSockets (the `ws` package) on the HTTP server's port. An upgrade request is
 * routed by path, its Host and Origin checked as a request's are, its path and query typed and its
 * AUTH verified by the same stages an endpoint uses (typeInputs, auth) — a refused upgrade gets the
 * HTTP problem (401, 403, 400) and no connection. Each connection then runs the socket's handlers
 * (connection.ts).
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { Router } from "../router.js";
import { createRequire } from "node:module";
import type { WebSocketServer } from "ws";
import type { QueryValues, Reply, SocketDefinition } from "../app.js";
import { authStage } from "../auth/stage.js";
import { pathOf, requestIdFor } from "../context.js";
import { Exchange, type Serving, type StageOutcome } from "../exchange.js";
import { ProblemType } from "../problem.js";
import { CompiledRoute, type SerializedReply } from "../route.js";
import { typeInputsStage } from "../stages.js";
import { Connection } from "./connection.js";
import type { RealtimeHub } from "./hub.js";

/** The upgrade request as the typeInputs and auth stages see it: a GET that never reads a body. */
class UpgradeExchange extends Exchange {
  constructor(private readonly req: IncomingMessage, route: CompiledRoute, params: Record<string, string | number | boolean>, query: QueryValues, requestId: string, serving: Serving) {
    super("GET", pathOf(req.url ?? "/"), req.headers, requestId, route, params, query, serving);
  }

  get peerAddress(): string | undefined {
    return this.req.socket.remoteAddress;
  }

  protected get encrypted(): boolean {
    return (this.req.socket as { encrypted?: boolean }).encrypted === true;
  }

  readBody(): StageOutcome {
    return undefined;
  }

  send(): void {}
}

/** One SOCKET declaration: its compiled route (for the stages) and its live connections. */
export class SocketEndpoint {
  readonly route: CompiledRoute;
  readonly connections = new Set<Connection>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(readonly definition: SocketDefinition, readonly hub: RealtimeHub, readonly serving: Serving) {
    const d = definition;
    this.route = new CompiledRoute({ method: "GET", path: d.path, params: d.params, query: d.query, auth: d.auth, handler: () => ({ status: 204 }), source: d.source });
    // A ping every heartbeat; a connection that has not answered the previous one is a dead peer.
    this.heartbeat = setInterval(() => {
      for (const connection of this.connections) connection.heartbeat();
    }, d.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Every client of this SOCKET listens here: a BROADCAST without TO. */
  get everyone(): string {
    return `\u0000socket ${this.definition.path}`;
  }

  stop(): void {
    clearInterval(this.heartbeat);
  }
}

export class SocketServer {
  private readonly router = new Router<SocketEndpoint>();
  private readonly endpoints: SocketEndpoint[] = [];
  // The size limit is checked per message by the connection (an error frame, the connection
  // kept); ws itself only refuses frames so large that reading them would already cost too much.
  // ws is required here, when the first SOCKET connects, not when the runtime loads: an app
  // without sockets never loads it.
  private readonly wss: WebSocketServer = new (createRequire(import.meta.url)("ws") as typeof import("ws")).WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024, perMessageDeflate: false });

  constructor(definitions: readonly SocketDefinition[], private readonly hub: RealtimeHub, private readonly serving: Serving) {
    for (const definition of definitions) {
      const endpoint = new SocketEndpoint(definition, hub, serving);
      this.endpoints.push(endpoint);
      this.router.on("GET", definition.path, endpoint);
    }
  }

  /** Answers an HTTP upgrade request: a WebSocket for a SOCKET's path, an HTTP error otherwise. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const requestId = requestIdFor(req.headers["x-request-id"]);
    const match = this.router.find("GET", req.url ?? "/");
    const endpoint = match?.store ?? undefined;
    if (match === null || endpoint === undefined) return refuse(socket, 404, `no SOCKET at ${pathOf(req.url ?? "/")}`, requestId, ProblemType.notFound);
    if ((req.headers.upgrade ?? "").toLowerCase() !== "websocket") return refuse(socket, 400, "only WebSocket upgrades are served here", requestId);
    const security = this.serving.security;
    if (!security.hostAllowed(req.headers.host)) return refuse(socket, 421, security.hostRefusal(req.headers.host), requestId);
    const crossOrigin = security.socketOriginRefusal(req.headers);
    if (crossOrigin !== undefined) return refuse(socket, 403, crossOrigin, requestId);
    const ex = new UpgradeExchange(req, endpoint.route, { ...(match.params as Record<string, string>) }, match.searchParams as QueryValues, requestId, this.serving);
    const typed = typeInputsStage.run(ex) as StageOutcome;
    if (typed) return refuseWith(socket, typed, requestId, ex);
    const decided = (outcome: StageOutcome): void => {
      if (outcome) return refuseWith(socket, outcome, requestId, ex);
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        new Connection(ws, endpoint, ex, requestId).open();
      });
    };
    let outcome: StageOutcome | PromiseLike<StageOutcome>;
    try {
      outcome = authStage.run(ex);
    } catch {
      return refuse(socket, 500, "authentication is not configured on this server", requestId);
    }
    if (outcome !== undefined && typeof (outcome as PromiseLike<StageOutcome>).then === "function") {
      (outcome as PromiseLike<StageOutcome>).then(decided, () => refuse(socket, 500, "authentication is not configured on this server", requestId));
    } else decided(outcome as StageOutcome);
  }

  /** Server shutdown: every client gets a 1001 (going away) close. */
  close(): void {
    for (const endpoint of this.endpoints) {
      endpoint.stop();
      for (const connection of endpoint.connections) connection.close(1001, "the server is shutting down");
    }
    this.wss.close();
  }
}

/** A refused upgrade: the stage's problem reply (with its headers, e.g. WWW-Authenticate) over the raw socket. */
function refuseWith(socket: Duplex, reply: Reply, requestId: string, ex: Exchange): void {
  const headers: Record<string, string> = { ...ex.responseHeaders };
  for (const [name, value] of Object.entries(reply.headers ?? {})) headers[name.toLowerCase()] = value;
  writeHttp(socket, { status: reply.status ?? 400, payload: JSON.stringify(reply.body), headers }, requestId);
}

function refuse(socket: Duplex, status: number, detail: string, requestId: string, type = "about:blank"): void {
  const body = JSON.stringify({ type, title: STATUS_TEXT[status] ?? "Error", status, detail, requestId });
  writeHttp(socket, { status, payload: body, headers: { "content-type": "application/problem+json" } }, requestId);
}

function writeHttp(socket: Duplex, reply: SerializedReply, requestId: string): void {
  const payload = reply.payload ?? "";
  const headers: Record<string, string | string[]> = { "content-type": "application/problem+json", ...reply.headers, "content-length": String(Buffer.byteLength(payload)), "x-request-id": requestId, connection: "close" };
  const lines = [`HTTP/1.1 ${reply.status} ${STATUS_TEXT[reply.status] ?? "Error"}`];
  for (const [name, value] of Object.entries(headers)) for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
  socket.end(`${lines.join("\r\n")}\r\n\r\n${payload}`);
}

const STATUS_TEXT: Record<number, string> = { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 421: "Misdirected Request", 500: "Internal Server Error" };
