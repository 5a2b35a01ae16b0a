/**
 * `/graphql` on the node:http server: GET (queries only) and POST (JSON), answered with graphql-js.
 * Bad input is a GraphQL error with its locations and a 400 — a syntax error, an unknown field, a
 * query deeper than the limit, introspection when it is off — never a 500. A resolver's failure the
 * client caused (a bad value, a constraint) is reported in `errors`; anything else is logged and
 * reported without its details.
 */
import type { IncomingMessage } from "node:http";
import { QueryError, type EntitySchema } from "@kova/query";
import type * as G from "graphql";
import type { Logger } from "pino";
import { BodyError, decodeJsonBody, readBodyBytes } from "../body.js";
import type { DataSources } from "../data-sources.js";
import { Resolvers } from "./resolvers.js";
import { buildGraphqlSchema, type GraphqlOptions } from "./schema.js";

export interface GraphqlConfig extends GraphqlOptions {
  /** Where it is served. Default `/graphql`. */
  path?: string;
}

export interface GraphqlReply {
  status: number;
  body: string;
  headers: Record<string, string>;
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

export class GraphqlEndpoint {
  readonly path: string;

  private constructor(
    private readonly graphql: typeof G,
    readonly schema: G.GraphQLSchema,
    readonly resolvers: Resolvers,
    private readonly rules: readonly G.ValidationRule[],
    private readonly bodyLimit: number,
    private readonly log: Logger,
    path: string,
  ) {
    this.path = path;
  }

  static async create(sources: ReadonlyArray<{ name: string; entities: readonly EntitySchema[] }>, dataSources: DataSources, config: GraphqlConfig, bodyLimit: number, log: Logger): Promise<GraphqlEndpoint> {
    const graphql = await import("graphql");
    const entities = sources.flatMap((s) => s.entities);
    const unknown = (config.entities ?? []).filter((n) => !entities.some((e) => e.name === n));
    if (unknown.length > 0) throw new Error(`graphql.entities names ${unknown.join(", ")}, which the app does not declare (it has: ${entities.map((e) => e.name).join(", ")})`);
    const resolvers = new Resolvers(dataSources, sources, config.maxLimit ?? 100);
    const schema = buildGraphqlSchema(graphql, entities, config, resolvers);
    const rules = [...graphql.specifiedRules, depthLimit(graphql, config.maxDepth ?? 8)];
    if (config.introspection === false) rules.push(graphql.NoSchemaIntrospectionCustomRule);
    return new GraphqlEndpoint(graphql, schema, resolvers, rules, bodyLimit, log, config.path ?? "/graphql");
  }

  async reply(req: IncomingMessage): Promise<GraphqlReply> {
    let request: { query?: unknown; variables?: unknown; operationName?: unknown };
    try {
      request = await this.readRequest(req);
    } catch (error) {
      if (error instanceof BodyError) return fail(error.status, error.message);
      throw error;
    }
    if (typeof request.query !== "string" || request.query.trim() === "") return fail(400, 'the request has no GraphQL query ("query": "{ … }")');
    if (request.variables !== undefined && request.variables !== null && (typeof request.variables !== "object" || Array.isArray(request.variables))) return fail(400, '"variables" must be a JSON object');
    const g = this.graphql;
    let document: G.DocumentNode;
    try {
      document = g.parse(request.query, { maxTokens: 5_000 });
    } catch (error) {
      return { status: 400, body: JSON.stringify({ errors: [(error as G.GraphQLError).toJSON()] }), headers: JSON_HEADERS };
    }
    const invalid = g.validate(this.schema, document, this.rules);
    if (invalid.length > 0) return { status: 400, body: JSON.stringify({ errors: invalid.map((e) => e.toJSON()) }), headers: JSON_HEADERS };
    const operationName = typeof request.operationName === "string" ? request.operationName : undefined;
    const operation = g.getOperationAST(document, operationName);
    if (req.method === "GET" && operation?.operation !== "query") return fail(405, "only queries may be sent with GET; send mutations with POST");
    const result = await g.execute({
      schema: this.schema,
      document,
      variableValues: (request.variables ?? undefined) as Record<string, unknown> | undefined,
      operationName,
      contextValue: { batches: new Map() },
    });
    const errors = result.errors?.map((e) => this.publicError(e));
    return { status: 200, body: JSON.stringify(errors === undefined ? { data: result.data } : { errors, data: result.data }), headers: JSON_HEADERS };
  }

  /** A resolver's error as the client sees it: the message of errors it caused, nothing of the others. */
  private publicError(error: G.GraphQLError): object {
    const cause = error.originalError;
    if (cause === undefined || cause === null || cause instanceof this.graphql.GraphQLError) return error.toJSON();
    if (cause instanceof QueryError) return { ...error.toJSON(), message: cause.message, extensions: { status: cause.status } };
    this.log.error({ err: cause, path: error.path }, "graphql resolver failed");
    return { message: "An unexpected error occurred.", locations: error.locations, path: error.path, extensions: { status: 500 } };
  }

  private async readRequest(req: IncomingMessage): Promise<{ query?: unknown; variables?: unknown; operationName?: unknown }> {
    if (req.method === "GET") {
      const params = new URL(req.url ?? "/", "http://x").searchParams;
      const variables = params.get("variables");
      let parsed: unknown;
      if (variables !== null) {
        try {
          parsed = JSON.parse(variables);
        } catch {
          throw new BodyError(400, "urn:kova:problem:malformed-json", '"variables" is not valid JSON');
        }
      }
      return { query: params.get("query") ?? undefined, variables: parsed, operationName: params.get("operationName") ?? undefined };
    }
    const type = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
    if (type !== "application/json" && type !== "application/graphql-response+json") {
      await readBodyBytes(req, this.bodyLimit).catch(() => undefined);
      throw new BodyError(415, "urn:kova:problem:unsupported-media-type", "send the GraphQL request as application/json");
    }
    const body = decodeJsonBody(await readBodyBytes(req, this.bodyLimit));
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw new BodyError(400, "urn:kova:problem:malformed-json", "the request body must be a JSON object");
    return body as { query?: unknown; variables?: unknown; operationName?: unknown };
  }
}

function fail(status: number, message: string): GraphqlReply {
  return { status, body: JSON.stringify({ errors: [{ message }] }), headers: JSON_HEADERS };
}

/** Refuses an operation whose selections nest deeper than `max` (fragments followed). */
function depthLimit(g: typeof G, max: number): G.ValidationRule {
  return (context) => {
    const fragments = new Map(context.getDocument().definitions.filter((d): d is G.FragmentDefinitionNode => d.kind === g.Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
    const depth = (set: G.SelectionSetNode | undefined, seen: Set<string>): number => {
      if (set === undefined) return 0;
      let deepest = 0;
      for (const s of set.selections) {
        if (s.kind === g.Kind.FIELD) deepest = Math.max(deepest, s.selectionSet ? 1 + depth(s.selectionSet, seen) : 0);
        else if (s.kind === g.Kind.INLINE_FRAGMENT) deepest = Math.max(deepest, depth(s.selectionSet, seen));
        else if (!seen.has(s.name.value)) deepest = Math.max(deepest, depth(fragments.get(s.name.value)?.selectionSet, new Set([...seen, s.name.value])));
      }
      return deepest;
    };
    return {
      OperationDefinition(node) {
        const d = depth(node.selectionSet, new Set());
        if (d > max) context.reportError(new g.GraphQLError(`the query nests ${d} levels deep; at most ${max} are allowed`, { nodes: node }));
      },
    };
  };
}
