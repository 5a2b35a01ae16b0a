/**
 * The HTTP server: node:http plus the route table (router.ts). It decodes and routes each request (the matched
 * route's data rides in the router's `store`, so dispatch allocates no closures), answers 404,
 * 405, OPTIONS and health itself, and hands every routed request to the shared Pipeline as a
 * NodeExchange, which knows how to read the body and write the response on node:http.
 */
import { DEFAULT_ERROR_FORMAT, type ErrorFormat } from "./error-shape.js";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import type { AppDefinition, AppEnv, QueryValues } from "./app.js";
import { DEFAULT_BODY_LIMIT, checkJsonContentType, decodeJsonBody, readBodyBytes, requestHasBody } from "./body.js";
import { answerClientError } from "./client-errors.js";
import { pathOf, requestIdFor } from "./context.js";
import { DataSources } from "./data-sources.js";
import { Exchange, type Serving, type StageOutcome } from "./exchange.js";
import { healthReply } from "./health.js";
import { accessLog, createLogger, resolveLogLevel, type AccessLog } from "./logger.js";
import { Pipeline } from "./pipeline.js";
import { badlyEncodedQueryParam } from "./params.js";
import { ProblemType, badQueryEncodingProblem, makeProblem, type Problem } from "./problem.js";
import { sendProblem, sendReply } from "./respond.js";
import type { CompiledRoute, SerializedReply } from "./route.js";
import { ApiDocs, apiDocsOptions, type ApiDocsReply } from "./api-docs/api-docs.js";
import type { GraphqlEndpoint } from "./graphql/endpoint.js";
import { ApiDocsRoute, buildRouter, allowedMethods, isHealthRoute, type RouteStore } from "./routing.js";
import type { Router } from "./router.js";
import { HOST_NOT_ALLOWED, HttpSecurity, type SecurityOptions } from "./security/index.js";

export interface ServerOptions {
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
}

export interface KovaServer {
  /** Resolves once listening; `port` 0 picks a free port. */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /** Stops accepting, lets in-flight requests finish (up to the timeout), then resolves. */
  close(): Promise<void>;
  readonly server: Server;
  /** `http://host:port` once listening. */
  readonly url: string;
  readonly log: Logger;
}

export function createServer(app: AppDefinition, options: ServerOptions = {}): KovaServer {
  const log = options.logger ?? createLogger(app.name, resolveLogLevel(options.logLevel, process.env));
  const handler = new RequestHandler(app, options, log);
  const server = options.maxHeaderSize === undefined ? createHttpServer(handler.handle) : createHttpServer({ maxHeaderSize: options.maxHeaderSize }, handler.handle);
  server.on("clientError", (error, socket) => answerClientError(error, socket, log));
  options.graphql?.serveSubscriptions(server, options.env ?? {});
  return new NodeKovaServer(server, handler, log, options.shutdownTimeoutMs ?? 10_000);
}

/** What every request of this server shares. */
class NodeServing implements Serving {
  /** Set while shutting down: responses then ask the client to close its connection. */
  closing = false;
  readonly logRequests: boolean;
  private readonly access: AccessLog | undefined;

  constructor(
    readonly env: AppEnv,
    readonly log: Logger,
    readonly dataSources: DataSources,
    readonly bodyLimit: number,
    accessLogOn: boolean,
    readonly security: HttpSecurity,
    readonly errors: ErrorFormat = DEFAULT_ERROR_FORMAT,
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
    const unsupported = checkJsonContentType(this.req.headers["content-type"]);
    if (unsupported !== undefined) return this.problem(415, unsupported, ProblemType.unsupportedMediaType);
    return this.readJson();
  }

  /** Errors (BodyError, ClientGoneError) are the pipeline's to turn into answers. */
  private async readJson(): Promise<StageOutcome> {
    this.body = decodeJsonBody(await readBodyBytes(this.req, this.serving.bodyLimit));
    return undefined;
  }

  override clientGone(): boolean {
    return this.res.destroyed || this.req.socket.destroyed;
  }

