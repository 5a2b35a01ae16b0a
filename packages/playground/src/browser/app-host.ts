/**
 * A compiled program served in the browser: what `kova run` does on node:http, without the socket.
 * The request is routed by the runtime's router, run through the runtime's Pipeline (typeInputs,
 * auth, readBody, validate, handler — the same stages and problems as on Node) as a BrowserExchange,
 * and the compiled handlers' queries run on the embedded store's SQL on SQLite WASM (BrowserDriver).
 * What the browser cannot serve (other drivers, TASK, SOCKET, STREAM, uploads, AUTH, CACHE) is
 * refused when the program loads, naming each feature, rather than failing on some request.
 */
import {
  allowedMethods, buildRouter, checkJsonContentType, DataSources, DEFAULT_ERROR_FORMAT, Exchange, HttpSecurity, JSON_CONTENT_TYPE,
  badlyEncodedQueryParam, badQueryEncodingProblem, makeProblem, parseJsonBody, pathOf, Pipeline, problemReply, ProblemType, requestHasBody, requestIdFor,
  type AppDefinition, type AppEnv, type CompiledRoute, type QueryValues, type FileStore, type Logger, type Problem, type RouteStore, type SerializedReply, type Serving, type StageOutcome,
} from "@kova/runtime/browser";
import type { IncomingHttpHeaders } from "node:http";
import { appDriverView, DATA_KEY_ENV, DataKeys, backfillIdentifiers, DRIVER_PACKAGES, hasEncryptedFields, hasMaskedFields, storedEntities, MasterKeys, type Driver } from "@kova/query";
import { BrowserDriver } from "./browser-driver.js";
import type { BrowserStore } from "./store.js";

export interface PlaygroundRequest {
  method: string;
  /** The path with its query string, e.g. `/todos?done=true`. */
  path: string;
  headers?: Record<string, string>;
  /** The JSON body as typed; empty or absent: no body. */
  body?: string;
}

export interface PlaygroundResponse {
  status: number;
  /** Lower-case names, as a server would send them. */
  headers: Record<string, string>;
  body: string;
  ms: number;
}

/** A program that uses what the playground cannot run: each feature, said in a sentence. */
export class UnsupportedProgram extends Error {
  constructor(readonly features: string[]) {
    super(`this program uses what the playground cannot run: ${features.join("; ")}`);
    this.name = "UnsupportedProgram";
  }
}

/** Uploads need a file store; the browser's store keeps rows only. */
const NO_FILES: FileStore = {
  put: () => Promise.reject(new Error("file uploads are not available in the playground")),
  size: () => Promise.resolve(undefined),
  read: () => {
    throw new Error("file downloads are not available in the playground");
  },
  remove: () => Promise.resolve(),
};

/** What in `app` the browser cannot serve; empty when all of it runs. */
export function unsupportedFeatures(app: AppDefinition): string[] {
  const found: string[] = [];
  for (const source of app.dataSources) {
    if (DRIVER_PACKAGES[source.driver] !== "@kova/driver-embedded") found.push(`CONNECT ${source.name} USING ${source.driver}: only the embedded store runs in the browser`);
  }
  if (app.dataSources.length > 1) found.push("several data sources: the browser holds one embedded store");
  if ((app.tasks ?? []).length > 0) found.push("TASK: background work needs a server");
  if ((app.sockets ?? []).length > 0) found.push("SOCKET: WebSockets need a server");
  if ((app.caches ?? []).length > 0) found.push("CACHE");
  const routes = (what: string, test: (r: AppDefinition["routes"][number]) => boolean) => {
    const hits = app.routes.filter(test).map((r) => `${r.method} ${r.path}`);
    if (hits.length > 0) found.push(`${what} (${hits.join(", ")})`);
  };
  routes("AUTH: credentials need the server's keys and hashing", (r) => r.auth !== undefined);
  routes("STREAM: server-sent events need a server", (r) => r.stream === true);
  routes("BROADCAST", (r) => r.broadcasts === true);
  routes("file uploads", (r) => r.multipart !== undefined);
  if (app.security?.rateLimit !== undefined) found.push("RATE_LIMIT: limits count clients by their address, and the page is the only client");
  routes("RATE_LIMIT: limits count clients by their address, and the page is the only client", (r) => r.rateLimit !== undefined);
  for (const v of app.env) {
    // ENCRYPTED fields' master key: the page makes one of its own (see BrowserApp.start).
    if (v.name === DATA_KEY_ENV) continue;
    if (v.default === undefined) found.push(`env("${v.name}") has no value in the browser: give it a default, env("${v.name}", "…")`);
  }
  return found;
}

/** A routed request in the page: the body is the text typed, the response goes back to the page. */
class BrowserExchange extends Exchange {
  constructor(
    method: string,
    url: string,
    headers: Record<string, string>,
    requestId: string,
    route: CompiledRoute,
    params: Record<string, string | number | boolean>,
    query: QueryValues,
    serving: Serving,
    private readonly text: string,
    private readonly done: (exchange: BrowserExchange, reply: SerializedReply) => void,
  ) {
    super(method, pathOf(url), headers as IncomingHttpHeaders, requestId, route, params, query, serving);
  }

  /** The page itself: the request never left the browser. */
  get peerAddress(): string {
    return "127.0.0.1";
  }

  protected get encrypted(): boolean {
    return false;
  }

  readBody(): StageOutcome {
    if (!requestHasBody(this.headers)) return undefined;
    if (this.route.definition.multipart !== undefined) return this.problem(415, "file uploads are not available in the playground", ProblemType.unsupportedMediaType);
    const unsupported = checkJsonContentType(this.headers["content-type"]);
    if (unsupported !== undefined) return this.problem(415, unsupported, ProblemType.unsupportedMediaType);
    // Broken JSON throws the runtime's BodyError: the pipeline answers it with its 400 problem.
    this.body = parseJsonBody(this.text);
    return undefined;
  }

