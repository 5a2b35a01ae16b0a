/**
 * Mounts a compiled Kova app on an existing Fastify server. Fastify routes the request and parses
 * its body (with Kova's JSON parser); from there the same Pipeline as the standalone server runs,
 * through a FastifyExchange. The plugin is encapsulated: its JSON parser, error handler and
 * 404/405 handler apply to the app's routes only, and give the same problem responses.
 */
import { DEFAULT_ERROR_FORMAT, shapedProblem, type ErrorFormat } from "./error-shape.js";
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import type { OutgoingHttpHeaders } from "node:http";
import type { AppDefinition, AppEnv, MultipartDefinition, QueryValues } from "./app.js";
import { BodyError, DEFAULT_BODY_LIMIT, checkJsonContentType, decodeJsonBody, requestHasBody } from "./body.js";
import { loadEnv, loadFileConfig, resolveAppEnv, type RawEnv } from "./config.js";
import { pathOf, requestIdFor } from "./context.js";
import { connectDataSources, type DataSources } from "./data-sources.js";
import { Exchange, type Serving, type StageOutcome } from "./exchange.js";
import { healthReply, readyReply } from "./health.js";
import { ApiDocs, apiDocsOptions, versionDocument } from "./api-docs/api-docs.js";
import { withVersionStage } from "./api-versions.js";
import { Pipeline } from "./pipeline.js";
import { badlyEncodedQueryParam } from "./params.js";
import { ProblemType, badQueryEncodingProblem, makeProblem, problemFromError, type Problem } from "./problem.js";
import { JSON_CONTENT_TYPE, CompiledRoute, problemReply, type SerializedReply } from "./route.js";
import { sendDownload } from "./uploads/download.js";
import { isMultipart, readMultipart } from "./uploads/multipart.js";
import type { FileStore } from "./uploads/store.js";
import { openFileStore } from "./uploads/open.js";
import { allowedMethods, buildRouter } from "./routing.js";
import { HOST_NOT_ALLOWED, HttpSecurity, type SecurityOptions } from "./security/index.js";
import { securityOptions } from "./security/start-options.js";
import { graphqlFromConfig, type GraphqlConfig } from "./graphql/endpoint.js";

export interface KovaFastifyOptions {
  /** Where uploads are stored and downloads read; default: kova.config.json's uploads.dir, or `.kova/uploads` in the app folder. */
  files?: FileStore;
  /** Already connected data sources; otherwise the plugin connects (and on close, closes) its own. */
  dataSources?: DataSources;
  /** Where `.env` and the embedded store live. Default: the working directory. */
  appDir?: string;
  /** The environment to read instead of process.env. */
  env?: RawEnv;
  /** Default 1 MiB. */
  bodyLimit?: number;
  /** Prefix (inside the plugin's own prefix) of the health route; `false` disables it. Default `/_kova`. */
  internalPrefix?: string | false;
  /** The request pipeline; default `new Pipeline()` (the built-in stages). */
  pipeline?: Pipeline;
  /** Hosts, proxies, CORS, HSTS, rate-limit store: read from kova.config.json and the environment as the standalone server reads them; what is set here wins, setting by setting. */
  security?: SecurityOptions;
  /** The error shape and validation status, as kova.config.json "errors" sets them (error-shape.ts). */
  errors?: ErrorFormat;
  /** Where the OpenAPI document and the docs page are served (as the standalone server's `apiDocs`). */
  apiDocs?: { openapi?: string | boolean; docs?: string | boolean };
  /** GraphQL (graphql/endpoint.ts): as kova.config.json's "graphql" sets it unless given here; false: not served. */
  graphql?: boolean | GraphqlConfig;
}

declare module "fastify" {
  interface FastifyRequest {
    kovaRequestId: string;
  }
}

/** A routed request in Fastify: the body is already parsed, the response goes through `reply`. */
class FastifyExchange extends Exchange {
  constructor(private readonly request: FastifyRequest, private readonly fastifyReply: FastifyReply, route: CompiledRoute, serving: Serving, private readonly bodyLimit: number) {
    // Copies: Fastify's params and query objects are its own.
    super(
      request.method, pathOf(request.url), request.headers, request.kovaRequestId, route,
      { ...(request.params as Record<string, string>) }, { ...(request.query as QueryValues) }, serving,
    );
  }

