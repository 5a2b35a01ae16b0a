/**
 * The Kova app model (IR): one typed description of a checked app, produced by `lower` and read by
 * every back end (the JS emitter, `kova build --emit ir`, later OpenAPI, bytecode, …).
 *
 * Every value is plain JSON — no classes, Maps or cycles — so the IR can be printed, stored, diffed
 * and handed to another process. A back end reads the IR and nothing else: no AST walking, no
 * checker lookups, no query planning. `docs/ir.md` explains each part and `docs/ir.schema.json` is
 * generated from this file (`npm run gen:ir-schema`); a test keeps the two in step.
 */
import type { EntitySchema, NestedSelection, QueryPlan, ScalarType } from "@kova/query";
import type { BinaryOperator, HttpMethod, Span } from "../ast/nodes.js";

export type { Span };

/** Bumped whenever a back end reading an older IR would misread this one. */
export const IR_VERSION = 1;

export interface AppModel {
  kind: "App";
  version: number;
  /** The app folder's name; shown in logs and the health endpoint. */
  name: string;
  /** The .kova files of the program, in the order they were checked. */
  files: string[];
  /** Every declared entity, once; data sources name the ones they hold. */
  entities: EntitySchema[];
  dataSources: DataSource[];
  /** Each `env("NAME")` the program reads, once, sorted by name. */
  env: EnvVariable[];
  /** VALIDATE shapes, compiled by back ends into validators. */
  shapes: Shape[];
  /** JS functions the program IMPORTs. */
  imports: ImportedFunction[];
  /** The program's own functions (FN), in source order; none calls itself, directly or not. */
  functions: KovaFunction[];
  /** Response shapes (VIEW): which fields of an entity's row, in which order. */
  views: View[];
  /** Every query of every handler, by id; handlers refer to them by id. */
  queries: QueryDef[];
  entryPoints: EntryPoint[];
  /** The AUTH declaration: how callers prove who they are; null when the program declares none. */
  auth: AuthModel | null;
  /** CORS, the app-wide rate limit, and whether credentials travel in cookies (docs/security.md). */
  security: AppSecurity;
  /** Doc comments (`///`) on entities and their fields, by entity name; absent when none has one. */
  entityDocs?: Record<string, EntityDocs>;
  /** Background work (TASK): scheduled and queued tasks, in source order. */
  tasks: TaskDef[];
  /** Named caches (CACHE), in source order; routes use them through `HttpRoute.cache`. */
  caches?: CacheDef[];
  /** WebSocket endpoints (SOCKET), in source order. */
  sockets: SocketDef[];
  /** `TEST "name" { … }` from the program's *.test.kova files, in source order; absent when it has none (a `kova build`). */
  tests?: TestDef[];
  /** `EVENT name { … }`: what ACTIONs EMIT, in source order; absent when the program declares none. */
  events?: EventDef[];
}

// ───────────────────────────── actions and events (ACTION, EVENT, EMIT) ─────────────────────────────

/** `EVENT order_shipped { order: int  tracking: text }`: a business event and its payload's fields. */
export interface EventDef {
  name: string;
  fields: ShapeField[];
  /** The data source whose change outbox records it: the program's first (where entities without USING live). */
  source: string;
  span: Span;
}

/**
 * What makes an FN an ACTION. Its body's top-level statements are its steps, run in the caller's
 * transaction (an endpoint's or a task's, whose `writes` include what the action writes); a step
 * that fails ends the caller, so nothing of the action is kept, and the problem names the step.
 */
export interface ActionDef {
  /** The inputs other than entities, checked as a VALIDATE shape's fields when it is called (a 400 naming the input). */
  inputs: ShapeField[];
  /**
   * Entity-typed inputs: an id (or a row: its id) loaded before the first step; no such record is
   * a 404 naming it, and null a 400 unless the input is `optional` (then it stays null).
   */
  loads: Array<{ param: string; entity: string; optional: boolean; load: Expr }>;
  /**
   * `IN DATABASE`: the steps run as one PL/pgSQL function in the PostgreSQL data source they use
   * (emit/plpgsql), called in the caller's transaction once the inputs are checked and loaded in
   * JS. Absent: the steps run in JS.
   */
  inDatabase?: true;
}