  send(reply: SerializedReply): void {
    this.done(this, reply);
  }
}

export class BrowserApp {
  private constructor(
    readonly app: AppDefinition,
    private readonly router: ReturnType<typeof buildRouter>,
    private readonly pipeline: Pipeline,
    private readonly serving: Serving,
  ) {}

  /** Migrates the store to the program's entities (as `kova run` does at start) and serves it. */
  static async start(app: AppDefinition, store: BrowserStore, log: Logger): Promise<BrowserApp> {
    const unsupported = unsupportedFeatures(app);
    if (unsupported.length > 0) throw new UnsupportedProgram(unsupported);
    const drivers = new Map<string, Driver>();
    // ENCRYPTED fields: the page's data lives only in the page, so a master key of its own does.
    const masters = app.dataSources.some((s) => hasEncryptedFields(s.entities)) ? await MasterKeys.ephemeral() : undefined;
    for (const source of app.dataSources) {
      const driver = new BrowserDriver(store);
      await driver.migrate(storedEntities(source.entities));
      await backfillIdentifiers(driver, source.entities);
      // The same view of the driver as connectDataSources gives an app on Node (public ids, identifiers, encryption).
      const keys = masters !== undefined && hasEncryptedFields(source.entities) ? new DataKeys(driver, masters) : undefined;
      drivers.set(source.name, appDriverView(driver, source.entities, keys));
    }
    const env: AppEnv = Object.fromEntries(app.env.map((v) => [v.name, v.default ?? ""]));
    const security = new HttpSecurity(app, env, {}, log);
    // MASKED fields: the same request views as on Node note their values, to mask the answers.
    const masked = new Map(app.dataSources.filter((s) => hasMaskedFields(s.entities)).map((s) => [s.name, s.entities] as const));
    const serving: Serving = { env, log, dataSources: new DataSources(drivers, new Map(), new Map(), masked), security, errors: DEFAULT_ERROR_FORMAT, files: NO_FILES };
    return new BrowserApp(app, buildRouter(app, false, log), security.withStages(new Pipeline()), serving);
  }

  /** Answers one request as the Node server would: 404, 405, a bad URL, or the pipeline's reply. */
  request(request: PlaygroundRequest): Promise<PlaygroundResponse> {
    const started = performance.now();
    const method = request.method.toUpperCase();
    const url = request.path.startsWith("/") ? request.path : `/${request.path}`;
    const text = request.body ?? "";
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
    if (text !== "") {
      headers["content-type"] ??= "application/json";
      headers["content-length"] = String(new TextEncoder().encode(text).length);
    }
    const requestId = requestIdFor(headers["x-request-id"]);
    return new Promise((resolve) => {
      const answer = (reply: SerializedReply, extra?: Record<string, string>) => resolve(this.response(method, headers, reply, requestId, extra, started));
      const problem = (p: Problem, extra?: Record<string, string>) => answer(problemReply(p, this.serving.errors), extra);
      const match = this.router.find(method, url);
      if (match === null) {
        const allowed = allowedMethods(this.router, url);
        const path = pathOf(url);
        if (allowed.length === 0) return problem(makeProblem(404, ProblemType.notFound, `no route matches ${method} ${path}`, path, requestId));
        if (method === "OPTIONS") return answer({ status: 204, payload: undefined, headers: { allow: allowed.join(", ") } });
        return problem(makeProblem(405, ProblemType.methodNotAllowed, `${method} is not allowed on ${path}; allowed: ${allowed.join(", ")}`, path, requestId), { allow: allowed.join(", ") });
      }
      if (match.store === null) return problem(makeProblem(400, ProblemType.badUrl, "the request URL is not valid (bad percent-encoding)", pathOf(url), requestId));
      const badParam = badlyEncodedQueryParam(url);
      if (badParam !== undefined) return problem(badQueryEncodingProblem(badParam, pathOf(url), requestId));
      const route = match.store as RouteStore as CompiledRoute;
      const exchange = new BrowserExchange(method, url, headers, requestId, route, match.params, match.searchParams as QueryValues, this.serving, text, (ex, reply) => {
        if (reply.stream !== undefined || reply.file !== undefined) {
          return problem(makeProblem(501, ProblemType.internal, "streams and file downloads are not available in the playground", ex.path, requestId));
        }
        answer(reply, ex.responseHeaders);
      });
      this.pipeline.run(exchange);
    });
  }

  /** The headers in the order the Node server assembles them (runtime/src/respond.ts sendReply). */
  private response(method: string, requestHeaders: Record<string, string>, reply: SerializedReply, requestId: string, extra: Record<string, string> | undefined, started: number): PlaygroundResponse {
    const headers: Record<string, string> = { "x-request-id": requestId, ...this.serving.security.headersFor(requestHeaders as IncomingHttpHeaders, false) };
    const payload = reply.payload === undefined ? "" : typeof reply.payload === "string" ? reply.payload : new TextDecoder().decode(reply.payload);
    if (reply.payload !== undefined) {
      headers["content-type"] = JSON_CONTENT_TYPE;
      headers["content-length"] = String(new TextEncoder().encode(payload).length);
    }
    for (const [name, value] of Object.entries(reply.headers ?? {})) headers[name.toLowerCase()] = Array.isArray(value) ? value.join("\n") : value;
    Object.assign(headers, extra);
    return { status: reply.status, headers, body: method === "HEAD" ? "" : payload, ms: Math.round((performance.now() - started) * 100) / 100 };
  }
}
