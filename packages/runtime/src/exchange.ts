/**
 * One request as it moves through the pipeline. The exchange *is* the handler's `ctx` (it
 * implements RequestContext), so a request allocates one object for both; the servers subclass it
 * with how they read a body and write a response.
 */
import type { IncomingHttpHeaders } from "node:http";
import { maskRecordingDriver, MaskedValues, type Driver } from "@kova/query";
import type { Logger } from "pino";
import type { AppEnv, QueryValues, Reply, RequestContext, ValidationIssue } from "./app.js";
import type { AuthClaims } from "./auth/scheme.js";
import { readCookies, setCookieLine, type CookieInput, type RequestCookies } from "./cookies.js";
import type { DataSources } from "./data-sources.js";
import { makeProblem } from "./problem.js";
import { type CompiledRoute, type SerializedReply } from "./route.js";
import type { HttpSecurity } from "./security/index.js";
import { DEFAULT_ERROR_FORMAT, shapedProblem, type ErrorFormat } from "./error-shape.js";
import type { EnqueueOptions } from "./tasks/definition.js";
import { taskRuntimeFor } from "./tasks/registry.js";
import { messageText, realtimeFor } from "./realtime/hub.js";
import { maskedText } from "./masked-reply.js";
import type { FileStore } from "./uploads/store.js";
import type { UploadedFile } from "./uploads/uploaded-file.js";

/** What every exchange of one server shares: set up once, referenced by each request. */
export interface Serving {
  readonly env: AppEnv;
  /** The server's logger; failures are logged here with the request id. */
  readonly log: Logger;
  readonly dataSources: DataSources;
  /** Host, CORS, security headers, cross-origin writes and rate limits (security/index.ts). */
  readonly security: HttpSecurity;
  /** The app's error shape and validation status (error-shape.ts); absent: RFC 9457, 400. */
  readonly errors?: ErrorFormat;
  /** Where uploaded files go and downloads come from (uploads/store.ts). */
  readonly files: FileStore;
}

/** What a stage returns: nothing to go on, or a reply that answers the request now. */
export type StageOutcome = Reply | undefined | void;

export abstract class Exchange implements RequestContext {
  /** Undefined until the `readBody` stage has run (and when the request had none). */
  body: unknown = undefined;
  /** Set by the `auth` stage to the verified claims; null until then, and for anonymous callers. */
  auth: AuthClaims | null = null;
  /** The answer: set by the handler stage, by a stage that answers early, or from an error. */
  reply: SerializedReply | undefined = undefined;
  /** Headers stages add to whatever response goes out, problems included (lower-case names). */
  responseHeaders: Record<string, string> | undefined = undefined;
  /** `Set-Cookie` lines stages add (e.g. a session), sent with whatever answers the request. */
  responseCookies: string[] | undefined = undefined;
  /** Files this request's multipart body stored; removed again if validation or the handler fails. */
  uploads: UploadedFile[] | undefined = undefined;
  /** Set when the rest of the request was not read: the connection must not be reused. */
  closeConnection = false;
  /**
   * The MASKED values this request has read (@kova/query masks/): its answer is masked with them
   * just before it is sent (pipeline.ts). Undefined until a read returns one.
   */
  masked: MaskedValues | undefined = undefined;
  /** Per data source with MASKED fields, this request's view of it (made on first use). */
  private maskedViews: Map<string, Driver> | undefined = undefined;
  private childLog: Logger | undefined = undefined;
  private client: string | undefined = undefined;
  private parsedCookies: RequestCookies | undefined = undefined;

  constructor(
    readonly method: string,
    /** The request path without the query string (and, in Fastify, with the mount prefix). */
    readonly path: string,
    readonly headers: IncomingHttpHeaders,
    readonly requestId: string,
    readonly route: CompiledRoute,
    /** Raw strings until the `typeInputs` stage types them in place. */
    readonly params: Record<string, string | number | boolean>,
    readonly query: QueryValues,
    readonly serving: Serving,
  ) {}

  get env(): AppEnv {
    return this.serving.env;
  }

  /** Parsed on first use: most requests never read a cookie. */
  get cookies(): RequestCookies {
    return (this.parsedCookies ??= readCookies(this.headers.cookie));
  }

  /**
   * Sets a cookie on the response, whatever answers the request (a problem too): `value` a string,
   * or `{ value, http_only, same_site, max_age, … }` as in cookies.ts; null clears the cookie.
   */
  setCookie(name: string, cookie: CookieInput): void {
    const line = setCookieLine(name, cookie);
    const cookies = (this.responseCookies ??= []);
    // Set twice in one request (end_session() then start_session() at login): the last one is meant.
    const earlier = cookies.findIndex((l) => l.startsWith(`${name}=`));
    if (earlier === -1) cookies.push(line);
    else cookies[earlier] = line;
  }

