/**
 * The HTTP server: node:http plus the route table (router.ts). It decodes and routes each request (the matched
 * route's data rides in the router's `store`, so dispatch allocates no closures), answers 404,
 * 405, OPTIONS and health itself, and hands every routed request to the shared Pipeline as a
 * NodeExchange, which knows how to read the body and write the response on node:http.
 */
import { DEFAULT_ERROR_FORMAT, type ErrorFormat } from "./error-shape.js";
import { createServer as createHttpServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import type { AppDefinition, AppEnv, MultipartDefinition, QueryValues } from "./app.js";
import { DEFAULT_BODY_LIMIT, checkJsonContentType, decodeJsonBody, readBodyBytes, requestHasBody } from "./body.js";
import { answerClientError } from "./client-errors.js";
import { pathOf, requestIdFor } from "./context.js";
import { DataSources, StartupError } from "./data-sources.js";
import type { FastServer } from "./http-fast/server.js";
import { Exchange, type Serving, type StageOutcome } from "./exchange.js";
import { healthReply, readyReply } from "./health.js";
import type { TlsConfig } from "./ops/config.js";
import type { Metrics } from "./ops/metrics.js";
import type { createTlsServer } from "./ops/tls.js";
import type { Span, Tracing } from "./ops/tracing.js";
import { accessLog, createLogger, resolveLogLevel, type AccessLog } from "./logger.js";
import { Pipeline } from "./pipeline.js";
import { badlyEncodedQueryParam } from "./params.js";
import { ProblemType, badQueryEncodingProblem, makeProblem, type Problem } from "./problem.js";
import { sendProblem, sendReply } from "./respond.js";
import { problemReply, type CompiledRoute, type SerializedReply } from "./route.js";
import { compressionOptions, compressionStage, decodeBody, unsupportedContentEncoding, type CompressionConfig } from "./compression/index.js";
import { ApiDocs, apiDocsOptions, versionDocument, type ApiDocsReply } from "./api-docs/api-docs.js";
import { withVersionStage } from "./api-versions.js";
import { isMultipart } from "./uploads/content-type.js";
import { LocalFileStore, type FileStore } from "./uploads/store.js";
import type { GraphqlEndpoint } from "./graphql/endpoint.js";
import { ApiDocsRoute, buildRouter, allowedMethods, isHealthRoute, type InternalRoute, type RouteStore } from "./routing.js";
import type { Router } from "./router.js";
import { HOST_NOT_ALLOWED, HttpSecurity, type SecurityOptions } from "./security/index.js";
import type { Duplex } from "node:stream";
import { RealtimeHub, registerRealtime } from "./realtime/hub.js";
import type { SocketServer } from "./realtime/socket-server.js";
import { changeFeedFor } from "./changes/change-feed.js";

export interface ServerOptions {
  /** Where uploads are stored and downloads read (uploads/store.ts). Default: a LocalFileStore in `<cwd>/.kova/uploads`. */
  files?: FileStore;
  /** A pino logger to use; otherwise one is created at `logLevel`. */
  logger?: Logger;
  /** Default: KOVA_LOG_LEVEL, then `info`. */
  logLevel?: string;
  /** One info line per answered request (`{ reqId, method, path, status, ms }`). Default false. */
  accessLog?: boolean;
  /** Largest accepted request body in bytes. Default 1 MiB. */
  bodyLimit?: number;
  /** Connected data sources (see `connectDataSources`); default none. */
  dataSources?: DataSources;
  /** The resolved environment handlers see as `ctx.env`. */
  env?: AppEnv;
  /** Prefix of the runtime's own routes (`<prefix>/health`); `false` disables them. Default `/_kova`. */
  internalPrefix?: string | false;
  /** How long `close()` waits for in-flight requests before cutting connections. Default 10 000 ms. */
  shutdownTimeoutMs?: number;
  /** The request pipeline; default `new Pipeline()` (the built-in stages). Add stages with `with()`. */
  pipeline?: Pipeline;
  /** Hosts, proxies, CORS override, HSTS, rate-limit store: see security/index.ts. */
  security?: SecurityOptions;
  /** Largest request head (request line and headers) in bytes; bigger ones get a 431. Default Node's 16 KiB. */
  maxHeaderSize?: number;
  /** The error shape and validation status (kova.config.json "errors"; error-shape.ts). Default RFC 9457, 400. */
  errors?: ErrorFormat;
  /**
   * Where the OpenAPI document and the docs page are served: a path, or false for not at all.
   * Default `<internalPrefix>/openapi.json` and `<internalPrefix>/docs` (when the app has a document).
   */
  apiDocs?: { openapi?: string | boolean; docs?: string | boolean };
  /** GraphQL over the app's entities (see graphql/endpoint.ts); absent: not served. */
  graphql?: GraphqlEndpoint;
  /**
   * Rooms for SOCKET, STREAM and BROADCAST (realtime/): `redis` (ioredis options) carries them across
   * processes; `replay` is the messages kept per room for `Last-Event-ID` (default 100).
   */
  realtime?: { redis?: object; replay?: number };
  /**
   * Gzip/brotli responses (compression/): true for the defaults, or settings; default off.
   * Compressed request bodies (Content-Encoding) are accepted either way, within `bodyLimit`.
   */
  compression?: boolean | CompressionConfig;
  /** Serve HTTPS (and, with `http2`, HTTP/2) with this certificate and key (ops/tls.ts). */
  tls?: TlsConfig;
  /** Count and time every request (ops/metrics.ts). */
  metrics?: Metrics;
  /** Serve `/_kova/metrics` on this server, to requests bearing this token. */
  metricsToken?: string;
  /** A span per request (ops/tracing.ts). */
  tracing?: Tracing;
  /**
   * The HTTP/1.1 layer: `fast` (http-fast/: node:net and Node's own llhttp parser, without
   * node:http's request and response objects; the default for plain HTTP) or `node` (node:http; the
   * default, and the only choice, with TLS).
   */
  http?: HttpLayer;
  /** node:http's timeouts in ms (same names, same defaults), for either layer. */
  timeouts?: HttpTimeouts;
}

export type HttpLayer = "node" | "fast";

/**
 * The layer a server gets: the one asked for, else `fast` for plain HTTP/1.1 (it answers byte for
 * byte as node:http does, at less cost per request: bench/README.md) and `node` under TLS, which
 * the fast layer does not serve.
 */
export function resolveHttpLayer(requested: HttpLayer | undefined, tls: boolean): HttpLayer {
  return requested ?? (tls ? "node" : "fast");
}

export interface HttpTimeouts {
  /** The request head must arrive within this (default 60 000): slowloris. */
  headersTimeout?: number;
  /** The whole request must arrive within this (default 300 000). */
  requestTimeout?: number;
  /** An idle keep-alive connection is closed after this (default 5 000). */
  keepAliveTimeout?: number;
  /** How often the first two are checked (default 30 000). */
  connectionsCheckingInterval?: number;
}

export interface KovaServer {
  /** Resolves once listening; `port` 0 picks a free port. */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /** Stops accepting, lets in-flight requests finish (up to the timeout), then resolves. */
  close(): Promise<void>;
  readonly server: Server;
  /** `http://host:port` (`https://` with TLS) once listening. */
  readonly url: string;
  readonly log: Logger;
  /** The rooms of SOCKET, STREAM and BROADCAST. */
  readonly realtime: RealtimeHub;
  /** With TLS: reads the certificate and key again for new connections; false if they did not load. */
  reloadTls(): boolean;
}

/**
 * The optional server layers, passed in rather than imported here so a compiled app loads them only
 * when it uses them: startApp imports each one its configuration asks for, and `createServer`
 * (create-server.ts, for library users) passes them all.
 */
export interface ServerParts {
  /** The fast HTTP/1.1 layer (http-fast/), needed with `http: "fast"`. */
  FastServer?: typeof FastServer;
  /** HTTPS and HTTP/2 (ops/tls.ts), needed with `tls`. */
  createTlsServer?: typeof createTlsServer;
}

function part<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`createServerWith: ${what} was asked for but not passed in ServerParts`);
  return value;
}

