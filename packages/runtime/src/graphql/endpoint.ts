/**
 * `/graphql`, answered with graphql-js. It is served as two routes of the app (GET for queries,
 * POST for JSON requests) that run the same request pipeline as every endpoint, on node:http and
 * under the Fastify plugin alike: the cross-origin check, rate limits, the body checks, and the
 * app's AUTH scheme with the credential optional (a bad credential is a 401; who may read and
 * write what is then decided per entity, see access.ts).
 *
 * Bad input is a GraphQL error with its locations and a 400 — a syntax error, an unknown field, a
 * query deeper or costlier than the limits, introspection when it is off — never a 500. A
 * resolver's failure the client caused (a bad value, a constraint, a missing credential, a refused
 * endpoint) is reported in `errors` with its status; anything else is logged and reported without
 * its details.
 */
import { QueryError, type EntitySchema } from "@kova/query";
import type * as G from "graphql";
import type { Logger } from "pino";
import type { AppDefinition, Reply, RequestContext, RouteDefinition } from "../app.js";
import type { DataSources } from "../data-sources.js";
import type { Exchange } from "../exchange.js";
import type { Pipeline } from "../pipeline.js";
import { AccessError, GraphqlAccessPolicy } from "./access.js";
import { checkCost, depthLimit } from "./limits.js";
import { EndpointError, EndpointRunner, mappedOperations, readOpenapi } from "./mapped.js";
import { Resolvers, type GraphqlContext } from "./resolvers.js";
import { buildGraphqlSchema, servedEntities, type GraphqlOptions } from "./schema.js";
import { loadWebSocketModules, serveSubscriptions, type WebSocketModules } from "./subscriptions.js";
import type { Server } from "node:http";
import type { AppEnv } from "../app.js";
import type { AuthSchemeDefinition } from "../auth/scheme.js";

export interface GraphqlConfig extends GraphqlOptions {
  /** Where it is served. Default `/graphql`. */
  path?: string;
}

type GraphqlRequest = { query?: unknown; variables?: unknown; operationName?: unknown };

export class GraphqlEndpoint {
  /** GET and POST at the configured path: served through the app's pipeline by both servers. */
  readonly routes: RouteDefinition[];

  private constructor(
    private readonly graphql: typeof G,
    readonly schema: G.GraphQLSchema,
    readonly resolvers: Resolvers,
    private readonly endpoints: EndpointRunner,
    private readonly rules: readonly G.ValidationRule[],
    private readonly limits: { maxLimit: number; maxCost: number },
    private readonly log: Logger,
    readonly path: string,
    auth: RouteDefinition["auth"],
    private readonly webSockets: WebSocketModules | undefined,
  ) {
    const handler = (ctx: RequestContext): Promise<Reply> => this.execute(ctx as Exchange);
    this.routes = (["GET", "POST"] as const).map((method) => ({ method, path, params: [], handler, ...(auth === undefined ? {} : { auth }) }));
  }

  static async create(app: AppDefinition, dataSources: DataSources, config: GraphqlConfig, log: Logger, env: Readonly<Record<string, string | undefined>> = process.env): Promise<GraphqlEndpoint> {
    const graphql = await import("graphql");
    const sources = app.dataSources;
    const entities: EntitySchema[] = sources.flatMap((s) => s.entities);
    const names = entities.map((e) => e.name);
    for (const key of ["entities", "exclude"] as const) {
      const unknown = (config[key] ?? []).filter((n) => !names.includes(n));
      if (unknown.length > 0) throw new Error(`graphql.${key} names ${unknown.join(", ")}, which the app does not declare (it has: ${names.join(", ")})`);
    }
    // One AUTH scheme per program: the one its endpoints check.
    const scheme = app.routes.find((r) => r.auth !== undefined)?.auth?.scheme;
    const access = GraphqlAccessPolicy.create(scheme, config, servedEntities(entities, config).map((e) => e.name));
    const select = config.endpoints ?? false;
    const operations = select === false ? [] : mappedOperations(readOpenapi(app.openapi), select);
    const endpoints = new EndpointRunner(app.routes, operations);
    const maxLimit = config.maxLimit ?? 100;
    const resolvers = new Resolvers(dataSources, sources, maxLimit, access, endpoints);
    const schema = buildGraphqlSchema(graphql, entities, config, resolvers, operations);
    const rules = [...graphql.specifiedRules, depthLimit(graphql, config.maxDepth ?? 8)];
    const introspection = config.introspection === "development" ? env.NODE_ENV !== "production" : config.introspection !== false;
    if (!introspection) rules.push(graphql.NoSchemaIntrospectionCustomRule);
    const path = config.path ?? "/graphql";
    const webSockets = schema.getSubscriptionType() === undefined ? undefined : await loadWebSocketModules(log);
    return new GraphqlEndpoint(graphql, schema, resolvers, endpoints, rules, { maxLimit, maxCost: config.maxCost ?? 100_000 }, log, path, scheme === undefined ? undefined : { scheme, optional: true, roles: [] }, webSockets);
  }