/** `EMIT order_shipped { … }`: the event recorded in the transaction of `source` (Driver.emit), delivered after its commit. */
export interface EmitStmt {
  kind: "emit";
  event: string;
  source: string;
  payload: Expr;
  span: Span;
}

// ───────────────────────────── caches (CACHE) ─────────────────────────────

/** `CACHE name { ttl, stale, key, mode, max_entries, max_bytes, cache_control }`. */
export interface CacheDef {
  name: string;
  ttlMs: number;
  /** `revalidate`: how long past the TTL an entry is still served while one refresh runs. */
  staleMs: number;
  /** `first`: read-through; `only`: answers from the cache alone (a miss is a 504); `revalidate`: serve stale, refresh in the background. */
  mode: "first" | "only" | "revalidate";
  /** The key template: text, or a request input (`{id}`); null: the request's path and query string. */
  key: Array<{ text: string } | { input: "path" | "query"; name: string }> | null;
  maxEntries: number;
  maxBytes: number;
  cacheControl: string | null;
  span: Span;
}

/**
 * A cached route: its cache and which committed writes evict its entries, computed here from the
 * queries the handler runs (the change feed drives the eviction at run time):
 *   - `{ entity, by }`: the query pins the entity by its id or a UNIQUE field to a request input, so
 *     only a change whose record had (before or after) that value evicts the entry for that input;
 *   - `{ entity }`: any change of the entity evicts every entry of the route.
 */
export interface RouteCacheDef {
  cache: string;
  invalidate: Array<{ entity: string; by?: { field: string; input: "path" | "query"; name: string } }>;
}

// ───────────────────────────── realtime (SOCKET) ─────────────────────────────

/** `SOCKET /path [AUTH …] [VALIDATE Shape] [WITH { … }] { ON CONNECT … ON MESSAGE(msg) … ON CLOSE … }`. */
export interface SocketDef {
  kind: "socket";
  /** `SOCKET /chat/:room`, unique in the app. */
  id: string;
  /** find-my-way syntax, as an HttpRoute's; served on the HTTP port as a WebSocket upgrade. */
  path: string;
  /** The path and query inputs the handlers read, typed as an endpoint's are (parsed once, at the upgrade). */
  inputs: { path: TypedInput[]; query: TypedInput[] };
  /** Checked on the upgrade request: a refused caller gets the HTTP 401/403 and no connection. */
  auth: RouteAuth | null;
  /** The VALIDATE shape every message must match, or null (any JSON value). */
  message: string | null;
  /** A larger message gets an error frame and is not handled. */
  maxMessageBytes: number;
  /** Ping interval; a client that missed the previous pong is dropped. */
  heartbeatMs: number;
  /** A client with more unsent bytes than this is dropped (backpressure). */
  maxBufferedBytes: number;
  handlers: SocketHandlerDef[];
  span: Span;
}

export interface SocketHandlerDef {
  event: "connect" | "message" | "close";
  /** The message's name in ON MESSAGE(msg); null for the other events. */
  param: string | null;
  variables: string[];
  body: Stmt[];
  /** The data sources the handler writes: it runs in one transaction per source, as an endpoint does. */
  writes: string[];
  span: Span;
}

/** One TEST: run by `kova test` on a fresh store, its requests answered by the app in the same process. */
export interface TestDef {
  name: string;
  variables: string[];
  body: Stmt[];
  span: Span;
}

/** An entity's doc comment and its fields' (by field name), for the API description back ends. */
export interface EntityDocs {
  doc?: string;
  fields: Record<string, string>;
}

// ───────────────────────────── background work (TASK) ─────────────────────────────

/** When a task runs: when a job is enqueued, at a fixed interval, or on a cron schedule. */
export type TaskTrigger =
  | { kind: "queue" }
  /** `ON INSERT|UPDATE|DELETE Entity { … }`: a job per committed write of that kind (the change feed enqueues it). */
  | { kind: "change"; op: "insert" | "update" | "delete"; entity: string }
  /** `ON order_shipped { … }`: a job per committed EMIT of that EVENT, its payload as `event`. */
  | { kind: "event"; event: string }
  | { kind: "every"; everyMs: number }
  | { kind: "cron"; expression: string; timezone: string | null };