export function createServerWith(app: AppDefinition, options: ServerOptions, parts: ServerParts): KovaServer {
  const log = options.logger ?? createLogger(app.name, resolveLogLevel(options.logLevel, process.env));
  const handler = new RequestHandler(app, options, log);
  const tls = options.tls === undefined ? undefined : part(parts.createTlsServer, "TLS")(options.tls, handler.handle, log, options.maxHeaderSize);
  if (options.http === "fast" && tls !== undefined) throw new StartupError('the fast HTTP layer ("http": "fast") serves plain HTTP/1.1 only: serve TLS with node:http ("http": "node", the default with TLS), or terminate TLS in front of the app');
  const layer = resolveHttpLayer(options.http, tls !== undefined);
  const server =
    tls?.server ??
    (layer === "fast"
      ? (new (part(parts.FastServer, "the fast HTTP layer"))(handler.handle, { maxHeaderSize: options.maxHeaderSize, log }) as unknown as Server)
      : createHttpServer({ ...(options.maxHeaderSize === undefined ? {} : { maxHeaderSize: options.maxHeaderSize }), ...options.timeouts }, handler.handle));
  if (layer === "fast") applyTimeouts(server, options.timeouts);
  server.on("clientError", (error, socket) => answerClientError(error, socket, log));
  // GraphQL subscriptions answer upgrades at the GraphQL path; SOCKETs (and refusals) all others.
  options.graphql?.serveSubscriptions(server, options.env ?? {});
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => handler.upgrade(req, socket, head));
  return new NodeKovaServer(server, handler, log, options.shutdownTimeoutMs ?? 10_000, tls?.reload);
}

