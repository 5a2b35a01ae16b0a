/**
 * Mounts a compiled Kova app on an existing Fastify server. The plugin is encapsulated: its JSON
 * parser, error handler and 404/405 handler apply to the app's routes only, and give the same
 * problem responses as the standalone server.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import type { AppDefinition, AppEnv, QueryValues, ValidationIssue } from "./app.js";
import { BodyError, DEFAULT_BODY_LIMIT, checkJsonContentType, parseJsonBody } from "./body.js";
import { loadEnv, resolveAppEnv, type RawEnv } from "./config.js";
import { KovaRequestContext, pathOf, requestIdFor } from "./context.js";
import { connectDataSources, DataSources } from "./data-sources.js";
import { typeQuery } from "./params.js";
import { PROBLEM_CONTENT_TYPE, ProblemType, makeProblem, problemFromError, type Problem } from "./problem.js";
import { JSON_CONTENT_TYPE, CompiledRoute, serializeReply } from "./route.js";
import { allowedMethods, buildRouter } from "./routing.js";

export interface KovaFastifyOptions {
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
}

declare module "fastify" {
  interface FastifyRequest {
    kovaRequestId: string;
  }
}

export function kovaFastifyPlugin(app: AppDefinition, options: KovaFastifyOptions = {}): FastifyPluginAsync {
  return async function kova(fastify: FastifyInstance): Promise<void> {
    const appDir = options.appDir ?? process.cwd();
    const appEnv = resolveAppEnv(app.env, loadEnv(appDir, options.env ?? process.env, false), appDir);
    let dataSources = options.dataSources;
    if (dataSources === undefined) {
      const own = await connectDataSources(app, appDir, appEnv);
      dataSources = own;
      fastify.addHook("onClose", async () => own.close());
    }
    const sources = dataSources;
    const prefix = fastify.prefix;
    const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
    // The same router the standalone server uses, here only to answer 405 with an Allow header.
    const router = buildRouter(app, false, fastify.log as unknown as Logger);

    fastify.decorateRequest("kovaRequestId", "");
    fastify.addHook("onRequest", (request, reply, done) => {
      request.kovaRequestId = requestIdFor(request.headers["x-request-id"]);
      reply.header("x-request-id", request.kovaRequestId);
      done();
    });

    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser(
      /^application\/(?:[\w.-]+\+)?json(?:$|[\s;])/i,
      { parseAs: "string", bodyLimit },
      (request: FastifyRequest, text: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
        const unsupported = checkJsonContentType(request.headers["content-type"]);
        if (unsupported !== undefined) return done(new BodyError(415, ProblemType.unsupportedMediaType, unsupported));
        try {
          done(null, parseJsonBody(text as string));
        } catch (error) {
          done(error as Error);
        }
      },
    );

    fastify.setErrorHandler((error, request, reply) => {
      const requestId = request.kovaRequestId || requestIdFor(undefined);
      const instance = pathOf(request.url);
      const route = (request.routeOptions.config as { kovaRoute?: CompiledRoute } | undefined)?.kovaRoute;
      return sendProblem(reply, problemFromFastifyError(error, route, instance, requestId, fastify, bodyLimit));
    });

    fastify.setNotFoundHandler((request, reply) => {
      const requestId = request.kovaRequestId || requestIdFor(undefined);
      const path = pathOf(request.url);
      const allowed = allowedMethods(router, request.url.slice(prefix.length) || "/");
      if (allowed.length === 0) {
        return sendProblem(reply, makeProblem(404, ProblemType.notFound, `no route matches ${request.method} ${path}`, path, requestId));
      }
      const allow = allowed.join(", ");
      if (request.method === "OPTIONS") return reply.code(204).header("allow", allow).send();
      reply.header("allow", allow);
      return sendProblem(reply, makeProblem(405, ProblemType.methodNotAllowed, `${request.method} is not allowed on ${path}; allowed: ${allow}`, path, requestId));
    });

    for (const definition of app.routes) {
      const route = new CompiledRoute(definition);
      fastify.route({
        method: definition.method,
        url: definition.path,
        config: { kovaRoute: route },
        handler: (request, reply) => handle(route, request, reply, appEnv, sources),
      });
    }

    if (options.internalPrefix !== false) {
      const healthPath = `${(options.internalPrefix ?? "/_kova").replace(/\/+$/, "")}/health`;
      if (router.find("GET", healthPath) !== null) {
        fastify.log.warn({ path: healthPath }, "an app route takes the health check path; the health check is not served");
      } else {
        fastify.get(healthPath, async (_request, reply) => {
          const report = await sources.health();
          const ok = report.every((d) => d.ok);
          return reply.code(ok ? 200 : 503).type(JSON_CONTENT_TYPE).send(JSON.stringify({ status: ok ? "ok" : "unavailable", dataSources: report }));
        });
      }
    }
  };
}

async function handle(route: CompiledRoute, request: FastifyRequest, reply: FastifyReply, env: AppEnv, dataSources: DataSources): Promise<FastifyReply> {
  const requestId = request.kovaRequestId;
  const path = pathOf(request.url);
  const params = { ...(request.params as Record<string, unknown>) };
  const paramIssues = route.typeParams(params);
  if (paramIssues !== undefined) return sendInvalid(reply, path, requestId, paramIssues, ProblemType.invalidParameter);
  const query = { ...(request.query as QueryValues) };
  if (route.definition.query !== undefined) {
    const issues = typeQuery(query, route.definition.query);
    if (issues.length > 0) return sendInvalid(reply, path, requestId, issues, ProblemType.invalidParameter);
  }
  const body = request.body;
  if (route.definition.validateBody !== undefined) {
    const issues = route.definition.validateBody(body);
    if (issues.length > 0) return sendInvalid(reply, path, requestId, issues, ProblemType.validation);
  }
  const ctx = new KovaRequestContext(
    request.method, path, params as Record<string, string | number | boolean>, query, request.headers, body,
    requestId, env, request.log as unknown as Logger, dataSources,
  );
  const result = serializeReply(await route.definition.handler(ctx));
  reply.code(result.status);
  if (result.headers !== undefined) reply.headers(result.headers);
  if (result.payload === undefined) return reply.send();
  if (!reply.hasHeader("content-type")) reply.type(JSON_CONTENT_TYPE);
  return reply.send(result.payload);
}

function sendInvalid(reply: FastifyReply, path: string, requestId: string, issues: ValidationIssue[], type: string): FastifyReply {
  const what = type === ProblemType.validation ? "body" : "parameter";
  const detail = issues.length === 1 ? `invalid ${what} ${issues[0].field || "(whole body)"}: ${issues[0].message}` : `${issues.length} invalid ${what} values`;
  return sendProblem(reply, makeProblem(400, type, detail, path, requestId, issues));
}

function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  // A Buffer, so Fastify sends the content type as given (it appends a charset to strings).
  return reply.code(problem.status).header("content-type", PROBLEM_CONTENT_TYPE).send(Buffer.from(JSON.stringify(problem)));
}

/** Fastify's own body errors become the same problems the standalone server sends. */
function problemFromFastifyError(
  error: unknown,
  route: CompiledRoute | undefined,
  instance: string,
  requestId: string,
  fastify: FastifyInstance,
  bodyLimit: number,
): Problem {
  if (error instanceof BodyError) return makeProblem(error.status, error.type, error.message, instance, requestId);
  switch ((error as { code?: string }).code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return makeProblem(413, ProblemType.payloadTooLarge, `the request body exceeds the limit of ${bodyLimit} bytes`, instance, requestId);
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return makeProblem(415, ProblemType.unsupportedMediaType, "unsupported content type; send application/json", instance, requestId);
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return makeProblem(400, ProblemType.malformedJson, "the request body size does not match its Content-Length", instance, requestId);
  }
  return problemFromError(error, route?.definition, instance, requestId, fastify.log as unknown as Logger);
}