  get peerAddress(): string | undefined {
    return this.request.raw.socket.remoteAddress;
  }

  protected get encrypted(): boolean {
    return (this.request.raw.socket as { encrypted?: boolean }).encrypted === true;
  }

  override clientGone(): boolean {
    return this.fastifyReply.raw.destroyed || this.request.raw.socket.destroyed;
  }

  readBody(): StageOutcome | Promise<StageOutcome> {
    // multipart/form-data is left unread by its content parser: only an upload endpoint reads it, streaming.
    const multipart = this.route.definition.multipart;
    const sentParts = isMultipart(this.request.headers["content-type"]);
    if (multipart !== undefined && requestHasBody(this.request.headers)) {
      if (!sentParts) return this.problem(415, "this endpoint takes files: send multipart/form-data", ProblemType.unsupportedMediaType);
      return this.readParts(multipart);
    }
    if (sentParts) return this.problem(415, 'unsupported content type "multipart/form-data"; send application/json', ProblemType.unsupportedMediaType);
    this.body = this.request.body;
    return undefined;
  }

  private async readParts(multipart: MultipartDefinition): Promise<StageOutcome> {
    const { body, files } = await readMultipart(this.request.raw, multipart, this.serving.files, this.bodyLimit);
    this.body = body;
    this.uploads = files;
    return undefined;
  }

  send(result: SerializedReply): void {
    const reply = this.fastifyReply;
    if (reply.sent) return;
    if (result.file !== undefined) {
      // Streamed by Kova, with Range, on the raw response (as the standalone server does).
      const headers = { ...(reply.getHeaders() as OutgoingHttpHeaders), ...result.headers, ...this.responseHeaders };
      reply.hijack();
      const res = reply.raw;
      void sendDownload(res, this.request, this.serving.files, result.file, headers, (answer) => {
        const problem = makeProblem(answer.status, answer.type, answer.detail, this.path, this.requestId);
        const shaped = problemReply(problem, this.serving.errors);
        const payload = shaped.payload!;
        res.writeHead(answer.status, { ...headers, ...shaped.headers, ...answer.headers, "content-length": Buffer.byteLength(payload) });
        res.end(payload);
      }).catch(() => res.destroy());
      return;
    }
    reply.code(result.status);
    if (result.headers !== undefined) reply.headers(result.headers);
    if (this.responseHeaders !== undefined) reply.headers(this.responseHeaders);
    if (result.payload === undefined) {
      reply.send();
      return;
    }
    const type = reply.getHeader("content-type");
    if (type === undefined) reply.type(JSON_CONTENT_TYPE).send(result.payload);
    // A Buffer, so Fastify sends another content type as given (it appends a charset to strings).
    else reply.send(type === JSON_CONTENT_TYPE ? result.payload : Buffer.from(result.payload));
  }
}