/** The fast layer takes node:http's timeout settings under node:http's names. */
function applyTimeouts(server: Server, timeouts: HttpTimeouts | undefined): void {
  if (timeouts === undefined) return;
  const target = server as unknown as Record<string, number>;
  for (const name of ["headersTimeout", "requestTimeout", "keepAliveTimeout", "connectionsCheckingInterval"] as const) {
    const value = timeouts[name];
    if (value !== undefined) target[name] = value;
  }
}

/** What every request of this server shares. */
class NodeServing implements Serving {
  /** Set while shutting down: responses then ask the client to close its connection. */
  closing = false;
  readonly logRequests: boolean;
  private readonly access: AccessLog | undefined;

  constructor(
    readonly realtime: RealtimeHub,
    readonly env: AppEnv,
    readonly log: Logger,
    readonly dataSources: DataSources,
    readonly bodyLimit: number,
    accessLogOn: boolean,
    readonly security: HttpSecurity,
    readonly errors: ErrorFormat = DEFAULT_ERROR_FORMAT,
    readonly files: FileStore = new LocalFileStore(join(process.cwd(), ".kova", "uploads")),
  ) {
    this.access = accessLogOn ? accessLog(log) : undefined;
    this.logRequests = this.access !== undefined;
  }

  logRequest(req: IncomingMessage, status: number, start: number, requestId: string): void {
    if (this.access === undefined) return;
    const ms = Math.round((performance.now() - start) * 100) / 100;
    this.access(requestId, req.method ?? "GET", pathOf(req.url ?? "/"), status, ms);
  }
}

