/**
 * One WebSocket client of a SOCKET. It is the handlers' `ctx` (as an Exchange is an endpoint's):
 * the upgrade request's path params, query, headers, cookies and `$auth`, the data sources, and
 * JOIN / LEAVE / SEND / BROADCAST.
 *
 * Handlers run one at a time, in order: ON CONNECT, then ON MESSAGE for each message, then ON
 * CLOSE. A handler that writes runs in its data sources' transactions; what it SENDs and
 * BROADCASTs goes out after it committed, and not at all when it failed (the client then gets an
 * error frame, and the connection stays open — except after ON CONNECT, which closes it).
 *
 * Frames the runtime itself sends are objects with a `kova` member: `error`, `presence` (the
 * room's members, to the one who joined), `join` and `leave` (to the others in the room).
 * Everything else is the program's own messages, as SEND and BROADCAST wrote them.
 */
import { randomUUID } from "node:crypto";
import { maskRecordingDriver, MaskedValues, type Driver } from "@kova/query";
import type { LiveQuery } from "../app.js";
import { changeFeedFor } from "../changes/change-feed.js";
import { watchLive } from "./live-watch.js";
import type { WebSocket, RawData } from "ws";
import type { AppEnv, QueryValues, RequestContext } from "../app.js";
import type { AuthClaims } from "../auth/scheme.js";
import { runInTransactions } from "../atomic.js";
import type { RequestCookies } from "../cookies.js";
import type { Exchange } from "../exchange.js";
import { problemFromError } from "../problem.js";
import type { EnqueueOptions } from "../tasks/definition.js";
import { taskRuntimeFor } from "../tasks/registry.js";
import { messageText, type Member, type RoomMessage, type Subscriber } from "./hub.js";
import type { SocketEndpoint } from "./socket-server.js";
import { maskedText } from "../masked-reply.js";

/** Bad messages in a row after which the client is closed (1008, or 1009 for sizes). */
const STRIKES = 5;
/** Messages waiting for the handler after which the client is closed: it sends faster than it is served. */
const MAX_WAITING = 256;

type Outgoing = { to: "client"; text: string } | { to: "room"; room: string; text: string };

export class Connection implements RequestContext, Subscriber {
  readonly method = "SOCKET";
  readonly body = undefined;
  readonly id = randomUUID();
  readonly path: string;
  readonly params: Record<string, string | number | boolean>;
  readonly query: QueryValues;
  readonly headers: Exchange["headers"];
  readonly cookies: RequestCookies;
  readonly auth: AuthClaims | null;
  readonly env: AppEnv;
  readonly log: Exchange["log"];
  private readonly rooms = new Set<string>();
  /** The STREAM LIVE queries this client follows: stopped when it goes. */
  private readonly lives: Array<() => void> = [];
  private alive = true;
  private strikes = 0;
  private waiting = 0;
  private closed = false;
  private chain: Promise<void> = Promise.resolve();
  /** What the running handler SENDs and BROADCASTs, sent when it has committed. */
  private outgoing: Outgoing[] = [];
  private readonly closer = (): void => this.close(1001, "the server is shutting down");

  constructor(private readonly ws: WebSocket, private readonly endpoint: SocketEndpoint, upgrade: Exchange, readonly requestId: string) {
    this.path = upgrade.path;
    this.params = upgrade.params;
    this.query = upgrade.query;
    this.headers = upgrade.headers;
    this.cookies = upgrade.cookies;
    this.auth = upgrade.auth;
    this.env = upgrade.env;
    this.log = upgrade.serving.log.child({ socket: endpoint.definition.path, connection: this.id });
  }

  private get hub() {
    return this.endpoint.hub;
  }

  private get member(): Member {
    return { id: this.id, user: this.auth?.sub === undefined || this.auth.sub === null ? null : String(this.auth.sub) };
  }

  open(): void {
    const hub = this.hub;
    hub.connections++;
    hub.closers.add(this.closer);
    this.endpoint.connections.add(this);
    hub.subscribe(this.endpoint.everyone, this);
    this.ws.on("pong", () => (this.alive = true));
    this.ws.on("message", (data, isBinary) => this.receive(data, isBinary));
    this.ws.on("close", () => this.closed || this.gone());
    this.ws.on("error", (error) => this.log.debug({ err: error }, "socket error"));
    this.schedule("connect");
  }