  send(reply: SerializedReply): void {
    if (this.res.headersSent) return;
    sendReply(this.res, reply, this.requestId, this.serving.closing || this.closeConnection, this.responseHeaders, this.serving.security.headersFor(this.headers, this.https));
    this.serving.logRequest(this.req, reply.status, this.start, this.requestId);
  }
}

class RequestHandler {
  private readonly router: Router<RouteStore>;
  private readonly pipeline: Pipeline;
  readonly serving: NodeServing;

  constructor(app: AppDefinition, options: ServerOptions, log: Logger) {
    const internalPrefix = options.internalPrefix ?? "/_kova";
    const apiDocs = new ApiDocs(app.openapi, apiDocsOptions(internalPrefix, options.apiDocs), log);
    this.router = buildRouter(app, internalPrefix, log, apiDocs, options.graphql);
    const env = options.env ?? {};
    const security = new HttpSecurity(app, env, options.security ?? {}, log);
    this.pipeline = security.withStages(options.pipeline ?? new Pipeline());
    options.graphql?.bind(this.pipeline);
    this.serving = new NodeServing(env, log, options.dataSources ?? DataSources.empty(), options.bodyLimit ?? DEFAULT_BODY_LIMIT, options.accessLog ?? false, security, options.errors ?? DEFAULT_ERROR_FORMAT);
  }

  /** Security and CORS headers for a response answered outside the pipeline. */
  private baseHeaders(req: IncomingMessage): Readonly<Record<string, string>> {
    const security = this.serving.security;
    return security.headersFor(req.headers, security.clientAddress.isHttps((req.socket as { encrypted?: boolean }).encrypted === true, req.socket.remoteAddress, req.headers));
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const start = this.serving.logRequests ? performance.now() : 0;
    const requestId = requestIdFor(req.headers["x-request-id"]);
    const url = req.url ?? "/";
    const match = this.router.find(req.method ?? "GET", url);
    // Health is answered whatever the Host: load balancers probe it by address, and it reveals nothing.
    if (match !== null && isHealthRoute(match.store)) {
      void this.health(req, res, requestId, start);
      return;
    }
    if (!this.serving.security.hostAllowed(req.headers.host)) {
      return this.problem(req, res, start, 421, HOST_NOT_ALLOWED, this.serving.security.hostRefusal(req.headers.host), requestId);
    }
    if (match === null) return this.noRoute(req, res, url, requestId, start);
    if (match.store instanceof ApiDocsRoute) return this.apiDocs(req, res, match.store.reply(), requestId, start);
    const store: unknown = match.store;
    if (store === null) {
      return this.problem(req, res, start, 400, ProblemType.badUrl, "the request URL is not valid (bad percent-encoding)", requestId);
    }
    const badParam = badlyEncodedQueryParam(url);
    if (badParam !== undefined) return this.sendProblem(req, res, start, badQueryEncodingProblem(badParam, pathOf(url), requestId));
    const params = match.params as Record<string, string | number | boolean>;
    const exchange = new NodeExchange(req, res, start, store as CompiledRoute, params, match.searchParams as QueryValues, requestId, this.serving);
    this.pipeline.run(exchange);
  };

  private async health(req: IncomingMessage, res: ServerResponse, requestId: string, start: number): Promise<void> {
    const reply = await healthReply(this.serving.dataSources, this.serving.log);
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

  constructor(readonly server: Server, private readonly handler: RequestHandler, readonly log: Logger, private readonly shutdownTimeoutMs: number) {}

  get url(): string {
    if (this.address === undefined) throw new Error("the server is not listening");
    const host = this.address.family === "IPv6" ? `[${this.address.address}]` : this.address.address;
    return `http://${host}:${this.address.port}`;
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
        this.server.closeAllConnections();
      }, this.shutdownTimeoutMs);
      this.server.close(() => {
        clearTimeout(force);
        resolve();
      });
      // Keep-alive connections with no request in flight would otherwise hold close() open.
      this.server.closeIdleConnections();
    });
    return this.closed;
  }
}