/** A routed request on node:http. */
class NodeExchange extends Exchange {
  declare readonly serving: NodeServing;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly start: number,
    route: CompiledRoute,
    params: Record<string, string | number | boolean>,
    query: QueryValues,
    requestId: string,
    serving: NodeServing,
  ) {
    super(req.method ?? "GET", pathOf(req.url ?? "/"), req.headers, requestId, route, params, query, serving);
  }

  get peerAddress(): string | undefined {
    return this.req.socket.remoteAddress;
  }

  protected get encrypted(): boolean {
    return (this.req.socket as { encrypted?: boolean }).encrypted === true;
  }

  readBody(): StageOutcome | Promise<StageOutcome> {
    if (!requestHasBody(this.req.headers)) return undefined;
    const multipart = this.route.definition.multipart;
    if (multipart !== undefined) {
      if (!isMultipart(this.req.headers["content-type"])) return this.problem(415, "this endpoint takes files: send multipart/form-data", ProblemType.unsupportedMediaType);
      return this.readParts(multipart);
    }
    const unsupported = checkJsonContentType(this.req.headers["content-type"]) ?? unsupportedContentEncoding(this.req.headers["content-encoding"]);
    if (unsupported !== undefined) return this.problem(415, unsupported, ProblemType.unsupportedMediaType);
    return this.readJson();
  }

  /** Errors (BodyError, ClientGoneError) are the pipeline's to turn into answers. */
  private async readJson(): Promise<StageOutcome> {
    const limit = this.serving.bodyLimit;
    const encoding = this.req.headers["content-encoding"];
    const bytes = await readBodyBytes(this.req, limit);
    this.body = decodeJsonBody(encoding === undefined ? bytes : await decodeBody(bytes, encoding, limit));
    return undefined;
  }

  private async readParts(multipart: MultipartDefinition): Promise<StageOutcome> {
    // The multipart reader (and busboy) loads with the first upload, not at start.
    const { readMultipart } = await import("./uploads/multipart.js");
    const { body, files } = await readMultipart(this.req, multipart, this.serving.files, this.serving.bodyLimit);
    this.body = body;
    this.uploads = files;
    return undefined;
  }

  override clientGone(): boolean {
    return this.res.destroyed || this.req.socket.destroyed;
  }

  send(reply: SerializedReply): void {
    if (this.res.headersSent) return;
    if (reply.file !== undefined) return this.sendFile(reply);
    if (reply.stream !== undefined) {
      const headers: Record<string, string | string[]> = { ...this.serving.security.headersFor(this.headers, this.https), ...this.responseHeaders, ...reply.headers, "x-request-id": this.requestId };
      // The stream code loads with the first STREAM answered, not at start.
      import("./realtime/sse.js").then(
        // A client gone while the module loaded has nothing to stream to.
        ({ openStream }) => this.res.destroyed ? undefined : openStream(this.serving.realtime, () => changeFeedFor(this.serving.dataSources, { log: this.serving.log }), reply.stream!, this.req, this.res, headers),
        (error: unknown) => {
          this.serving.log.error({ reqId: this.requestId, err: error }, "cannot open the stream");
          this.res.destroy();
        },
      );
      this.serving.logRequest(this.req, 200, this.start, this.requestId);
      return;
    }
    sendReply(this.res, reply, this.requestId, this.serving.closing || this.closeConnection, this.responseHeaders, this.serving.security.headersFor(this.headers, this.https));
    this.serving.logRequest(this.req, reply.status, this.start, this.requestId);
  }

  private sendFile(reply: SerializedReply): void {
    sendFileFrom(this, this.req, this.res, reply, (answer) => this.send(answer));
    this.res.once("finish", () => this.serving.logRequest(this.req, this.res.statusCode, this.start, this.requestId));
  }
}

/** A download: the stored bytes, or a problem when they are gone or the range is past their end. */
function sendFileFrom(exchange: NodeExchange, req: IncomingMessage, res: ServerResponse, reply: SerializedReply, send: (reply: SerializedReply) => void): void {
  const headers: OutgoingHttpHeaders = { "x-request-id": exchange.requestId, ...exchange.serving.security.headersFor(req.headers, exchange.https), ...reply.headers, ...exchange.responseHeaders };
  if (exchange.serving.closing || exchange.closeConnection) headers.connection = "close";
  // The download code loads with the first file sent, not at start.
  import("./uploads/download.js").then(({ sendDownload }) => sendDownload(res, req, exchange.serving.files, reply.file!, headers, (answer) => {
    const problem = makeProblem(answer.status, answer.type, answer.detail, exchange.path, exchange.requestId);
    const shaped = problemReply(problem, exchange.serving.errors);
    send({ ...shaped, headers: { ...shaped.headers, ...(answer.headers as Record<string, string> | undefined) } });
  })).catch((error: unknown) => {
    exchange.serving.log.error({ reqId: exchange.requestId, err: error }, "cannot send the file");
    if (!res.headersSent) send(problemReply(makeProblem(500, ProblemType.internal, "the file cannot be read", exchange.path, exchange.requestId), exchange.serving.errors));
    else res.destroy();
  });
}

class RequestHandler {
  readonly realtime: RealtimeHub;
  private sockets: SocketServer | undefined;
  /** The WebSocket code, loaded on the first upgrade (at construction when the app declares SOCKETs). */
  private socketModule: Promise<typeof import("./realtime/socket-server.js")> | undefined;
  private realtimeClosed = false;
  private readonly socketDefinitions: AppDefinition["sockets"];
  private readonly graphqlUpgrades: string | undefined;
  private readonly router: Router<RouteStore>;
  private readonly pipeline: Pipeline;
  readonly serving: NodeServing;
  private readonly metrics: Metrics | undefined;
  private readonly metricsToken: string | undefined;
  private readonly tracing: Tracing | undefined;