/** `TASK name[(params)] [EVERY … | CRON … TZ …] [WITH { … }] { … }`. */
export interface TaskDef {
  name: string;
  /** Parameter names, in order; a job's arguments arrive as JSON values in this order. */
  params: string[];
  trigger: TaskTrigger;
  /** Runs per job at most (1 = no retry); then the job is dead-lettered with its last error. */
  attempts: number;
  /** The first retry's delay; each next one doubles, with jitter. */
  backoffMs: number;
  /** One attempt's time limit. */
  timeoutMs: number;
  /** Jobs of this task running at once, per process. */
  concurrency: number;
  /** Among due jobs, higher runs first. */
  priority: number;
  variables: string[];
  body: Stmt[];
  /** The data sources the body writes: it runs in one transaction per source, as an endpoint does. */
  writes: string[];
  span: Span;
}

// ───────────────────────────── authentication (AUTH) ─────────────────────────────

export interface AuthModel {
  /** The declared schemes: one today, of kind `jwt`, `api_key` or `session`. */
  schemes: AuthScheme[];
  /** Every role an endpoint may require (the AUTH block's `roles:`), in declaration order. */
  roles: string[];
  /**
   * True when a credential arrives in a cookie (a `session` scheme, or a token read from a cookie):
   * browsers then send it on cross-site requests by themselves, so state-changing requests need
   * CSRF protection. Derived from `schemes`; stated once here for the back ends that need it.
   */
  usesCookies: boolean;
}

export type AuthScheme = JwtScheme | ApiKeyScheme | SessionScheme;

/**
 * `AUTH session USING secret(env("SESSION_KEY")) { entity: Session, … }`: server-side sessions. The
 * cookie holds a random token and its HMAC (the secret); the entity holds `hash_token(token)` per
 * live session, so deleting the row ends the session at once. Built-ins start_session() and
 * end_session() set and clear the cookie.
 */
export interface SessionScheme {
  kind: "session";
  /** The HMAC-SHA256 key the cookie is signed with (at least 32 bytes at run time). */
  secret: Expr;
  /** The cookie's name. */
  cookie: string;
  /** The cookie's Max-Age, in seconds. */
  expireSeconds: number;
  entity: string;
  /** The query reading the one row whose `hashField` equals its argument 0. */
  lookup: string;
  hashField: string;
  subjectField: string;
  claims: string;
  roleClaim: string | null;
  span: Span;
}

/**
 * `AUTH api_key { entity: ApiKey, … }`: a key sent in a header (or query parameter), looked up by
 * its SHA-256 (`hash_token`) in an entity; the row gives `$auth` (sub from `subjectField`, the
 * other claims by field name).
 */
export interface ApiKeyScheme {
  kind: "api_key";
  entity: string;
  /** The query (in the app's table) reading the one row whose `hashField` equals its argument 0. */
  lookup: string;
  hashField: string;
  /** The row's field whose value (as text) is `$auth.sub`. */
  subjectField: string;
  /** Where a request carries the key: a header (lower-case name) or a query parameter. */
  location: { from: "header" | "query"; name: string };
  /** The VALIDATE shape of `$auth`; it always has `sub`. */
  claims: string;
  roleClaim: string | null;
  span: Span;
}

/** `AUTH jwt USING secret(env("JWT_KEY")) { … }`: bearer JSON Web Tokens, verified with `jose`. */
export interface JwtScheme {
  kind: "jwt";
  /** The one algorithm tokens must be signed with; any other `alg` (and `none`) is refused. */
  algorithm: JwtAlgorithm;
  key: JwtKey;
  /** Tokens must carry this `iss` (and sign_token writes it); null: not checked. */
  issuer: string | null;
  /** Tokens must carry this `aud`; null: not checked. */
  audience: string | null;
  /** sign_token's default time to live, in seconds. */
  expireSeconds: number;
  /** Tolerated clock difference for `exp` and `nbf`, in seconds. */
  skewSeconds: number;
  /** Where a request carries the token. */
  token: TokenLocation;
  /** The VALIDATE shape the claims must match (`$auth` has its type); it always has `sub`. */
  claims: string;
  /** The claim holding the caller's role (a string or a list of strings); null when no roles are declared. */
  roleClaim: string | null;
  span: Span;
}

