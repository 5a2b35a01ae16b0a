/**
 * Mutations mapped to declared endpoints: `"endpoints": true` in the graphql settings makes every
 * POST/PUT/PATCH/DELETE endpoint of the app a mutation named by its OpenAPI operationId
 * (`POST /todos` → `postTodos(input: JSON)`, `PATCH /todos/:id` → `patchTodosById(id: Int!, input: JSON)`).
 *
 * Such a mutation is the endpoint itself: it runs the app's own pipeline for that route — AUTH (with
 * the credential of the GraphQL request), rate limits, the VALIDATE shape, the handler in its
 * transaction — so it validates and authorises exactly as the HTTP endpoint does. What the
 * endpoint answers becomes the mutation's result (its JSON body; null for 204); a problem answer
 * becomes a GraphQL error carrying the status and the problem (with the field issues).
 *
 * The names and argument types are read off the OpenAPI document `kova build` wrote (the same one
 * served at /_kova/openapi.json), so they cannot drift from the HTTP description.
 */
import { readFileSync } from "node:fs";
import type { HttpMethod, QueryValues, RouteDefinition } from "../app.js";
import { Exchange, type StageOutcome } from "../exchange.js";
import type { Pipeline } from "../pipeline.js";
import { CompiledRoute, type SerializedReply } from "../route.js";

export interface MappedParam {
  name: string;
  in: "path" | "query";
  type: "Int" | "Float" | "Boolean" | "String";
  required: boolean;
}

export interface MappedOperation {
  /** The operationId, which names the mutation. */
  name: string;
  method: HttpMethod;
  /** The route's path as the app declares it (`/todos/:id`). */
  path: string;
  description?: string;
  params: MappedParam[];
  body: "none" | "optional" | "required";
}

const WRITES = ["post", "put", "patch", "delete"] as const;

/** The OpenAPI document at `file`, parsed, or an error saying the build must write it. */
export function readOpenapi(file: string | URL | undefined): unknown {
  if (file === undefined) throw new Error('graphql.endpoints needs the OpenAPI document "kova build" writes (dist/openapi.json); this app has none');
  return JSON.parse(readFileSync(file, "utf8"));
}

/** The operations of the document to map: every write, or those whose operationIds are listed. */
export function mappedOperations(document: unknown, select: boolean | readonly string[]): MappedOperation[] {
  if (select === false) return [];
  const paths = ((document as { paths?: Record<string, Record<string, unknown>> }).paths ?? {});
  const found: MappedOperation[] = [];
  for (const [openPath, item] of Object.entries(paths)) {
    for (const method of WRITES) {
      const op = item[method] as { operationId?: string; summary?: string; description?: string; parameters?: Array<{ name: string; in: string; required?: boolean; schema?: { type?: unknown } }>; requestBody?: { required?: boolean } } | undefined;
      if (op?.operationId === undefined) continue;
      if (Array.isArray(select) && !select.includes(op.operationId)) continue;
      found.push({
        name: op.operationId,
        method: method.toUpperCase() as HttpMethod,
        path: openPath.replace(/\{([^}]+)\}/g, ":$1"),
        description: op.description ?? op.summary,
        params: (op.parameters ?? []).filter((p) => p.in === "path" || p.in === "query").map((p) => ({ name: p.name, in: p.in as "path" | "query", type: scalarOf(p.schema?.type), required: p.in === "path" || p.required === true })),
        body: op.requestBody === undefined ? "none" : op.requestBody.required === true ? "required" : "optional",
      });
    }
  }
  if (Array.isArray(select)) {
    const missing = select.filter((name) => !found.some((o) => o.name === name));
    if (missing.length > 0) throw new Error(`graphql.endpoints names ${missing.join(", ")}, which is not the operationId of a POST, PUT, PATCH or DELETE endpoint (they are: ${mappedOperations(document, true).map((o) => o.name).join(", ") || "none"})`);
  }
  return found;
}