  constructor(app: AppDefinition, options: ServerOptions, log: Logger) {
    const internalPrefix = options.internalPrefix ?? "/_kova";
    const docsOptions = apiDocsOptions(internalPrefix, options.apiDocs);
    const apiDocs = new ApiDocs(app.openapi, docsOptions, log, app.openapiVersions);
    this.metrics = options.metrics;
    this.metricsToken = options.metrics === undefined ? undefined : options.metricsToken;
    this.tracing = options.tracing;
    this.router = buildRouter(app, internalPrefix, log, apiDocs, options.graphql, { metrics: this.metricsToken !== undefined });
    this.socketDefinitions = app.sockets;
    // An app with SOCKETs loads the WebSocket code now, so its first upgrade does not wait for it.
    if ((app.sockets ?? []).length > 0) void this.loadSockets().catch(() => {});
    this.graphqlUpgrades = options.graphql?.subscriptionsPath;
    const env = options.env ?? {};
    const security = new HttpSecurity(app, env, options.security ?? {}, log);
    let pipeline = withVersionStage(security.withStages(options.pipeline ?? new Pipeline()), app, (v) => versionDocument(app, docsOptions, v));
    // GraphQL runs endpoints through the pipeline and reads their JSON in process: without compression.
    options.graphql?.bind(pipeline);
    if (options.compression !== undefined && options.compression !== false) {
      // Last: it compresses whatever the stages before it answered, problems included.
      pipeline = pipeline.with(compressionStage(compressionOptions(options.compression === true ? {} : options.compression)), { after: pipeline.names[pipeline.names.length - 1] });
    }
    this.pipeline = pipeline;
    const dataSources = options.dataSources ?? DataSources.empty();
    this.realtime = new RealtimeHub(log, { replay: options.realtime?.replay });
    registerRealtime(dataSources, this.realtime);
    this.realtime.used = (app.sockets ?? []).length > 0 || app.routes.some((r) => r.stream === true || r.broadcasts === true);
    // A live query hears of writes through the change feed: started with the server, so the data
    // sources record changes from the first write on (the feed records nothing until it starts).
    if (app.routes.some((r) => r.live === true) || (app.sockets ?? []).some((s) => s.live === true)) changeFeedFor(dataSources, { log });
    if (options.realtime?.redis !== undefined) {
      const redis = options.realtime.redis;
      import("./realtime/redis-bridge.js").then(({ RedisBridge }) => RedisBridge.connect(redis, app.name, this.realtime.epoch, log)).then(
        (bridge) => this.realtime.attach(bridge),
        (error: unknown) => log.error({ err: error }, "realtime: cannot use Redis (is ioredis installed? it comes with @kova/driver-redis); rooms stay within this process"),
      );
    }
    this.serving = new NodeServing(this.realtime, env, log, dataSources, options.bodyLimit ?? DEFAULT_BODY_LIMIT, options.accessLog ?? false, security, options.errors ?? DEFAULT_ERROR_FORMAT, options.files);
  }

  /** An HTTP upgrade: a SOCKET's WebSocket (realtime/socket-server.ts), or a refusal. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // GraphQL subscriptions' own listener serves its path (graphql/subscriptions.ts).
    if (this.graphqlUpgrades !== undefined && pathOf(req.url ?? "/") === this.graphqlUpgrades) return;
    if (this.sockets !== undefined) return this.sockets.handleUpgrade(req, socket, head);
    // Node leaves the socket unread until a handler takes it, so waiting for the module loses nothing.
    this.loadSockets().then(
      ({ SocketServer }) => {
        if (this.realtimeClosed || socket.destroyed) return socket.destroy();
        this.sockets ??= new SocketServer(this.socketDefinitions ?? [], this.realtime, this.serving);
        this.sockets.handleUpgrade(req, socket, head);
      },
      (error: unknown) => {
        this.serving.log.error({ err: error }, "cannot load the WebSocket server");
        socket.destroy();
      },
    );
  }

  private loadSockets(): Promise<typeof import("./realtime/socket-server.js")> {
    return (this.socketModule ??= import("./realtime/socket-server.js"));
  }

  /** Shutdown: sockets get a close frame and streams end, so they do not hold the server open. */
  async closeRealtime(): Promise<void> {
    this.realtimeClosed = true;
    this.sockets?.close();
    await this.realtime.close();
  }

