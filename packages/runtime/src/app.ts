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
import type { CacheDefinition, RouteCache } from "./cache/definition.js";
import type { GrpcDefinition } from "./grpc/server.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** The types a path or query parameter can be declared with, and what the handler receives. */
export type ParamType = "string" | "int" | "count" | "float" | "uuid" | "ulid" | "datetime" | "boolean" | "slug";

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
  /**
   * The shape has file fields: the body is multipart/form-data, its files streamed to the app's
   * file store (uploads/multipart.ts) before `validateBody` sees them as UploadedFile values.
   */
  multipart?: MultipartDefinition;
  /** The endpoint's `AUTH …`: checked by the `auth` stage before the body is read. */
  auth?: RouteAuthDefinition;
  handler: (ctx: RequestContext) => Promise<Reply> | Reply;
  /**
   * The data sources the handler may write, from the compiler: the handler then runs in one
   * transaction per source, so its writes commit together or not at all. Absent: it only reads.
   */
  writes?: readonly string[];
  /**
   * From the compiler: a writing handler whose every effect stays in its data sources (no
   * imported JS, outbound call, session, task or socket message), so it is run again from the
   * start when the database gives up on its transaction (a deadlock, a serialization failure).
   */
  retry?: boolean;
  /** Where the route is declared, for logs. */
  source?: { file: string; line: number };
  /** `RATE_LIMIT n PER window BY key` on the endpoint: its own budget, besides the app-wide one. */
  rateLimit?: RateLimitDefinition;
  /** `CACHE name`: the answer is kept in that cache; `invalidate` says which committed writes evict it. */
  cache?: RouteCache;
  /** The handler has a BROADCAST: its messages are sent after it commits. */
  broadcasts?: boolean;
  /** The handler may answer with a server-sent event stream (`STREAM room`): only the Kova server serves it. */
  stream?: boolean;
  /** One of its streams is a live query (`STREAM LIVE`): the server starts the change feed with the app. */
  live?: boolean;
  /** `API v2 { … }`: the route's version, and the ISO instants it is deprecated and sunset (api-versions.ts). */
  version?: ApiVersionDefinition;
}

/**
 * What a STREAM carries: a room's messages, a live query's result each time it changes, or the
 * events of a feed the handler opens (the versioned store's change feed, `kova db serve`).
 */
export type StreamSource = { room: string } | { live: LiveQuery } | { events: EventFeed };

/** A feed of server-sent events a handler hands the stream: opened when the stream opens. */
export interface EventFeed {
  /**
   * Starts sending: `send(id, data)` for each event; `lastEventId` is the client's `Last-Event-ID`
   * on a reconnect, so the feed can resume after it. Returns the function that stops the feed.
   */
  open(send: (id: string, data: string) => void, lastEventId: string | undefined): () => void;
}

export interface LiveQuery {
  /** The entities the query reads: a committed change to any of them runs it again. */
  entities: readonly string[];
  /** Runs the query (with the request's inputs). */
  load: () => Promise<unknown>;
  serialize?: (value: unknown) => string;
}

/** `SOCKET /path …`: a WebSocket endpoint on the HTTP port (realtime/socket-server.ts). */
export interface SocketDefinition {
  /** find-my-way syntax, as a route's. */
  path: string;
  /** A handler pushes a live query (STREAM LIVE): the change feed starts with the server. */
  live?: boolean;
  params: ParamDefinition[];
  query?: QueryParamDefinition[];
  /** Checked on the upgrade request: a refused caller gets the 401/403 problem and no connection. */
  auth?: RouteAuthDefinition;
  /** The compiled VALIDATE shape of the messages. */
  validateMessage?: (message: unknown) => ValidationIssue[];
  /** A larger message gets an error frame and is not handled. */
  maxMessageBytes: number;
  /** Ping interval; a client that did not answer the previous ping is dropped. */
  heartbeatMs: number;
  /** A client with more unsent bytes than this is dropped. */
  maxBufferedBytes: number;
  on: { connect?: SocketHandlerDefinition; message?: SocketHandlerDefinition; close?: SocketHandlerDefinition };
  source?: { file: string; line: number };
}

export interface SocketHandlerDefinition {
  /** ON MESSAGE gets the parsed (and validated) message as its second argument. */
  run: (ctx: RequestContext, message?: unknown) => Promise<unknown>;
  /** The data sources it writes: it runs in their transactions, as an endpoint does. */
  writes?: readonly string[];
}

export interface ApiVersionDefinition {
  name: string;
  deprecated: string | null;
  sunset: string | null;
}

/** A file part of a multipart body: `avatar: file(max: 5MB, types: ["image/png"])`. */
export interface UploadDefinition {
  name: string;
  /** Larger is a 413 naming the field, found while streaming. */
  maxBytes: number;
  /** Media types allowed, judged by content (uploads/sniff.ts); null: any. */
  types: readonly string[] | null;
  optional: boolean;
}

export interface MultipartDefinition {
  files: readonly UploadDefinition[];
  /** Text parts the shape declares as numbers, booleans or JSON, converted before validation. */
  convert?: Readonly<Record<string, "number" | "boolean" | "json">>;
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
  /** `STREAM room` / `STREAM LIVE query`: the answer is a server-sent event stream (realtime/sse.ts). */
  stream?: StreamSource;
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
  /** One OpenAPI document per API version, by version name (served at `/_kova/openapi/<version>.json`). */
  openapiVersions?: Readonly<Record<string, string | URL>>;
  /** The gRPC service `kova build` described (dist/app.proto), served when kova.config.json has "grpc". */
  grpc?: GrpcDefinition;
  /** Background work (TASK): run by the task runtime (src/tasks). */
  tasks?: TaskDefinition[];
  /** Named caches (CACHE): read by the cache stage (src/cache). */
  caches?: CacheDefinition[];
  /** The EVENTs an ACTION may EMIT, by name: recorded in the change outbox, so the feed starts with the app. */
  events?: readonly string[];
  /** WebSocket endpoints (SOCKET): served on the HTTP port by realtime/socket-server.ts. */
  sockets?: SocketDefinition[];
  /** `TEST "name" { … }` blocks of a test build (`kova test`; testing/); absent in a `kova build`. */
  tests?: TestDefinition[];
}

/** One compiled TEST: `run` drives the app through the context `kova test` gives it (testing/context.ts). */
export interface TestDefinition {
  name: string;
  run: (ctx: never) => Promise<void>;
  source: { file: string; line: number };
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
  /**
   * BROADCAST TO room: sends the value to the room's sockets and streams once the handler has
   * committed (never for a handler that failed). `room` null: every client of the current SOCKET.
   */
  broadcast(room: string | null, value: unknown, serialize?: (value: unknown) => string): void;
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