export type JwtAlgorithm = "HS256" | "HS384" | "HS512" | "RS256" | "RS384" | "RS512" | "PS256" | "ES256" | "ES384" | "EdDSA";

/** Shared secret (HS*), a PEM public key (verify) with an optional PEM private key (sign), or a JWKS URL (verify only). */
export type JwtKey =
  | { from: "secret"; secret: Expr }
  | { from: "publicKey"; publicKey: Expr; privateKey: Expr | null }
  | { from: "jwks"; url: Expr };

export type TokenLocation = { from: "header" } | { from: "cookie"; name: string };

/** An endpoint's `AUTH …` modifier. */
export interface RouteAuth {
  /** `required`: no credential is a 401; `optional`: no credential runs the handler with `$auth` null. */
  mode: "required" | "optional";
  /** The caller must hold one of these roles (403 otherwise); empty: any signed-in caller. */
  roles: string[];
  /** `AUTH owner(author)`: every query on an entity with this field also requires `field = $auth.sub`. */
  owner: string | null;
}

// ───────────────────────────── HTTP safety ─────────────────────────────

export interface AppSecurity {
  /** The program's `CORS { … }`, or null: CORS off (kova.config.json may still set it). */
  cors: CorsPolicy | null;
  /** The top-level `RATE_LIMIT`: one budget per key across every endpoint. */
  rateLimit: RateLimitRule | null;
  /**
   * Some AUTH scheme reads credentials from a cookie: cross-origin state-changing requests are then
   * always refused (CSRF); the runtime will not let configuration turn that off.
   */
  cookieAuth: boolean;
}

export interface CorsPolicy {
  /** Each evaluates (at start, with the resolved environment) to an origin or a comma-separated list; `*` is any origin. */
  origins: Expr[];
  /** null: the methods each route has. */
  methods: string[] | null;
  /** Request headers a preflight allows, lower-case; null: `content-type`. */
  headers: string[] | null;
  /** Response headers scripts may read, lower-case. */
  expose: string[];
  credentials: boolean;
  /** How long browsers may cache a preflight; null: the runtime's default (10 minutes). */
  maxAgeSeconds: number | null;
  span: Span;
}

/** Who shares a budget: each client address, each value of a header, or each signed-in subject's claim. */
export type RateLimitKey = { by: "ip" } | { by: "header"; name: string } | { by: "auth"; claim: string };

/** `RATE_LIMIT 100 PER 1m BY ip`: at most `limit` requests per `windowMs` for each key. */
export interface RateLimitRule {
  limit: number;
  windowMs: number;
  key: RateLimitKey;
  span: Span;
}

// ───────────────────────────── data ─────────────────────────────

/** Where entities live: a CONNECT, or the embedded store when the program has none. */
export interface DataSource {
  name: string;
  /** The driver name as written after USING (`embedded` for the default store). */
  driver: string;
  /** CONNECT's arguments, evaluated at start with the resolved environment; empty for none. */
  options: Expr[];
  /** Names of the entities stored here (each entity is in exactly one data source). */
  entities: string[];
  span: Span | null;
}

export interface EnvVariable {
  name: string;
  /** The type of the default value; `string` when there is none (environment values are text). */
  type: "string" | "number" | "boolean";
  /** The default as text, as the environment would hold it; absent when the variable is required. */
  default?: string;
  /** Where the program reads it. */
  uses: Span[];
}

/** A query plan by id, with the data source it runs on. */
export interface QueryDef {
  /** `Q0`, `Q1`, … in source order. */
  id: string;
  entity: string;
  source: string;
  plan: QueryPlan;
  span: Span;
}