  /** Security and CORS headers for a response answered outside the pipeline. */
  private baseHeaders(req: IncomingMessage): Readonly<Record<string, string>> {
    const security = this.serving.security;
    return security.headersFor(req.headers, security.clientAddress.isHttps((req.socket as { encrypted?: boolean }).encrypted === true, req.socket.remoteAddress, req.headers));
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    // Without metrics and tracing a request pays these two checks and nothing else.
    if (this.metrics === undefined && this.tracing === undefined) {
      this.dispatch(req, res);
      return;
    }
    if (this.tracing === undefined) this.observe(req, res, undefined);
    else this.tracing.request(req.method ?? "GET", req.headers, (span) => this.observe(req, res, span));
  };

  /** Dispatches with the request counted and timed (metrics) and its span ended when the response closes. */
  private observe(req: IncomingMessage, res: ServerResponse, span: Span | undefined): void {
    const started = performance.now();
    this.metrics?.requestStarted();
    const method = req.method ?? "GET";
    let route: string | undefined;
    res.once("close", () => {
      // A response the client abandoned was never written: it counts as 499, nginx's "client closed".
      const status = res.headersSent ? res.statusCode : 499;
      this.metrics?.requestFinished(method, route ?? "unmatched", status, (performance.now() - started) / 1000);
      if (span !== undefined) this.tracing!.endRequest(span, method, route, { status });
    });
    route = this.dispatch(req, res);
  }

  /** Routes and answers a request; returns the route's pattern (for metrics and spans), undefined when none matched. */
  private dispatch(req: IncomingMessage, res: ServerResponse): string | undefined {
    const start = this.serving.logRequests ? performance.now() : 0;
    const requestId = requestIdFor(req.headers["x-request-id"]);
    const url = req.url ?? "/";
    const match = this.router.find(req.method ?? "GET", url);
    // Probes are answered whatever the Host: load balancers probe them by address, and they reveal nothing.
    if (match !== null && isHealthRoute(match.store)) {
      void this.internal(match.store, req, res, requestId, start);
      return match.store.path;
    }
    if (!this.serving.security.hostAllowed(req.headers.host)) {
      this.problem(req, res, start, 421, HOST_NOT_ALLOWED, this.serving.security.hostRefusal(req.headers.host), requestId);
      return undefined;
    }
    if (match === null) {
      this.noRoute(req, res, url, requestId, start);
      return undefined;
    }
    if (match.store instanceof ApiDocsRoute) {
      this.apiDocs(req, res, match.store.reply(), requestId, start);
      return pathOf(url);
    }
    const store: unknown = match.store;
    if (store === null) {
      this.problem(req, res, start, 400, ProblemType.badUrl, "the request URL is not valid (bad percent-encoding)", requestId);
      return undefined;
    }
    const badParam = badlyEncodedQueryParam(url);
    if (badParam !== undefined) {
      this.sendProblem(req, res, start, badQueryEncodingProblem(badParam, pathOf(url), requestId));
      return undefined;
    }
    const params = match.params as Record<string, string | number | boolean>;
    const route = store as CompiledRoute;
    const exchange = new NodeExchange(req, res, start, route, params, match.searchParams as QueryValues, requestId, this.serving);
    this.pipeline.run(exchange);
    return route.definition.path;
  }

  /** Liveness, readiness, and metrics when served on this port (behind their token). */
  private async internal(route: InternalRoute, req: IncomingMessage, res: ServerResponse, requestId: string, start: number): Promise<void> {
    if (route.kind === "metrics") {
      const { metricsReply } = await import("./ops/metrics-server.js");
      const reply = await metricsReply(this.metrics!, this.metricsToken, req.headers.authorization, route.path, requestId);
      res.writeHead(reply.status, { ...this.baseHeaders(req), ...reply.headers, "x-request-id": requestId });
      res.end(req.method === "HEAD" ? undefined : reply.body);
      this.serving.logRequest(req, reply.status, start, requestId);
      return;
    }
    const reply = route.kind === "health"
      ? await healthReply(this.serving.dataSources, this.serving.log, this.realtime.used ? this.realtime.status() : undefined)
      : await readyReply(this.serving.dataSources, this.serving.closing, this.serving.log);
    sendReply(res, reply, requestId, this.serving.closing, undefined, this.baseHeaders(req));
    this.serving.logRequest(req, reply.status, start, requestId);
  }

