/**
 * The HTTP server: node:http plus find-my-way. One listener function handles every request; the
 * matched route's data rides in the router's `store`, so dispatch allocates no closures.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import Router from "find-my-way";
import type { Logger } from "pino";
import type { AppDefinition, AppEnv, QueryValues, ValidationIssue } from "./app.js";
import { BodyError, ClientGoneError, DEFAULT_BODY_LIMIT, checkJsonContentType, parseJsonBody, readBodyText, requestHasBody } from "./body.js";
import { KovaRequestContext, pathOf, requestIdFor } from "./context.js";
import { DataSources } from "./data-sources.js";
import { createLogger, resolveLogLevel } from "./logger.js";
import { typeQuery } from "./params.js";
import { ProblemType, makeProblem, problemFromError } from "./problem.js";
import { sendProblem, sendReply } from "./respond.js";
import { CompiledRoute, serializeReply } from "./route.js";
import { buildRouter, allowedMethods, isHealthRoute } from "./routing.js";

export interface ServerOptions {
  /** A pino logger to use; otherwise one is created at `logLevel`. */
  logger?: Logger;
  /** Default: KOVA_LOG_LEVEL, then `info`. */
  logLevel?: string;
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
  const server = createHttpServer(handler.handle);
  return new NodeKovaServer(server, handler, log, options.shutdownTimeoutMs ?? 10_000);
}

class RequestHandler {
  private readonly router: Router.Instance<Router.HTTPVersion.V1>;
  private readonly bodyLimit: number;
  private readonly env: AppEnv;
  private readonly dataSources: DataSources;
  private readonly logRequests: boolean;
  /** Set while shutting down: responses then ask the client to close its connection. */
  closing = false;

  constructor(app: AppDefinition, options: ServerOptions, private readonly log: Logger) {
    this.router = buildRouter(app, options.internalPrefix ?? "/_kova", log);
    this.bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
    this.env = options.env ?? {};
    this.dataSources = options.dataSources ?? DataSources.empty();
    this.logRequests = log.isLevelEnabled("info");
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const start = this.logRequests ? performance.now() : 0;
    const requestId = requestIdFor(req.headers["x-request-id"]);
    const url = req.url ?? "/";
    const match = this.router.find(req.method as Router.HTTPMethod, url);
    if (match === null) return this.noRoute(req, res, url, requestId, start);
    const store: unknown = match.store;
    if (store === null) {
      return this.problem(req, res, start, 400, ProblemType.badUrl, "the request URL is not valid (bad percent-encoding)", requestId);
    }
    if (isHealthRoute(store)) {
      void this.health(req, res, requestId, start);
      return;
    }
    const route = store as CompiledRoute;
    const params = match.params as Record<string, unknown>;
    const paramIssues = route.typeParams(params);
    if (paramIssues !== undefined) return this.invalid(req, res, start, requestId, paramIssues, "path parameter");
    const query = match.searchParams as QueryValues;
    const declaredQuery = route.definition.query;
    if (declaredQuery !== undefined) {
      const queryIssues = typeQuery(query, declaredQuery);
      if (queryIssues.length > 0) return this.invalid(req, res, start, requestId, queryIssues, "query parameter");
    }
    if (requestHasBody(req.headers)) {
      const unsupported = checkJsonContentType(req.headers["content-type"]);
      if (unsupported !== undefined) {
        return this.problem(req, res, start, 415, ProblemType.unsupportedMediaType, unsupported, requestId);
      }
      void this.runWithBody(req, res, route, params, query, requestId, start);
    } else {
      void this.run(req, res, route, params, query, undefined, requestId, start);
    }
  };

  private async runWithBody(
    req: IncomingMessage,
    res: ServerResponse,
    route: CompiledRoute,
    params: Record<string, unknown>,
    query: QueryValues,
    requestId: string,
    start: number,
  ): Promise<void> {
    let body: unknown;
    try {
      body = parseJsonBody(await readBodyText(req, this.bodyLimit));
    } catch (error) {
      if (error instanceof ClientGoneError) return;
      const bodyError = error as BodyError;
      const problem = makeProblem(bodyError.status, bodyError.type, bodyError.message, pathOf(req.url ?? "/"), requestId);
      sendProblem(res, problem, this.closing || bodyError.closeConnection);
      return this.logRequest(req, problem.status, start, requestId);
    }
    return this.run(req, res, route, params, query, body, requestId, start);
  }