export interface ImportedFunction {
  /** The name the program calls it by (`AS` alias or the exported name). */
  local: string;
  /** The name the module exports. */
  exported: string;
  /** The module as written in the IMPORT, and the .kova file that wrote it (relative specifiers resolve from there). */
  module: string;
  fromFile: string;
  span: Span;
}

/** `FN name(params) { … }`: a handler-like body that ends with RETURN; may run queries. */
export interface KovaFunction {
  name: string;
  params: string[];
  /** Variables assigned in the body (parameters excluded), in first-assignment order. */
  variables: string[];
  body: Stmt[];
  /** Set for an `ACTION` (an FN whose steps are one unit, and which may EMIT). */
  action?: ActionDef;
  span: Span;
}

/** `VIEW ArticleOut OF Article { slug, title }`. Nested relation items arrive with entity relations. */
export interface View {
  name: string;
  entity: string;
  /** The keys of a shaped row, in order: the entity's fields and the view's nested relations (read by the SELECT's plan). */
  fields: string[];
  /** Its nested items (`author { name }`) as planned nested selections: what those keys hold (response schemas). */
  nested?: NestedSelection[];
  span: Span;
}

// ───────────────────────────── shapes (VALIDATE) ─────────────────────────────

export interface Shape {
  name: string;
  /** The shape's doc comment (`///` lines before VALIDATE). */
  doc?: string;
  fields: ShapeField[];
  /** A field the shape does not declare: a 400 (`reject`, the default) or removed from the body (`drop`). */
  unknown: "reject" | "drop";
  span: Span;
}

export interface ShapeField {
  name: string;
  type: ShapeType;
  /** The field's doc comment (`///` lines before it). */
  doc?: string;
}

/** A field's type as declared: `string(min: 1)`, `int?`, `Tag[]`, `enum("a", "b")`, `{ … }`. */
export interface ShapeType {
  /** A validation type name, another shape's name, or `object` for an inline shape. */
  name: string;
  /** Constant positional arguments (the values of `enum(…)`). */
  args: Literal[];
  /** Constant named options (`min`, `max`, `length`, `pattern`). */
  options: Record<string, Literal>;
  /** An inline shape's fields; empty otherwise. */
  fields: ShapeField[];
  array: boolean;
  optional: boolean;
  /** `file(max: 5MB, types: [...])`: the largest upload in bytes and the media types allowed by content (null: any). */
  file?: FileLimits;
}

export interface FileLimits {
  maxBytes: number;
  types: string[] | null;
}

/** A file part of a multipart body: a top-level `file(…)` field of the route's shape. */
export interface FileInput extends FileLimits {
  name: string;
  optional: boolean;
}

export type Literal = string | number | boolean | null;

// ───────────────────────────── entry points ─────────────────────────────

/** Something that starts a handler. Only HTTP routes today; sockets, tasks and events join this union. */
export type EntryPoint = HttpRoute;

/** The types a request input is parsed to before the handler runs (the runtime's `ParamType`; `count` is an int ≥ 0). */
export type InputType = "string" | "int" | "count" | "float" | "uuid" | "ulid" | "datetime" | "boolean" | "slug";

export interface TypedInput {
  name: string;
  type: InputType;
  /** How the type was decided: declared on the route, compared with a field, used in arithmetic, or the default. */
  from: "declared" | "field" | "arithmetic" | "default";
  /** Declared query parameters only: absent is a 400 (no `?`, no DEFAULT). */
  required?: boolean;
  /** Declared query parameters only: the value used when the request has none. */
  default?: Literal;
  /** Declared numeric query parameters only: the bounds a value must lie within (else a 400). */
  min?: number;
  max?: number;
  /** Declared `enum(…)` query parameters only: the allowed values. */
  values?: string[];
}