  private apiDocs(req: IncomingMessage, res: ServerResponse, reply: ApiDocsReply, requestId: string, start: number): void {
    const headers: Record<string, string> = { ...this.baseHeaders(req), ...reply.headers, "content-length": String(Buffer.byteLength(reply.body)), "x-request-id": requestId };
    if (this.serving.closing) headers.connection = "close";
    res.writeHead(reply.status, headers);
    res.end(req.method === "HEAD" ? undefined : reply.body);
    this.serving.logRequest(req, reply.status, start, requestId);
  }

  private noRoute(req: IncomingMessage, res: ServerResponse, url: string, requestId: string, start: number): void {
    const allowed = allowedMethods(this.router, url);
    const path = pathOf(url);
    if (allowed.length === 0) {
      return this.problem(req, res, start, 404, ProblemType.notFound, `no route matches ${req.method} ${path}`, requestId);
    }
    const allow = allowed.join(", ");
    if (req.method === "OPTIONS") {
      const answer = this.serving.security.answerOptions(req.headers, allowed);
      if (answer.refused !== undefined) {
        sendProblem(res, makeProblem(answer.status, ProblemType.corsRefused, answer.refused, path, requestId), this.serving.closing, answer.headers, this.baseHeaders(req), this.serving.errors);
      } else {
        sendReply(res, { status: answer.status, payload: undefined, headers: answer.headers }, requestId, this.serving.closing, undefined, this.baseHeaders(req));
      }
      return this.serving.logRequest(req, answer.status, start, requestId);
    }
    const problem = makeProblem(405, ProblemType.methodNotAllowed, `${req.method} is not allowed on ${path}; allowed: ${allow}`, path, requestId);
    sendProblem(res, problem, this.serving.closing, { allow }, this.baseHeaders(req), this.serving.errors);
    this.serving.logRequest(req, 405, start, requestId);
  }

  private problem(req: IncomingMessage, res: ServerResponse, start: number, status: number, type: string, detail: string, requestId: string): void {
    this.sendProblem(req, res, start, makeProblem(status, type, detail, pathOf(req.url ?? "/"), requestId));
  }

  private sendProblem(req: IncomingMessage, res: ServerResponse, start: number, problem: Problem): void {
    sendProblem(res, problem, this.serving.closing, undefined, this.baseHeaders(req), this.serving.errors);
    this.serving.logRequest(req, problem.status, start, problem.requestId);
  }
}

class NodeKovaServer implements KovaServer {
  private closed: Promise<void> | undefined;
  private address: AddressInfo | undefined;

  constructor(
    readonly server: Server,
    private readonly handler: RequestHandler,
    readonly log: Logger,
    private readonly shutdownTimeoutMs: number,
    private readonly reloadPair: (() => boolean) | undefined,
  ) {}

  get realtime(): RealtimeHub {
    return this.handler.realtime;
  }

  get url(): string {
    if (this.address === undefined) throw new Error("the server is not listening");
    const host = this.address.family === "IPv6" ? `[${this.address.address}]` : this.address.address;
    return `${this.reloadPair === undefined ? "http" : "https"}://${host}:${this.address.port}`;
  }

  reloadTls(): boolean {
    return this.reloadPair?.() ?? false;
  }

  listen(port = 3000, host = "127.0.0.1"): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once("error", onError);
      this.server.listen(port, host, () => {
        this.server.removeListener("error", onError);
        this.address = this.server.address() as AddressInfo;
        resolve(this.address);
      });
    });
  }

  close(): Promise<void> {
    this.closed ??= new Promise((resolve) => {
      this.handler.serving.closing = true;
      const force = setTimeout(() => {
        this.log.warn({ timeoutMs: this.shutdownTimeoutMs }, "requests still running at the shutdown timeout; closing their connections");
        // node:http2's server has neither; its sessions end with the process.
        this.server.closeAllConnections?.();
      }, this.shutdownTimeoutMs);
      const realtimeClosed = this.handler.closeRealtime().catch((error: unknown) => this.log.warn({ err: error }, "realtime: could not close cleanly"));
      this.server.close(() => {
        clearTimeout(force);
        void realtimeClosed.then(() => resolve());
      });
      // Keep-alive connections with no request in flight would otherwise hold close() open.
      this.server.closeIdleConnections?.();
    });
    return this.closed;
  }
}