  /** Subscriptions over WebSocket on `server` (node:http), when ws and graphql-ws are installed. */
  serveSubscriptions(server: Server, env: AppEnv): void {
    if (this.webSockets === undefined) return;
    const scheme = this.routes[0].auth?.scheme as AuthSchemeDefinition | undefined;
    serveSubscriptions(server, {
      graphql: this.graphql,
      schema: this.schema,
      path: this.path,
      scheme,
      env,
      log: this.log,
      check: (document, variables, operationName) => {
        const invalid = this.graphql.validate(this.schema, document, this.rules);
        if (invalid.length > 0) return invalid;
        const operation = this.graphql.getOperationAST(document, operationName);
        if (operation === null || operation === undefined) return [new this.graphql.GraphQLError("name the operation to run (operationName)")];
        const tooCostly = checkCost(this.graphql, this.schema, document, operation, variables, this.limits.maxLimit, this.limits.maxCost);
        return tooCostly === undefined ? [] : [tooCostly];
      },
      context: (auth) => ({ batches: new Map(), auth }),
    }, this.webSockets);
  }

  /** The pipeline mapped endpoints run in: the serving server's own (with its security stages). */
  bind(pipeline: Pipeline): void {
    this.endpoints.pipeline = pipeline;
  }

  private async execute(ex: Exchange): Promise<Reply> {
    const request = this.requestOf(ex);
    if (typeof request === "string") return fail(400, request);
    if (typeof request.query !== "string" || request.query.trim() === "") return fail(400, 'the request has no GraphQL query ("query": "{ … }")');
    if (request.variables !== undefined && request.variables !== null && (typeof request.variables !== "object" || Array.isArray(request.variables))) return fail(400, '"variables" must be a JSON object');
    const g = this.graphql;
    let document: G.DocumentNode;
    try {
      document = g.parse(request.query, { maxTokens: 5_000 });
    } catch (error) {
      return { status: 400, body: { errors: [(error as G.GraphQLError).toJSON()] } };
    }
    const invalid = g.validate(this.schema, document, this.rules);
    if (invalid.length > 0) return { status: 400, body: { errors: invalid.map((e) => e.toJSON()) } };
    const operationName = typeof request.operationName === "string" ? request.operationName : undefined;
    const operation = g.getOperationAST(document, operationName);
    if (operation === null || operation === undefined) return fail(400, operationName === undefined ? "the document has several operations: name the one to run (operationName)" : `the document has no operation named ${operationName}`);
    if (ex.method === "GET" && operation.operation !== "query") return fail(405, "only queries may be sent with GET; send mutations with POST");
    if (operation.operation === "subscription") return fail(400, `subscriptions are served over WebSocket (graphql-ws) at ${this.path}`);
    const variables = (request.variables ?? undefined) as Record<string, unknown> | undefined;
    const tooCostly = checkCost(g, this.schema, document, operation, variables, this.limits.maxLimit, this.limits.maxCost);
    if (tooCostly !== undefined) return { status: 400, body: { errors: [tooCostly.toJSON()] } };
    const context: GraphqlContext = { batches: new Map(), auth: ex.auth, exchange: ex };
    const result = await g.execute({ schema: this.schema, document, variableValues: variables, operationName, contextValue: context });
    const errors = result.errors?.map((e) => this.publicError(e, ex.requestId));
    return { status: 200, body: errors === undefined ? { data: result.data } : { errors, data: result.data } };
  }

  /** A resolver's error as the client sees it: the message of errors it caused, nothing of the others. */
  private publicError(error: G.GraphQLError, requestId: string): object {
    const cause = error.originalError;
    if (cause === undefined || cause === null || cause instanceof this.graphql.GraphQLError) return error.toJSON();
    const base = { locations: error.locations, path: error.path };
    if (cause instanceof QueryError) return { message: cause.message, ...base, extensions: { status: cause.status } };
    if (cause instanceof AccessError) return { message: cause.message, ...base, extensions: { status: cause.status, code: cause.code } };
    if (cause instanceof EndpointError) return { message: cause.message, ...base, extensions: { status: cause.status, problem: cause.problem } };
    this.log.error({ reqId: requestId, err: cause, path: error.path }, "graphql resolver failed");
    return { message: `An unexpected error occurred. Quote request id ${requestId} when reporting it.`, ...base, extensions: { status: 500 } };
  }

  /** The GraphQL request of a GET (the query string) or a POST (the JSON body), or what is wrong with it. */
  private requestOf(ex: Exchange): GraphqlRequest | string {
    if (ex.method === "GET") {
      const text = (name: string): string | undefined => (typeof ex.query[name] === "string" ? (ex.query[name] as string) : undefined);
      const variables = text("variables");
      let parsed: unknown;
      if (variables !== undefined) {
        try {
          parsed = JSON.parse(variables);
        } catch {
          return '"variables" is not valid JSON';
        }
      }
      return { query: text("query"), variables: parsed, operationName: text("operationName") };
    }
    const body = ex.body;
    if (typeof body !== "object" || body === null || Array.isArray(body)) return 'the request body must be a JSON object ({ "query": "{ … }", "variables": { … } })';
    return body as GraphqlRequest;
  }
}

function fail(status: number, message: string): Reply {
  return { status, body: { errors: [{ message }] } };
}

/** The endpoint kova.config.json's "graphql" asks for (undefined when off); a bad setting is an Error naming it. */
export async function graphqlFromConfig(app: AppDefinition, configured: boolean | GraphqlConfig | undefined, dataSources: DataSources, log: Logger): Promise<GraphqlEndpoint | undefined> {
  if (configured === undefined || configured === false) return undefined;
  return GraphqlEndpoint.create(app, dataSources, configured === true ? {} : configured, log);
}