  private async run(
    req: IncomingMessage,
    res: ServerResponse,
    route: CompiledRoute,
    params: Record<string, unknown>,
    query: QueryValues,
    body: unknown,
    requestId: string,
    start: number,
  ): Promise<void> {
    const definition = route.definition;
    const path = pathOf(req.url ?? "/");
    let status: number;
    try {
      if (definition.validateBody !== undefined) {
        const issues = definition.validateBody(body);
        if (issues.length > 0) return this.invalid(req, res, start, requestId, issues, "body");
      }
      const ctx = new KovaRequestContext(
        req.method ?? "GET", path, params as Record<string, string | number | boolean>, query, req.headers, body,
        requestId, this.env, this.log, this.dataSources,
      );
      const reply = serializeReply(await definition.handler(ctx));
      status = reply.status;
      sendReply(res, reply, requestId, this.closing);
    } catch (error) {
      const problem = problemFromError(error, definition, path, requestId, this.log);
      status = problem.status;
      if (!res.headersSent) sendProblem(res, problem, this.closing);
    }
    this.logRequest(req, status, start, requestId);
  }

  private async health(req: IncomingMessage, res: ServerResponse, requestId: string, start: number): Promise<void> {
    const dataSources = await this.dataSources.health();
    const ok = dataSources.every((d) => d.ok);
    sendReply(res, { status: ok ? 200 : 503, payload: JSON.stringify({ status: ok ? "ok" : "unavailable", dataSources }), headers: undefined }, requestId, this.closing);
    this.logRequest(req, ok ? 200 : 503, start, requestId);
  }

  private noRoute(req: IncomingMessage, res: ServerResponse, url: string, requestId: string, start: number): void {
    const allowed = allowedMethods(this.router, url);
    const path = pathOf(url);
    if (allowed.length === 0) {
      return this.problem(req, res, start, 404, ProblemType.notFound, `no route matches ${req.method} ${path}`, requestId);
    }
    const allow = allowed.join(", ");
    if (req.method === "OPTIONS") {
      sendReply(res, { status: 204, payload: undefined, headers: { allow } }, requestId, this.closing);
      return this.logRequest(req, 204, start, requestId);
    }
    const problem = makeProblem(405, ProblemType.methodNotAllowed, `${req.method} is not allowed on ${path}; allowed: ${allow}`, path, requestId);
    sendProblem(res, problem, this.closing, { allow });
    this.logRequest(req, 405, start, requestId);
  }

  private invalid(req: IncomingMessage, res: ServerResponse, start: number, requestId: string, issues: ValidationIssue[], what: string): void {
    const detail = issues.length === 1 ? `invalid ${what} ${issues[0].field || "(whole body)"}: ${issues[0].message}` : `${issues.length} invalid ${what} values`;
    const type = what === "body" ? ProblemType.validation : ProblemType.invalidParameter;
    const problem = makeProblem(400, type, detail, pathOf(req.url ?? "/"), requestId, issues);
    sendProblem(res, problem, this.closing);
    this.logRequest(req, 400, start, requestId);
  }

  private problem(req: IncomingMessage, res: ServerResponse, start: number, status: number, type: string, detail: string, requestId: string): void {
    sendProblem(res, makeProblem(status, type, detail, pathOf(req.url ?? "/"), requestId), this.closing);
    this.logRequest(req, status, start, requestId);
  }

  private logRequest(req: IncomingMessage, status: number, start: number, requestId: string): void {
    if (!this.logRequests) return;
    const ms = Math.round((performance.now() - start) * 100) / 100;
    this.log.info({ reqId: requestId, method: req.method, path: pathOf(req.url ?? "/"), status, ms }, "request");
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
      this.handler.closing = true;
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