  /** ENQUEUE: through the task runtime started with the app (src/tasks). */
  enqueue(task: string, args: unknown[], options?: EnqueueOptions): Promise<number | null> {
    const tasks = taskRuntimeFor(this.serving.dataSources);
    if (tasks === undefined) return Promise.reject(new Error(`ENQUEUE ${task}: this server runs no task queue (start the app with startApp)`));
    return tasks.enqueue(task, args, options);
  }

  /** BROADCAST TO in the handler: held until it has committed (flushBroadcasts), dropped if it fails. */
  private pendingBroadcasts: Array<[string, string]> | undefined = undefined;

  broadcast(room: string | null, value: unknown, serialize?: (value: unknown) => string): void {
    // The checker allows a BROADCAST without TO only in a SOCKET handler, whose ctx is not an exchange.
    if (room === null) throw new Error("BROADCAST without TO belongs in a SOCKET handler");
    (this.pendingBroadcasts ??= []).push([room, messageText(value, serialize)]);
  }

  /** A rolled-back attempt's broadcasts, dropped before the handler runs again (atomic.ts). */
  dropBroadcasts(): void {
    this.pendingBroadcasts = undefined;
  }

  /** After the handler committed: its broadcasts go out, in order. */
  flushBroadcasts(): void {
    const pending = this.pendingBroadcasts;
    if (pending === undefined) return;
    this.pendingBroadcasts = undefined;
    const hub = realtimeFor(this.serving.dataSources);
    if (hub === undefined) return this.log.warn("BROADCAST: this server has no realtime hub (create it with createServer)");
    // MASKED values the handler read are masked for the room's members, whoever they are.
    for (const [room, data] of pending) hub.publish(room, maskedText(this.masked, data, undefined, null));
  }

  /** Removes the files this request stored: its body was refused, or its handler rolled back. */
  async discardUploads(): Promise<void> {
    const uploads = this.uploads;
    if (uploads === undefined) return;
    this.uploads = undefined;
    await Promise.all(uploads.map((file) => this.serving.files.remove(file.id)));
  }

  /** Created on first use: most handlers never log. */
  get log(): Logger {
    return (this.childLog ??= this.serving.log.child({ reqId: this.requestId }));
  }

  db(name?: string): Driver {
    const sources = this.serving.dataSources;
    const driver = sources.get(name);
    const masked = sources.maskedEntities(name);
    if (masked === undefined) return driver;
    // A source with MASKED fields: the handler reads real values, and the request notes them.
    const views = (this.maskedViews ??= new Map());
    let view = views.get(name ?? "");
    if (view === undefined) views.set(name ?? "", (view = maskRecordingDriver(driver, masked, () => (this.masked ??= new MaskedValues()))));
    return view;
  }

  /** Adds a header to the response, whatever answers the request. */
  setHeader(name: string, value: string): void {
    (this.responseHeaders ??= {})[name.toLowerCase()] = value;
  }

  /**
   * A problem reply (RFC 9457) for a stage to return, e.g. `return ex.problem(401, "log in first")`.
   * `type` defaults to `about:blank`; `errors` lists per-field issues.
   */
  problem(status: number, detail: string, type = "about:blank", errors?: ValidationIssue[]): Reply {
    const shaped = shapedProblem(makeProblem(status, type, detail, this.path, this.requestId, errors), this.serving.errors ?? DEFAULT_ERROR_FORMAT);
    return { status, body: shaped.body, headers: shaped.headers };
  }

  /** The client's address: the socket's peer, or what a trusted proxy forwarded (see security/client-address.ts). */
  get clientAddress(): string {
    return (this.client ??= this.serving.security.clientAddress.of(this.peerAddress, this.headers));
  }

  /** The address of the other end of the connection (the client, or a proxy in front). */
  abstract readonly peerAddress: string | undefined;

  /** The request came over TLS (on this socket, or by a trusted proxy's X-Forwarded-Proto). */
  get https(): boolean {
    return this.serving.security.clientAddress.isHttps(this.encrypted, this.peerAddress, this.headers);
  }

  /** This connection is TLS. */
  protected abstract readonly encrypted: boolean;

  /** Whether the client has closed the connection, so no response can reach it. */
  clientGone(): boolean {
    return false;
  }

  /** The `readBody` stage: sets `body` (or answers with a problem). Fastify has parsed it already. */
  abstract readBody(): StageOutcome | PromiseLike<StageOutcome>;

  /** The `encode` step: writes `reply` (with `responseHeaders`) to the client. */
  abstract send(reply: SerializedReply): void;
}