  // ─────────────── what the handlers call (RequestContext and the realtime statements)

  db(name?: string): Driver {
    const sources = this.endpoint.serving.dataSources;
    const masked = sources.maskedEntities(name);
    if (masked === undefined) return sources.get(name);
    // MASKED fields: the handler reads real values; what the connection sends is masked (sendable).
    return maskRecordingDriver(sources.get(name), masked, () => (this.masked ??= new MaskedValues()));
  }

  /** The MASKED values this connection's handlers have read (masked in what it sends). */
  private masked: MaskedValues | undefined = undefined;

  /**
   * A message as it may leave: masked values masked — for the client itself unless it holds a role
   * the field names; for a room always (its members are other callers).
   */
  private sendable(text: string, toRoom: boolean): string {
    return maskedText(this.masked, text, toRoom ? undefined : this.endpoint.definition.auth, this.auth);
  }

  /** ENQUEUE in a handler: a job for a queued TASK. */
  enqueue(task: string, args: unknown[], options?: EnqueueOptions): Promise<number | null> {
    const tasks = taskRuntimeFor(this.endpoint.serving.dataSources);
    if (tasks === undefined) return Promise.reject(new Error(`ENQUEUE ${task}: this server runs no task queue`));
    return tasks.enqueue(task, args, options);
  }

  /** Runs a handler after the ones before it. */
  private schedule(event: "connect" | "message" | "close", message?: unknown): void {
    this.waiting++;
    this.chain = this.chain.then(() => this.run(event, message)).finally(() => this.waiting--);
  }

  send(value: unknown, serialize?: (value: unknown) => string): void {
    this.outgoing.push({ to: "client", text: this.sendable(messageText(value, serialize), false) });
  }

  broadcast(room: string | null, value: unknown, serialize?: (value: unknown) => string): void {
    this.outgoing.push({ to: "room", room: room ?? this.endpoint.everyone, text: this.sendable(messageText(value, serialize), true) });
  }

  /**
   * STREAM LIVE in a handler: the query's result now and after every committed write that changes
   * it, as frames `{"kova":"live","query":n,"version":v,"data":…}` (n: the client's nth STREAM LIVE,
   * from 0), until the client goes.
   */
  live(live: LiveQuery): void {
    if (this.closed) return;
    const query = this.lives.length;
    const feed = changeFeedFor(this.endpoint.serving.dataSources, { log: this.endpoint.serving.log });
    this.lives.push(
      watchLive(feed, live, (text, version) => this.write(`{"kova":"live","query":${query},"version":${version},"data":${this.sendable(text, false)}}`), (error) => {
        this.log.error({ err: error }, "live query failed; it stops");
        this.write(JSON.stringify({ kova: "error", error: "live_query_failed", message: "the live query failed" }));
      }),
    );
  }

  /** JOIN: the others in the room hear of it, then this client gets the room's members. */
  async join(room: string): Promise<void> {
    if (this.closed || this.rooms.has(room)) return;
    this.hub.publish(room, JSON.stringify({ kova: "join", room, member: this.member }));
    this.rooms.add(room);
    this.hub.subscribe(room, this);
    this.hub.addMember(room, this.member);
    const members = await this.hub.roomMembers(room);
    this.write(JSON.stringify({ kova: "presence", room, members }));
  }

  async leave(room: string): Promise<void> {
    if (!this.rooms.delete(room)) return;
    this.hub.unsubscribe(room, this);
    this.hub.removeMember(room, this.id);
    this.hub.publish(room, JSON.stringify({ kova: "leave", room, member: this.member }));
  }

  // ─────────────── the connection

  /** A room's message (Subscriber). */
  deliver(message: RoomMessage): void {
    this.write(message.data);
  }

  /**
   * Backpressure: a client whose unsent data passes the limit is dropped rather than buffered
   * without bound (its close frame would wait behind that data, so the socket is cut).
   */
  private write(text: string): void {
    if (this.closed) return;
    if (this.ws.bufferedAmount + Buffer.byteLength(text) > this.endpoint.definition.maxBufferedBytes) {
      this.log.warn({ buffered: this.ws.bufferedAmount }, "socket client dropped: it does not read fast enough");
      this.ws.terminate();
      this.gone();
      return;
    }
    this.ws.send(text);
  }