export interface HttpRoute {
  kind: "http";
  /** `GET /todos/:id`, unique in the app. */
  id: string;
  /** The endpoint's doc comment (`///` lines before it): the API description's summary and description. */
  doc?: string;
  method: HttpMethod;
  /** find-my-way syntax (Kova paths are already `/users/:id`). */
  path: string;
  inputs: {
    /** Every `:param` of the path, in order. */
    path: TypedInput[];
    /** Every `$query.name` the handler reads, sorted by name. */
    query: TypedInput[];
    /** Every `$headers.name` the handler reads (lower-case), sorted. */
    headers: string[];
    /** Every `$cookies.name` the handler reads, sorted. */
    cookies: string[];
    /**
     * The VALIDATE shape the body must match, or null (no body check). `files` lists the shape's
     * file fields: when there are any, the body is `multipart/form-data`, streamed to the file store.
     */
    body: { shape: string | null; read: boolean; files: FileInput[] };
  };
  /** The `AUTH` modifier: checked before the body is read; null for a public endpoint. */
  auth: RouteAuth | null;
  /** The endpoint's own `RATE_LIMIT`, counted besides the app-wide one. */
  rateLimit: RateLimitRule | null;
  /** `API v2 { … }`: the version this route belongs to (its `path` starts with `/v2`); absent at the top level. */
  version?: ApiVersion;
  /** Handler variables, in first-assignment order. */
  variables: string[];
  body: Stmt[];
  /**
   * The data sources the handler may write, in declaration order; empty when it only reads. The
   * runtime runs a writing handler in one transaction per source, so its writes are atomic.
   */
  writes: string[];
  /** `CACHE name`: answers kept in that cache, evicted by the writes listed. Absent: not cached. */
  cache?: RouteCacheDef;
  span: Span;
}

/** An `API vN` block's version: its name, and the instants (ISO 8601, UTC) it is deprecated and sunset. */
export interface ApiVersion {
  name: string;
  /** Sent as `Deprecation: @<seconds>` (RFC 9745) on every answer of the version; null: not deprecated. */
  deprecated: string | null;
  /** Sent as `Sunset: <HTTP-date>` (RFC 8594); null: none announced. */
  sunset: string | null;
}

// ───────────────────────────── handler statements ─────────────────────────────

export type Stmt = AssignStmt | EvalStmt | RespondStmt | FailStmt | IfStmt | UnsupportedStmt | ForStmt | ReturnStmt | EnqueueStmt | RoomStmt | SendStmt | BroadcastStmt | StreamStmt | LiveStmt | ExpectStmt | EmitStmt;

/** `lobby` or `room(key)`: the room's name and, for a family of rooms, the key (text) that picks one. */
export interface RoomTarget {
  name: string;
  key: Expr | null;
}

/** `JOIN room` / `LEAVE room` in a SOCKET handler: this connection enters or leaves the room (presence notices follow). */
export interface RoomStmt {
  kind: "join" | "leave";
  room: RoomTarget;
  span: Span;
}

/** `SEND value`: a message to this socket client only. */
export interface SendStmt {
  kind: "send";
  value: Expr;
  span: Span;
}

/**
 * `BROADCAST value` (room null: every client of the SOCKET the handler belongs to) or `BROADCAST TO
 * room value`. Sent once the handler's transaction has committed; never for one that rolled back.
 */
export interface BroadcastStmt {
  kind: "broadcast";
  room: RoomTarget | null;
  value: Expr;
  span: Span;
}

/**
 * Answers the GET with server-sent events (ends the handler): `room`, the room's broadcasts; or
 * `live`, the query's result, sent again whenever a committed write to an entity it reads changes it.
 */
export interface StreamStmt {
  kind: "stream";
  room: RoomTarget | null;
  live: { value: Expr; reads: string[] } | null;
  span: Span;
}

/**
 * `STREAM LIVE SELECT …` in a SOCKET handler: the query's result is pushed to this client now and
 * again whenever a committed write to an entity it reads changes it, until the client goes. Unlike
 * a GET's STREAM it does not end the handler.
 */
export interface LiveStmt {
  kind: "live";
  live: { value: Expr; reads: string[] };
  span: Span;
}

/** `EXPECT condition` in a TEST; `text` is the condition as written, for the failure message. */
export interface ExpectStmt {
  kind: "expect";
  condition: Expr;
  text: string;
  span: Span;
}

/** `ENQUEUE task(args) DELAY d KEY k`: adds a job, in the handler's transaction when it has one. */
export interface EnqueueStmt {
  kind: "enqueue";
  task: string;
  args: Expr[];
  /** A duration in milliseconds; null: due now. */
  delay: Expr | null;
  /** The idempotency key (text); null: none. */
  key: Expr | null;
  span: Span;
}