export function kovaFastifyPlugin(app: AppDefinition, options: KovaFastifyOptions = {}): FastifyPluginAsync {
  // WebSockets and event streams take over the connection, which Fastify owns here: refuse them
  // clearly at registration rather than serve an endpoint that cannot work.
  const realtime = [...(app.sockets ?? []).map((s) => `SOCKET ${s.path}`), ...app.routes.filter((r) => r.stream === true).map((r) => `${r.method} ${r.path} (STREAM)`)];
  if (realtime.length > 0) {
    throw new Error(`the Fastify plugin cannot serve ${realtime.join(", ")}: sockets and event streams need the Kova server (kova run, or startApp); serve the app on its own port`);
  }
  return async function kova(fastify: FastifyInstance): Promise<void> {
    const appDir = options.appDir ?? process.cwd();
    const rawEnv = loadEnv(appDir, options.env ?? process.env, false);
    const appEnv: AppEnv = resolveAppEnv(app.env, rawEnv, appDir);
    let dataSources = options.dataSources;
    if (dataSources === undefined) {
      const own = await connectDataSources(app, appDir, appEnv);
      dataSources = own;
      fastify.addHook("onClose", async () => own.close());
    }
    const log = fastify.log as unknown as Logger;
    // Like the standalone server: kova.config.json and the environment (KOVA_ALLOWED_HOSTS, …) give
    // the settings, rate limits are shared through the app's Redis data source if any; what the
    // plugin's `security` option sets wins, setting by setting.
    const fromConfig = securityOptions(app, loadFileConfig(appDir), rawEnv, dataSources, undefined, log);
    const given = Object.fromEntries(Object.entries(options.security ?? {}).filter(([, value]) => value !== undefined));
    const security = new HttpSecurity(app, appEnv, { ...fromConfig, ...given }, log);
    // As the standalone server: kova.config.json's "errors" unless the options say otherwise.
    const errors = options.errors ?? loadFileConfig(appDir).errors ?? DEFAULT_ERROR_FORMAT;
    const fileConfig = loadFileConfig(appDir);
    const files = options.files ?? (await openFileStore(appDir, fileConfig.uploads));
    const serving: Serving = { env: appEnv, log, dataSources, security, errors, files };
    const docsOptions = apiDocsOptions(options.internalPrefix ?? "/_kova", options.apiDocs);
    const pipeline = withVersionStage(security.withStages(options.pipeline ?? new Pipeline()), app, (v) => versionDocument(app, docsOptions, v));
    const prefix = fastify.prefix;
    const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
    // The same router the standalone server uses, here only to answer 405 with an Allow header.
    const router = buildRouter(app, false, log);

    fastify.decorateRequest("kovaRequestId", "");
    fastify.addHook("onRequest", (request, reply, done) => {
      request.kovaRequestId = requestIdFor(request.headers["x-request-id"]);
      reply.header("x-request-id", request.kovaRequestId);
      // The same Host check and response headers as the standalone server, on every answer of the app.
      const socket = request.raw.socket;
      reply.headers(security.headersFor(request.headers, security.clientAddress.isHttps((socket as { encrypted?: boolean }).encrypted === true, socket.remoteAddress, request.headers)));
      const health = (request.routeOptions.config as { kovaHealth?: boolean } | undefined)?.kovaHealth === true;
      if (!health && !security.hostAllowed(request.headers.host)) {
        sendProblem(reply, errors, makeProblem(421, HOST_NOT_ALLOWED, security.hostRefusal(request.headers.host), pathOf(request.url), request.kovaRequestId));
        return;
      }
      done();
    });

    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser(
      /^application\/(?:[\w.-]+\+)?json(?:$|[\s;])/i,
      // Bytes, not a string: Fastify's string decoding would replace invalid UTF-8 silently.
      { parseAs: "buffer", bodyLimit },
      (request: FastifyRequest, bytes: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
        const unsupported = checkJsonContentType(request.headers["content-type"]);
        if (unsupported !== undefined) return done(new BodyError(415, ProblemType.unsupportedMediaType, unsupported));
        try {
          done(null, decodeJsonBody(bytes as Buffer));
        } catch (error) {
          done(error as Error);
        }
      },
    );

    // Upload endpoints stream multipart bodies themselves (uploads/multipart.ts): leave the bytes unread here.
    fastify.addContentTypeParser(/^multipart\/form-data(?:$|[\s;])/i, (_request: FastifyRequest, _payload: unknown, done: (err: Error | null, body?: unknown) => void) => done(null, undefined));

    fastify.setErrorHandler((error, request, reply) => {
      const requestId = request.kovaRequestId || requestIdFor(undefined);
      const instance = pathOf(request.url);
      const route = (request.routeOptions.config as { kovaRoute?: CompiledRoute } | undefined)?.kovaRoute;
      return sendProblem(reply, errors, problemFromFastifyError(error, route, instance, requestId, log, bodyLimit));
    });

    fastify.setNotFoundHandler((request, reply) => {
      const requestId = request.kovaRequestId || requestIdFor(undefined);
      const path = pathOf(request.url);
      const allowed = allowedMethods(router, request.url.slice(prefix.length) || "/");
      if (allowed.length === 0) {
        return sendProblem(reply, errors, makeProblem(404, ProblemType.notFound, `no route matches ${request.method} ${path}`, path, requestId));
      }
      const allow = allowed.join(", ");
      if (request.method === "OPTIONS") {
        const answer = security.answerOptions(request.headers, allowed);
        reply.headers(answer.headers);
        if (answer.refused !== undefined) return sendProblem(reply, errors, makeProblem(answer.status, ProblemType.corsRefused, answer.refused, path, requestId));
        return reply.code(answer.status).send();
      }
      reply.header("allow", allow);
      return sendProblem(reply, errors, makeProblem(405, ProblemType.methodNotAllowed, `${request.method} is not allowed on ${path}; allowed: ${allow}`, path, requestId));
    });

    // GraphQL: its GET and POST routes run through the same pipeline as the app's routes.
    const graphql = await graphqlFromConfig(app, options.graphql ?? loadFileConfig(appDir).graphql, dataSources, log);
    graphql?.bind(pipeline);
    if (graphql !== undefined && (router.find("GET", graphql.path) !== null || router.find("POST", graphql.path) !== null)) {
      throw new Error(`an app route takes ${graphql.path}, where GraphQL is configured to be served`);
    }
    for (const definition of [...app.routes, ...(graphql?.routes ?? [])]) {
      const route = new CompiledRoute(definition);
      fastify.route({
        method: definition.method,
        url: definition.path,
        config: { kovaRoute: route },
        handler: (request, reply) => {
          const badParam = badlyEncodedQueryParam(request.url);
          if (badParam !== undefined) return sendProblem(reply, errors, badQueryEncodingProblem(badParam, pathOf(request.url), request.kovaRequestId));
          pipeline.run(new FastifyExchange(request, reply, route, serving, bodyLimit));
        },
      });
    }

    if (options.internalPrefix !== false) {
      // Not ready from the moment Fastify starts closing: the load balancer stops sending traffic.
      let draining = false;
      fastify.addHook("preClose", (done) => {
        draining = true;
        done();
      });
      for (const kind of ["health", "ready"] as const) {
        const path = `${(options.internalPrefix ?? "/_kova").replace(/\/+$/, "")}/${kind}`;
        if (router.find("GET", path) !== null) {
          log.warn({ path }, kind === "health" ? "an app route takes the health check path; the health check is not served" : `an app route takes the ${kind} path; the runtime's ${kind} route is not served`);
          continue;
        }
        fastify.get(path, { config: { kovaHealth: true } }, async (_request, reply) => {
          const result = kind === "health" ? await healthReply(serving.dataSources, log) : await readyReply(serving.dataSources, draining, log);
          return reply.code(result.status).headers(result.headers ?? {}).type(JSON_CONTENT_TYPE).send(result.payload);
        });
      }
    }
    // The OpenAPI document and the docs page, as the standalone server serves them.
    const apiDocs = new ApiDocs(app.openapi, docsOptions, log, app.openapiVersions);
    for (const [path, answer] of apiDocs.routes) {
      if (router.find("GET", path) !== null) {
        log.warn({ path }, "an app route takes the API description's path; it is not served there");
        continue;
      }
      fastify.get(path, async (_request, reply) => {
        const result = answer();
        // A Buffer, so Fastify sends the content type as given.
        return reply.code(result.status).headers(result.headers).send(typeof result.body === "string" ? Buffer.from(result.body) : result.body);
      });
    }
  };
}

function sendProblem(reply: FastifyReply, errors: ErrorFormat, problem: Problem): FastifyReply {
  // A Buffer, so Fastify sends the content type as given (it appends a charset to strings).
  const shaped = shapedProblem(problem, errors);
  return reply.code(problem.status).header("content-type", shaped.headers["content-type"]).send(Buffer.from(JSON.stringify(shaped.body)));
}

/** Fastify's own body errors become the same problems the standalone server sends. */
function problemFromFastifyError(
  error: unknown,
  route: CompiledRoute | undefined,
  instance: string,
  requestId: string,
  log: Logger,
  bodyLimit: number,
): Problem {
  if (error instanceof BodyError) return makeProblem(error.status, error.type, error.message, instance, requestId, error.issues);
  switch ((error as { code?: string }).code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return makeProblem(413, ProblemType.payloadTooLarge, `the request body exceeds the limit of ${bodyLimit} bytes`, instance, requestId);
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return makeProblem(415, ProblemType.unsupportedMediaType, "unsupported content type; send application/json", instance, requestId);
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return makeProblem(400, ProblemType.malformedJson, "the request body size does not match its Content-Length", instance, requestId);
  }
  return problemFromError(error, route?.definition, instance, requestId, log);
}