  /** Called by the endpoint's heartbeat timer. */
  heartbeat(): void {
    if (!this.alive) {
      this.log.info("socket client dropped: no answer to the last ping");
      this.ws.terminate();
      this.gone();
      return;
    }
    this.alive = false;
    this.ws.ping();
  }

  private receive(data: RawData, isBinary: boolean): void {
    this.alive = true;
    const definition = this.endpoint.definition;
    if (isBinary) return this.reject("unsupported_data", "binary messages are not accepted: send JSON as text", 1003);
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (bytes.length > definition.maxMessageBytes) {
      return this.reject("message_too_large", `the message is ${bytes.length} bytes; this socket accepts at most ${definition.maxMessageBytes}`, 1009);
    }
    let message: unknown;
    try {
      message = JSON.parse(bytes.toString("utf8"));
    } catch (error) {
      return this.reject("invalid_json", `the message is not valid JSON: ${(error as Error).message}`, 1007);
    }
    const issues = definition.validateMessage?.(message) ?? [];
    if (issues.length > 0) {
      const detail = issues.length === 1 ? `invalid message ${issues[0].field || "(whole message)"}: ${issues[0].message}` : `${issues.length} invalid message values`;
      return this.reject("invalid_message", detail, 1008, issues);
    }
    this.strikes = 0;
    if (this.waiting >= MAX_WAITING) {
      this.log.warn({ waiting: this.waiting }, "socket client dropped: it sends faster than its messages are handled");
      return this.close(1008, "too many messages waiting");
    }
    if (definition.on.message !== undefined) this.schedule("message", message);
  }

  /** An error frame naming the problem; the connection stays, unless the client keeps doing it. */
  private reject(error: string, message: string, closeCode: number, errors?: Array<{ field: string; message: string }>): void {
    this.write(JSON.stringify(errors === undefined ? { kova: "error", error, message } : { kova: "error", error, message, errors }));
    if (++this.strikes >= STRIKES) this.close(closeCode, `${STRIKES} bad messages in a row`);
  }

  private async run(event: "connect" | "message" | "close", message?: unknown): Promise<void> {
    const handler = this.endpoint.definition.on[event];
    if (handler === undefined || (this.closed && event !== "close")) return;
    this.outgoing = [];
    try {
      await runInTransactions((name) => this.db(name), handler.writes, () => handler.run(this, message));
    } catch (error) {
      this.outgoing = [];
      const problem = problemFromError(error, undefined, this.path, this.requestId, this.log);
      this.write(JSON.stringify({ kova: "error", error: "handler", status: problem.status, message: problem.detail }));
      // A refused ON CONNECT refuses the connection: 1008 (policy) for a 4xx, 1011 (server error) for a 5xx.
      if (event === "connect") this.close(problem.status >= 500 ? 1011 : 1008, String(problem.detail).slice(0, 120));
      return;
    }
    for (const out of this.outgoing) {
      if (out.to === "client") this.write(out.text);
      else this.hub.publish(out.room, out.text);
    }
    this.outgoing = [];
  }

  /** Closes with a code the client sees (1000 normal, 1001 going away, 1008 policy, 1009 too big, …). */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.ws.close(code, reason);
    this.gone();
  }

  /** The client is gone (closed, dropped or cut): leave every room, then ON CLOSE runs. */
  private gone(): void {
    if (this.closed) return;
    this.closed = true;
    const hub = this.hub;
    hub.connections--;
    hub.closers.delete(this.closer);
    this.endpoint.connections.delete(this);
    hub.unsubscribe(this.endpoint.everyone, this);
    for (const stop of this.lives.splice(0)) stop();
    for (const room of [...this.rooms]) {
      this.rooms.delete(room);
      hub.unsubscribe(room, this);
      hub.removeMember(room, this.id);
      hub.publish(room, JSON.stringify({ kova: "leave", room, member: this.member }));
    }
    if (this.endpoint.definition.on.close !== undefined) this.schedule("close");
  }
}