/** `FOR variable IN list { … }`: the body once per item, in order; a null list runs it no time. */
export interface ForStmt {
  kind: "for";
  variable: string;
  list: Expr;
  body: Stmt[];
  span: Span;
}

/** `RETURN value` ends an FN with its result (null without a value). */
export interface ReturnStmt {
  kind: "return";
  value: Expr | null;
  span: Span;
}

export interface AssignStmt {
  kind: "assign";
  variable: string;
  value: Expr;
  span: Span;
}

/** An expression run for its effect (a query, a call). */
export interface EvalStmt {
  kind: "eval";
  value: Expr;
  span: Span;
}

export interface RespondStmt {
  kind: "respond";
  status: number;
  value: Expr | null;
  /** Response headers; values are sent as text. */
  headers: ObjectEntry[] | null;
  /**
   * Cookies to set, by name: a value (text) or `{ value, http_only, secure, same_site, max_age,
   * expires, path, domain, partitioned }`; a null value clears the cookie. `REDIRECT` lowers to a
   * respond with a `location` header.
   */
  cookies: ObjectEntry[] | null;
  /** When the value is a single row: the entity named by the 404 sent for null. */
  notFound: string | null;
  span: Span;
}

/** `ERROR status detail`: ends the request with a problem response. */
export interface FailStmt {
  kind: "fail";
  status: number;
  /** The problem's detail, as text; a constant default when the source gives none. */
  detail: Expr;
  span: Span;
}

export interface IfStmt {
  kind: "if";
  /** `IF … ELSE IF …`: tried in order. */
  branches: Array<{ condition: Expr; body: Stmt[]; span: Span }>;
  otherwise: Stmt[] | null;
  span: Span;
}

/** A statement the language parses but no back end runs yet (BROADCAST outside a socket). */
export interface UnsupportedStmt {
  kind: "unsupported";
  feature: string;
  span: Span;
}

// ───────────────────────────── expressions ─────────────────────────────

export type Expr =
  | LiteralExpr
  | TemplateExpr
  | VariableExpr
  | InputExpr
  | MemberExpr
  | IndexExpr
  | CallExpr
  | EnvExpr
  | UnaryExpr
  | BinaryExpr
  | IsNullExpr
  | HasExpr
  | ObjectExpr
  | ArrayExpr
  | QueryExpr
  | ConditionalExpr
  | BetweenExpr
  | ComprehensionExpr
  | FunctionCallExpr
  | ViewExpr
  | OrderChoiceExpr
  | RequestExpr
  | SpawnExpr
  | AwaitExpr;

/**
 * `SPAWN f(args)`: a task running the FN `function` with `args` (evaluated now), beside the code
 * that spawned it; the value is the task. JS: the FN's promise; the VM: a task interleaved by the
 * interpreter under the execution's quotas.
 */
export interface SpawnExpr {
  kind: "spawn";
  function: string;
  args: Expr[];
}

/** `AWAIT task`: the task's result (its error is thrown here); a value that is not a task is itself. */
export interface AwaitExpr {
  kind: "await";
  task: Expr;
}

/** In a TEST: a request to the app's own endpoint; its value is `{ status, body, headers, text }`. */
export interface RequestExpr {
  kind: "request";
  method: HttpMethod;
  /** The path with any `?query`, as text. */
  path: Expr;
  body: Expr | null;
  /** An object of header names and values; null: none. */
  headers: Expr | null;
}

/** A constant; infinite numbers (`1e999`) are written as the strings "Infinity" / "-Infinity" with `infinite: true`. */
export interface LiteralExpr {
  kind: "literal";
  value: Literal;
  infinite?: boolean;
}

/** `"a {x} b"`: the parts' text joined. */
export interface TemplateExpr {
  kind: "template";
  parts: Expr[];
}

export interface VariableExpr {
  kind: "variable";
  name: string;
}