function scalarOf(type: unknown): MappedParam["type"] {
  const t = Array.isArray(type) ? type.find((x) => x !== "null") : type;
  return t === "integer" ? "Int" : t === "number" ? "Float" : t === "boolean" ? "Boolean" : "String";
}

/** An endpoint's answer as a GraphQL error: its status and problem ride in the extensions. */
export class EndpointError extends Error {
  constructor(readonly status: number, readonly problem: unknown) {
    super(typeof (problem as { detail?: unknown })?.detail === "string" ? (problem as { detail: string }).detail : `the endpoint answered ${status}`);
    this.name = "EndpointError";
  }
}

/** Runs mapped endpoints through the app's pipeline on behalf of a GraphQL request. */
export class EndpointRunner {
  private readonly routes = new Map<string, CompiledRoute>();
  /** Set by the server that serves GraphQL: its pipeline, with its security stages. */
  pipeline: Pipeline | undefined;

  constructor(routes: readonly RouteDefinition[], readonly operations: readonly MappedOperation[]) {
    for (const op of operations) {
      const definition = routes.find((r) => r.method === op.method && r.path === op.path);
      if (definition === undefined) throw new Error(`the OpenAPI document lists ${op.method} ${op.path}, which the app does not serve: rebuild the app (kova build)`);
      this.routes.set(op.name, new CompiledRoute(definition));
    }
  }

  run(outer: Exchange, name: string, args: Record<string, unknown>): Promise<unknown> {
    const op = this.operations.find((o) => o.name === name)!;
    const pipeline = this.pipeline;
    if (pipeline === undefined) return Promise.reject(new Error("GraphQL is served without a pipeline to run endpoints in"));
    const params: Record<string, string> = {};
    const query: QueryValues = {};
    let path = op.path;
    for (const p of op.params) {
      const value = args[p.name];
      if (value === undefined || value === null) continue;
      // Raw text, as a URL carries it: the route's typeInputs stage types and checks it as for HTTP.
      if (p.in === "path") {
        params[p.name] = String(value);
        path = path.replace(`:${p.name}`, encodeURIComponent(String(value)));
      } else query[p.name] = String(value);
    }
    return new Promise((resolve, reject) => {
      const exchange = new EndpointExchange(outer, op.method, path, this.routes.get(name)!, params, query, args.input, (reply) => {
        try {
          resolve(answerOf(reply));
        } catch (error) {
          reject(error);
        }
      });
      pipeline.run(exchange);
    });
  }
}

function answerOf(reply: SerializedReply): unknown {
  const body = reply.payload === undefined ? null : JSON.parse(reply.payload);
  if (reply.status >= 400) throw new EndpointError(reply.status, body);
  return body;
}

/**
 * The endpoint's request inside a GraphQL request: the outer request's headers (its credential),
 * client address and server; the mutation's arguments as params, query and body.
 */
class EndpointExchange extends Exchange {
  private readonly outerHttps: boolean;

  constructor(
    private readonly outer: Exchange,
    method: HttpMethod,
    path: string,
    route: CompiledRoute,
    params: Record<string, string>,
    query: QueryValues,
    private readonly input: unknown,
    private readonly done: (reply: SerializedReply) => void,
  ) {
    super(method, path, outer.headers, outer.requestId, route, params, query, outer.serving);
    this.outerHttps = outer.https;
  }

  get peerAddress(): string | undefined {
    return this.outer.peerAddress;
  }

  protected get encrypted(): boolean {
    return this.outerHttps;
  }

  readBody(): StageOutcome {
    this.body = this.input ?? undefined;
    return undefined;
  }

  send(reply: SerializedReply): void {
    // Cookies the endpoint sets (a session at login) go out with the GraphQL answer.
    const cookies = reply.headers?.["set-cookie"];
    // (The pipeline has already added the ones its stages set to these headers.)
    for (const line of cookies === undefined ? [] : Array.isArray(cookies) ? cookies : [cookies]) (this.outer.responseCookies ??= []).push(line);
    this.done(reply);
  }
}
