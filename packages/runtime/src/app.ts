/**
 * The app description the Kova compiler emits and this runtime serves. Everything here is the
 * contract between the JS emitter and the runtime: plain data plus handler functions, documented
 * in packages/runtime/README.md. Change it only together with the emitter.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { Driver, EntitySchema } from "@kova/query";
import type { Logger } from "pino";
import type { AuthClaims, RouteAuthDefinition } from "./auth/scheme.js";
import type { RequestCookies, ResponseCookies } from "./cookies.js";
import type { EnqueueOptions, TaskDefinition } from "./tasks/definition.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** The types a path or query parameter can be declared with, and what the handler receives. */
export type ParamType = "string" | "int" | "count" | "float" | "uuid" | "datetime" | "boolean";

export interface ParamDefinition {
  name: string;
  type: ParamType;
}

export interface QueryParamDefinition extends ParamDefinition {
  /** A request without it gets a 400 problem. Default false (the handler sees `undefined`). */
  required?: boolean;
  /** Used when the request has none (`QUERY { limit: int DEFAULT 20 }`). */
  default?: string | number | boolean;
  /** Numbers: the smallest and largest allowed values; outside them, a 400 naming the parameter. */
  min?: number;
  max?: number;
  /** The only values allowed (`enum("new", "old")`); any other is a 400 naming the parameter. */
  values?: readonly string[];
}

/** One problem with a request body, as a compiled validator reports it. */
export interface ValidationIssue {
  /** Path of the offending value: `email`, `address.city`, `items[2].qty`; `""` for the whole body. */
  field: string;
  message: string;
}

export interface RouteDefinition {
  method: HttpMethod;
  /** Literal segments and whole-segment parameters: `/users/:id` (see router.ts). */
  path: string;
  /** Types of the path parameters; a parameter not listed is passed as a string. */
  params: ParamDefinition[];
  /** Declared query parameters are parsed to their type; others are passed through as strings. */
  query?: QueryParamDefinition[];
  /** Compiled from a VALIDATE shape. Called with the parsed body (`undefined` when none was sent). */
  validateBody?: (body: unknown) => ValidationIssue[];
  /** The endpoint's `AUTH …`: checked by the `auth` stage before the body is read. */
  auth?: RouteAuthDefinition;
  handler: (ctx: RequestContext) => Promise<Reply> | Reply;
  /**
   * The data sources the handler may write, from the compiler: the handler then runs in one
   * transaction per source, so its writes commit together or not at all. Absent: it only reads.
   */
  writes?: readonly string[];
  /** Where the route is declared, for logs. */
  source?: { file: string; line: number };
  /** `RATE_LIMIT n PER window BY key` on the endpoint: its own budget, besides the app-wide one. */
  rateLimit?: RateLimitDefinition;
}

/** Who shares one budget: each client address, each value of a request header, or each signed-in subject. */
export type RateLimitKey = { by: "ip" } | { by: "header"; name: string } | { by: "auth"; claim: string };

/** `RATE_LIMIT 100 PER 1m BY ip`: at most `limit` requests per `windowMs` for each key. */
export interface RateLimitDefinition {
  limit: number;
  windowMs: number;
  key: RateLimitKey;
}

/** The program's `CORS { … }` block, with env() already resolved. */
export interface CorsDefinition {
  /** Exact origins (`https://app.example.com`), or `*` (only without credentials). */
  origins: string[];
  /** Methods a preflight allows; default: the methods the route has. */
  methods?: string[];
  /** Request headers a preflight allows (lower-case). */
  headers?: string[];
  /** Response headers the browser lets scripts read. */
  expose?: string[];
  credentials?: boolean;
  /** How long a browser may cache a preflight answer, in seconds. */
  maxAgeSeconds?: number;
}

/** The app's HTTP safety settings from the program (kova.config.json can override some at start). */
export interface SecurityDefinition {
  cors?: (env: AppEnv) => CorsDefinition;
  /** The app-wide `RATE_LIMIT` declaration: one budget per key across all endpoints. */
  rateLimit?: RateLimitDefinition;
  /**
   * Some AUTH scheme reads credentials from a cookie: state-changing requests must then come from
   * the app's own origin (or an allowed CORS origin), whatever the config says (see docs/security.md).
   */
  cookieAuth?: boolean;
}

export interface Reply {
  /** Default 200, or 204 when `body` is undefined. */
  status?: number;
  /** Sent as JSON (objects, arrays, strings, numbers, booleans, null). `undefined` sends no body. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Cookies to set, by name: sent as one `Set-Cookie` line each (see cookies.ts for the shape). */
  cookies?: ResponseCookies;
  /** A serializer compiled from the body's declared shape; JSON.stringify when absent. */
  serialize?: (body: unknown) => string;
}

export interface DataSourceDefinition {
  /** `db` in `CONNECT db USING …`. */
  name: string;
  /** The registered driver name (`embedded`, `postgres`, …). */
  driver: string;
  /** The driver's options, built when the app starts from the resolved environment. */
  options: (env: AppEnv) => unknown;
  /** The entities stored in this data source; migrated when the app starts. */
  entities: EntitySchema[];
}

export interface EnvRequirement {
  name: string;
  /** Used when the variable is unset or empty. Without a default the variable is required. */
  default?: string;
}

export interface AppDefinition {
  name: string;
  routes: RouteDefinition[];
  /** The first one is the default data source (`ctx.db()`). */
  dataSources: DataSourceDefinition[];
  env: EnvRequirement[];
  /** CORS, the app-wide rate limit and whether cookies carry credentials; absent: the defaults. */
  security?: SecurityDefinition;
  /** The OpenAPI document `kova build` wrote for this app (served at `/_kova/openapi.json`); absent: none. */
  openapi?: string | URL;
  /** Background work (TASK): run by the task runtime (src/tasks). */
  tasks?: TaskDefinition[];
}

/** The declared environment variables after `.env` and defaults are applied. */
export type AppEnv = Readonly<Record<string, string>>;

export type QueryValues = Record<string, string | string[] | number | boolean | undefined>;

/** What a handler receives. One per request; fields are plain values. */
export interface RequestContext {
  readonly method: string;
  /** The request path without the query string. */
  readonly path: string;
  readonly params: Record<string, string | number | boolean>;
  readonly query: QueryValues;
  readonly headers: IncomingHttpHeaders;
  /** The request's cookies by name, parsed from the `Cookie` header on first use. */
  readonly cookies: RequestCookies;
  /** The parsed JSON body, or `undefined` when the request had none. */
  readonly body: unknown;
  /** The verified claims (`$auth`) on an endpoint with AUTH; null when anonymous (`AUTH optional`) or public. */
  readonly auth: AuthClaims | null;
  readonly requestId: string;
  readonly env: AppEnv;
  /** A logger bound to this request's id. */
  readonly log: Logger;
  /** The named data source's driver; without a name, the app's first data source. */
  db(name?: string): Driver;
  /**
   * ENQUEUE: adds a job for a queued TASK, in the handler's transaction when the queue shares its
   * store; resolves to the job id, or null when the idempotency key is taken.
   */
  enqueue(task: string, args: unknown[], options?: EnqueueOptions): Promise<number | null>;
}

/**
 * Thrown by generated code for an `ERROR status "detail"` statement (and for a single-row query
 * that found nothing). Becomes a problem response with that status.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    /** Extra problem members, e.g. `{ errors: [{ field, message }] }` or `{ type, title }`. */
    readonly extra?: Record<string, unknown>,
  ) {
    super(detail);
    this.name = "HttpError";
  }
}