/**
 * A request input: `$id` (path), `$query.page`, `$headers.x`, `$cookies.session`, `$body.title`,
 * `$auth.sub` (a verified claim); `name` null is the whole object (`$query`, `$body`, `$auth`). Path
 * and query inputs arrive typed as the route's `inputs` declare.
 */
export interface InputExpr {
  kind: "input";
  from: "path" | "query" | "headers" | "cookies" | "body" | "auth";
  name: string | null;
}

/** `object.property`; null-safe (a property of null is null). */
export interface MemberExpr {
  kind: "member";
  object: Expr;
  property: string;
}

export interface IndexExpr {
  kind: "index";
  object: Expr;
  index: Expr;
}

/** A built-in (one of checker/builtins.ts, or an operator helper such as `date_add`) or an imported function. */
export interface CallExpr {
  kind: "call";
  function: string;
  imported: boolean;
  args: Expr[];
}

/** `env("NAME", default)`: read from the resolved environment (see the app's `env` list). */
export interface EnvExpr {
  kind: "env";
  name: Expr;
  default: Expr | null;
}

export interface UnaryExpr {
  kind: "unary";
  operator: "NOT" | "-";
  operand: Expr;
}

/** `==`/`!=` are Kova's null-safe equality; IN and LIKE test lists and patterns. */
export interface BinaryExpr {
  kind: "binary";
  operator: BinaryOperator;
  left: Expr;
  right: Expr;
}

export interface IsNullExpr {
  kind: "isNull";
  operand: Expr;
  negated: boolean;
}

/** `has(object.key)`: the object holds the key (even with null); false for null or a non-object. */
export interface HasExpr {
  kind: "has";
  object: Expr;
  key: Expr;
}

/** `remove`: `-key` in `{ ...row, -key }`, the object built so far without that key. */
export type ObjectEntry = { kind: "property"; key: string; value: Expr } | { kind: "spread"; value: Expr } | { kind: "remove"; key: string };

export interface ObjectExpr {
  kind: "object";
  entries: ObjectEntry[];
}

export interface ArrayExpr {
  kind: "array";
  elements: Array<{ spread: boolean; value: Expr }>;
}

/** `test ? then : otherwise`; only the chosen branch is evaluated. */
export interface ConditionalExpr {
  kind: "conditional";
  test: Expr;
  then: Expr;
  otherwise: Expr;
}

/** `value BETWEEN low AND high`, both ends included; false when any of the three is null. */
export interface BetweenExpr {
  kind: "between";
  value: Expr;
  low: Expr;
  high: Expr;
  negated: boolean;
}

/** `[element FOR variable IN list IF condition]`; a null list is empty. */
export interface ComprehensionExpr {
  kind: "comprehension";
  variable: string;
  list: Expr;
  condition: Expr | null;
  element: Expr;
}

/** A call of a Kova FN of the app (see `AppModel.functions`). */
export interface FunctionCallExpr {
  kind: "callFunction";
  function: string;
  args: Expr[];
}

/** A row (or each row of a list) shaped by a VIEW: only the view's fields, in its order; null stays null. */
export interface ViewExpr {
  kind: "view";
  view: string;
  value: Expr;
}

/** Runs query `query` (an id in `AppModel.queries`) with the values its plan's `arg` operands name. */
export interface QueryExpr {
  kind: "query";
  query: string;
  args: QueryArg[];
}

/**
 * `ORDER_BY value IN [a, b]`: runs the query of the option whose `field` equals the value (one
 * compiled statement per option); any other value is a 400 naming `label`.
 */
export interface OrderChoiceExpr {
  kind: "orderChoice";
  value: Expr;
  label: string;
  options: Array<{ field: string; query: QueryExpr }>;
}

export interface QueryArg {
  value: Expr;
  /**
   * The type the value must have, when nothing before the handler guarantees it (a body field, a
   * computed value); null when it needs no conversion (text, or an input the route already typed).
   */
  convert: ScalarType | "count" | null;
  /** Names the value in a 400 response when it does not convert, e.g. "body field age". */
  label: string;
  /** Compared with a rich field: the value is put in that type's canonical form (email case, phone punctuation). */
  canonical?: { name: string; args?: number[] };
}
