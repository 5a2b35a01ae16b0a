/**
 * The fast HTTP/1.1 layer (`kova run --http fast`, kova.config.json `"http": "fast"`): a node:net
 * server whose connections parse with Node's own llhttp (connection.ts) and answer through
 * FastResponse, skipping node:http's IncomingMessage/ServerResponse/OutgoingMessage machinery. It
 * offers what the runtime's KovaServer uses of an http.Server: listen/close/address,
 * closeIdleConnections, closeAllConnections, the 'request' and 'upgrade' events, plus node:http's
 * timeouts.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Server as NetServer, type Socket } from "node:net";
import type { Logger } from "pino";
import { Connection, type ConnectionHost } from "./connection.js";
import type { FastRequest } from "./request.js";
import type { FastResponse } from "./response.js";

export interface FastServerOptions {
  /** Largest request head in bytes (default 16 KiB, node:http's). */
  maxHeaderSize?: number;
  log: Logger;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export class FastServer extends NetServer implements ConnectionHost {
  /** node:http's defaults and names, so both layers are configured alike. */
  headersTimeout = 60_000;
  requestTimeout = 300_000;
  keepAliveTimeout = 5_000;
  /** How often timeouts are checked (node:http's connectionsCheckingInterval). */
  connectionsCheckingInterval = 30_000;
  readonly maxHeaderSize: number;
  readonly log: Logger;
  closing = false;
  private readonly open = new Set<Connection>();
  private sweep: NodeJS.Timeout | undefined;

  constructor(listener: Listener, options: FastServerOptions) {
    super({ noDelay: true });
    // A "request" listener, as on an http.Server: code that wraps or replaces the server's
    // listeners (the engine routes tenants' requests before the runtime's own) works on both layers.
    this.on("request", listener);
    this.maxHeaderSize = options.maxHeaderSize ?? 16 * 1024;
    this.log = options.log;
    this.on("connection", (socket: Socket) => this.open.add(new Connection(socket, this)));
    this.on("listening", () => this.startSweep());
  }

  request(req: FastRequest, res: FastResponse): void {
    this.emit("request", req, res);
  }

  upgrade(req: FastRequest, socket: Socket, head: Buffer): boolean {
    return this.emit("upgrade", req, socket, head);
  }

  forget(connection: Connection): void {
    this.open.delete(connection);
  }

  private startSweep(): void {
    if (this.sweep !== undefined) return;
    const every = Math.min(this.connectionsCheckingInterval, this.headersTimeout, this.requestTimeout);
    this.sweep = setInterval(() => this.checkTimeouts(), every).unref();
  }

  /** A request whose head (headersTimeout) or whole (requestTimeout) is late gets a 408: slowloris. */
  private checkTimeouts(): void {
    const now = Date.now();
    for (const connection of this.open) {
      const start = connection.requestStart;
      if (start === 0) continue;
      const age = now - start;
      if ((!connection.headersDone && age > this.headersTimeout) || (this.requestTimeout > 0 && age > this.requestTimeout)) connection.timedOut();
    }
  }

  override close(callback?: (error?: Error) => void): this {
    this.closing = true;
    if (this.sweep !== undefined) clearInterval(this.sweep);
    this.sweep = undefined;
    super.close(callback);
    return this;
  }

  closeIdleConnections(): void {
    for (const connection of this.open) connection.close();
  }

  closeAllConnections(): void {
    for (const connection of this.open) connection.socket.destroy();
  }
}
