/**
 * The Kova abstract syntax tree.
 *
 * Every node is plain JSON: a `kind` string, a `span`, and fields that are strings, numbers,
 * booleans, null, arrays or other nodes. No classes, no cycles, no Maps — so an AST can be
 * printed, stored, diffed and sent to another process (the language server, the VM) as is.
 *
 * The JSON Schema in `docs/ast.schema.json` is generated from this file (`npm run gen:ast-schema`)
 * and a test keeps the two in step. `docs/ast.md` explains each node.
 */

/** A position in a source file. `line` and `column` are 1-based; `offset` is 0-based, in UTF-16 code units. */
export interface Position {
  line: number;
  column: number;
  offset: number;
}

/** Where a node came from: the file, its first character and the position just past its last. */
export interface Span {
  file: string;
  start: Position;
  end: Position;
}

// ───────────────────────────── program and declarations ─────────────────────────────

/** One `.kova` file. */
export interface Program {
  kind: "Program";
  span: Span;
  file: string;
  declarations: Declaration[];
}

export type Declaration =
  | ImportDecl
  | ConnectDecl
  | EntityDecl
  | ValidateDecl
  | EndpointDecl
  | CacheDecl
  | SocketDecl
  | TaskDecl
  | OnChangeDecl
  | AuthDecl
  | WorkerDecl
  | FunctionDecl
  | ViewDecl
  | RateLimitDecl
  | CorsDecl
  | ApiDecl
  | TestDecl
  | EventDecl
  | ReadModelDecl;

/**
 * `READ MODEL ProductSummary FROM Product GROUP_BY category { category, products: COUNT(*) }`: a
 * table of one row per group of the source entity's live rows, kept equal to a fresh GROUP_BY by
 * every write of the source (in the write's transaction) and read with SELECT like an entity.
 */
export interface ReadModelDecl {
  kind: "ReadModel";
  span: Span;
  name: Identifier;
  /** The entity whose rows are grouped. */
  source: Identifier;
  /** The source's fields the rows are grouped by (each also a column of the model). */
  groupBy: Identifier[];
  columns: ReadModelColumn[];
  /** The `///` doc comment before READ MODEL; null when none. */
  doc: string | null;
}

/** One column of a READ MODEL: a grouped field (`category`) or `name: COUNT(*)` / `SUM(field)` / … */
export interface ReadModelColumn {
  kind: "ReadModelColumn";
  span: Span;
  name: Identifier;
  /** null: the column is the grouped field of the same name. */
  aggregate: ReadModelAggregate | null;
}

/** `COUNT(*)`, `SUM(price)`, `MIN(price)`… in a READ MODEL column (field null: `COUNT(*)`). */
export interface ReadModelAggregate {
  kind: "ReadModelAggregate";
  span: Span;
  fn: "COUNT" | "SUM" | "AVG" | "MIN" | "MAX";
  field: Identifier | null;
}

/**
 * `EVENT order_shipped { order: int  tracking: text }`: a business event an ACTION announces with
 * EMIT, its payload's fields typed as a VALIDATE shape's; `ON order_shipped { … }` handles it.
 */
export interface EventDecl {
  kind: "Event";
  span: Span;
  name: Identifier;
  fields: FieldDecl[];
}

/** A name written in the source, with its own span (so tools can point at it and rename it). */
export interface Identifier {
  kind: "Identifier";
  span: Span;
  name: string;
}

/**
 * `IMPORT "./users.kova"` brings another Kova file's declarations into scope;
 * `IMPORT { slugify, hash AS sha } FROM "./util.js"` makes functions of a JS/TS module callable.
 */
export interface ImportDecl {
  kind: "Import";
  span: Span;
  /** The path exactly as written (relative to the importing file). */
  source: string;
  sourceSpan: Span;
  /** Empty for a `.kova` import; the imported function names for a module import. */
  names: ImportName[];
}

export interface ImportName {
  kind: "ImportName";
  span: Span;
  /** The name exported by the module. */
  imported: Identifier;
  /** The name used in this file (`AS alias`), or the imported name. */
  local: Identifier;
}

/** `CONNECT db USING postgres(env("DATABASE_URL"))` */
export interface ConnectDecl {
  kind: "Connect";
  span: Span;
  name: Identifier;
  driver: Identifier;
  args: Expression[];
}

/** `ENTITY User USING db { name: text  email: email UNIQUE }` */
export interface EntityDecl {
  kind: "Entity";
  span: Span;
  name: Identifier;
  /** The data source (a CONNECT name); null means the default one. */
  source: Identifier | null;
  fields: FieldDecl[];
  /** Composite `UNIQUE (a, b)` and `INDEX (a, b)` lines, in source order. */
  constraints: EntityConstraint[];
  /** `ENTITY Session NO HISTORY { … }`: its writes keep no versions (HISTORY and AS OF on it are refused). */
  noHistory: boolean;
  /**
   * `ENTITY Post AUDIT { … }`: the entity also has created_at, updated_at (stamped by every write)
   * and created_by, updated_by (the caller's `$auth.sub`, null when anonymous), read-only to clients.
   */
  audit: boolean;
  /**
   * `ENTITY Ticket SOFT DELETE { … }`: the entity also has deleted_at and deleted_by; a DELETE
   * stamps them instead of removing the record, every read hides such records unless it says
   * `WITH DELETED`, and `RESTORE Ticket WHERE …` clears them.
   */
  softDelete: boolean;
  /**
   * `ENTITY Contact TENANT BY org { … }`: the claim of `$auth` naming the caller's tenant. The
   * entity gains a `tenant_id` column stamped from it, and every query of the entity is scoped to
   * it (docs/entities.md, "Tenants"); null when the entity is shared by all callers.
   */
  tenant: Identifier | null;
  /**
   * `ENTITY Customer PUBLIC ID uuid { … }`: the kind of public id written after PUBLIC ID (only
   * `uuid` is accepted); null when the entity's `id` is its integer key. The integer key stays the
   * primary key and what references hold; responses and `WHERE id = …` use the public id.
   */
  publicId: Identifier | null;
  /**
   * `ENTITY Article IDENTIFIER slug(title) { … }`: the entity also has `identifier`, the slug of
   * those fields made on insert (unique, `-2`, `-3`… on collision, kept when they change); null
   * when it has none (docs/entities.md, "Human-readable identifiers").
   */
  identifier: EntityIdentifier | null;
  /**
   * `ENTITY Person SUBJECT { … }`: its records are data subjects, people whose personal data
   * `kova db forget Person <id>` erases (docs/entities.md, "Data subjects").
   */
  subject: boolean;
  /**
   * `ENTITY Order PERSONAL DATA OF customer { … }`: the reference field naming the SUBJECT whose
   * personal data each record is (its ENCRYPTED values are forgotten with that subject); null
   * when none is declared.
   */
  personalDataOf: Identifier | null;
  /**
   * `ENTITY ABSTRACT Contact { … }`: a set of fields (and modifiers) for other entities to EXTEND;
   * it has no table and no query may name it (docs/entities.md, "Reuse: EXTENDS").
   */
  abstract: boolean;
  /**
   * `ENTITY Customer EXTENDS Contact { … }`: the entity whose fields, constraints and modifiers this
   * one starts from; null when it extends none. The checker expands it (checker/extends.ts), so no
   * back end sees EXTENDS.
   */
  extends: Identifier | null;
  /** The `///` doc comment before the ENTITY (its lines joined by line breaks); null when none. */
  doc: string | null;
}

/** `IDENTIFIER slug(title)` or `IDENTIFIER slug(first_name, last_name)` after an entity's name. */
export interface EntityIdentifier {
  kind: "EntityIdentifier";
  span: Span;
  /** How the identifier is made from the fields: `slug` (the one way Kova has). */
  maker: Identifier;
  /** The entity's own fields it is made from, in order. */
  from: Identifier[];
  /**
   * `IDENTIFIER slug(title) VERSIONED`: a change of those fields gives the record a new identifier,
   * and its old ones keep finding it. Without it (the default) the identifier is stable.
   */
  versioned: boolean;
}

/** `UNIQUE (a, b)` or `INDEX (a, b)` on its own line inside an ENTITY. */
export interface EntityConstraint {
  kind: "EntityConstraint";
  span: Span;
  constraint: "UNIQUE" | "INDEX";
  fields: Identifier[];
}

/** A field of an ENTITY or a VALIDATE shape. */
export interface FieldDecl {
  kind: "Field";
  span: Span;
  name: Identifier;
  type: TypeRef;
  /** Column modifiers; only meaningful on entity fields. */
  modifiers: FieldModifier[];
  /**
   * `posts: Post[] BY author`: an inverse relation, the Post rows whose reference field `author`
   * holds this row's id (not stored). null on ordinary fields.
   */
  by: Identifier | null;
  /** The `///` doc comment lines before the field, joined by line breaks; null when none. */
  doc: string | null;
}

/**
 * `UNIQUE`, `INDEX`, `PRIMARY`, `DEFAULT <expr>`, `SECRET`, `ENCRYPTED`, `MASKED [UNLESS role, …]`
 * or `ON DELETE RESTRICT | CASCADE | SET NULL` after an entity field's type.
 */
export interface FieldModifier {
  kind: "FieldModifier";
  span: Span;
  modifier: "UNIQUE" | "INDEX" | "PRIMARY" | "DEFAULT" | "ON DELETE" | "SECRET" | "ENCRYPTED" | "MASKED";
  /** The default value, for `DEFAULT`; otherwise null. */
  value: Expression | null;
  /** For `ON DELETE`: what deleting the referenced record does; otherwise null. */
  action: "RESTRICT" | "CASCADE" | "SET NULL" | null;
  /** For `MASKED UNLESS admin, dpo`: the roles that see the value whole; otherwise empty. */
  roles: Identifier[];
}

/**
 * A type as written: `int`, `text?`, `string(min: 1, max: 80)`, `enum("a", "b")`, `Tag[]`,
 * or an inline object shape `{ street: string  zip: string }`.
 */
export interface TypeRef {
  kind: "TypeRef";
  span: Span;
  /** The type's name; `object` for an inline shape. */
  name: Identifier;
  /** Positional arguments, e.g. the values of `enum("a", "b")`. */
  args: Expression[];
  /** Named options, e.g. `min: 1` in `string(min: 1)`. */
  options: Property[];
  /** Fields of an inline object shape; empty otherwise. */
  fields: FieldDecl[];
  /** `[]` after the type. */
  array: boolean;
  /** `?` after the type (or after `[]`): the value may be absent or null. */
  optional: boolean;
}

/** `VALIDATE NewUser { name: string(min: 1)  email: email  age: int? }` */
export interface ValidateDecl {
  kind: "Validate";
  span: Span;
  name: Identifier;
  /** `VALIDATE Name(unknown: "drop") { … }`: the shape's options; empty when none are written. */
  options: Property[];
  fields: FieldDecl[];
  /** The `///` doc comment before the VALIDATE (its lines joined by line breaks); null when none. */
  doc: string | null;
}

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * `API v1 DEPRECATED "2026-06-01" SUNSET "2027-01-01" { GET /todos { … } … }`: endpoints served
 * under `/v1`, with the version's deprecation date and sunset date sent as response headers.
 */
export interface ApiDecl {
  kind: "Api";
  span: Span;
  /** `v1`, `v2`, … : the path prefix (`/v2/…`) and the name of its OpenAPI document. */
  version: Identifier;
  /** `DEPRECATED "2026-06-01"`: from that day on, the version's answers carry `Deprecation`; null when not deprecated. */
  deprecated: StringLiteral | null;
  /** `SUNSET "2027-01-01"`: the day the version may stop answering (the `Sunset` header); null when none is announced. */
  sunset: StringLiteral | null;
  endpoints: EndpointDecl[];
  /** The `///` doc comment before the API block; null when none. */
  doc: string | null;
}

/** `GET /users/:id { … }` */
export interface EndpointDecl {
  kind: "Endpoint";
  span: Span;
  method: HttpMethod;
  path: RoutePath;
  /** `VALIDATE Name` after the path: the request body must match that shape. */
  validate: Identifier | null;
  /** `AUTH`, `AUTH role, …`, `AUTH owner(field)` or `AUTH optional` after the path (see the AUTH declaration). */
  auth: EndpointAuth | null;
  /** `RATE_LIMIT 5 PER 1m BY ip` after the path: this endpoint's own budget. */
  rateLimit: RateLimitDecl | null;
  /**
   * `QUERY { limit: int(min: 1, max: 100) DEFAULT 20  sort: enum("new", "old")? }` after the path:
   * the query parameters, typed and checked before the handler runs; null when not declared.
   */
  query: EndpointQuery | null;
  /** `CACHE name` after the path: answers are kept in that CACHE (GET endpoints that only read). */
  cache: Identifier | null;
  body: Block;
  /** The `///` doc comment before the endpoint (its lines joined by line breaks); null when none. */
  doc: string | null;
}

/** `QUERY { limit: int(min: 1, max: 100) DEFAULT 20  q: text? }`: an endpoint's declared query parameters. */
export interface EndpointQuery {
  kind: "EndpointQuery";
  span: Span;
  fields: FieldDecl[];
}

export interface RoutePath {
  kind: "RoutePath";
  span: Span;
  /** The path as routed, e.g. `/users/:id/history` (without parameter types: `/users/:id(int)` is `/users/:id`). */
  text: string;
  segments: PathSegment[];
}

export interface PathSegment {
  kind: "PathSegment";
  span: Span;
  /** A literal segment (`users`) or a parameter (`:id`, stored without the colon). */
  param: boolean;
  value: string;
  /** `:id(int)`: the parameter's declared type; null when not declared (typed by use). */
  type: Identifier | null;
}

export interface EndpointAuth {
  kind: "EndpointAuth";
  span: Span;
  /** Roles required (`AUTH admin`), empty when any signed-in caller may pass. */
  roles: Identifier[];
  /** `AUTH optional`: a caller without a credential passes (with `$auth` null); a bad one still gets 401. */
  optional: boolean;
  /** `AUTH owner(author)`: the rows this endpoint reads and writes must have `author = $auth.sub`. */
  owner: Identifier | null;
}

/** `CACHE users_cache { key: "user:{id}"  ttl: 60  get: SELECT … }` (reserved for a later release). */
export interface CacheDecl {
  kind: "Cache";
  span: Span;
  name: Identifier;
  properties: Property[];
}

/**
 * `SOCKET /chat/:room AUTH VALIDATE ChatIn WITH { max_message: 4096 } { ON CONNECT { … }
 * ON MESSAGE(msg) { … }  ON CLOSE { … } }`: a WebSocket endpoint on the HTTP port.
 */
export interface SocketDecl {
  kind: "Socket";
  span: Span;
  path: RoutePath;
  /** `AUTH …` after the path: checked on the upgrade request, before the connection opens. */
  auth: EndpointAuth | null;
  /** `VALIDATE Name`: every message must match that shape (else an error frame, the handler does not run). */
  validate: Identifier | null;
  /** `WITH { max_message: 65536, heartbeat: 30s, max_buffered: 1048576 }`. */
  settings: Property[];
  handlers: SocketHandler[];
}

export interface SocketHandler {
  kind: "SocketHandler";
  span: Span;
  /** The event name as written after ON, lower-cased: `connect`, `message`, `close`. */
  event: Identifier;
  /** The parameter bound to the event's payload, e.g. `msg` in `ON MESSAGE(msg)`. */
  param: Identifier | null;
  body: Block;
}

/** `lobby` or `room($room)`: a room's name, and for a family of rooms, the key that picks one. */
export interface RoomRef {
  kind: "RoomRef";
  span: Span;
  name: Identifier;
  key: Expression | null;
}

/**
 * `TEST "adds a todo" { r = POST /todos { title: "milk" }  EXPECT r.status == 201 }`: a test of the
 * app, only in `*.test.kova` files, run by `kova test` on a fresh store (docs/testing.md).
 */
export interface TestDecl {
  kind: "Test";
  span: Span;
  /** The test's name as the report shows it (a string, so it can say what it checks in words). */
  title: StringLiteral;
  body: Block;
}

/**
 * `TASK sweep EVERY 10m { … }`, `TASK nightly CRON "0 3 * * *" TZ "Europe/Paris" { … }` (scheduled),
 * or `TASK send_welcome(user: User) WITH { attempts: 5 } { … }` (queued: run by ENQUEUE).
 */
export interface TaskDecl {
  kind: "Task";
  span: Span;
  name: Identifier;
  /** The parameters of a queued task; null when the name has no `( … )`. */
  params: FunctionParam[] | null;
  schedule: TaskSchedule | null;
  /** `WITH { attempts: 5, backoff: 10s, timeout: 30s, concurrency: 2, priority: 1 }`. */
  settings: Property[];
  body: Block;
}

/**
 * `ON INSERT Post { … }`, `ON UPDATE Post WITH { attempts: 3 } { … }`, `ON DELETE Post { … }`: a
 * change handler, run after each committed write of that kind to the entity, with `event` bound to
 * the change event ({ entity, id, op, version, at, before, after }); retried as a TASK is.
 */
export interface OnChangeDecl {
  kind: "OnChange";
  span: Span;
  /** `EVENT`: `ON order_shipped { … }`, a handler of an EVENT's EMITs; `entity` then names the event. */
  op: "INSERT" | "UPDATE" | "DELETE" | "EVENT";
  entity: Identifier;
  /** `WITH { attempts, backoff, timeout, concurrency, priority }`, as a TASK's. */
  settings: Property[];
  body: Block;
}

export interface TaskSchedule {
  kind: "TaskSchedule";
  span: Span;
  mode: "EVERY" | "CRON";
  value: Expression;
  /** `TZ "Europe/Paris"` after a CRON expression; null: UTC. */
  timezone: Expression | null;
}

/** `AUTH jwt USING secret(env("JWT_KEY")) { issuer: "…"  claims: Claims }`: an authentication scheme. */
export interface AuthDecl {
  kind: "Auth";
  span: Span;
  name: Identifier;
  using: CallExpr | null;
  properties: Property[];
}

/**
 * `RATE_LIMIT 100 PER 1m BY ip`: at the top level, one budget per client across the whole app;
 * after an endpoint's path, that endpoint's own budget.
 */
export interface RateLimitDecl {
  kind: "RateLimit";
  span: Span;
  /** How many requests (a whole number). */
  count: Expression;
  /** Per how long (a duration such as `1m`). */
  window: Expression;
  /** Who shares a budget: `ip`, `header("x-api-key")` or `$auth.sub`; null is `ip`. */
  by: Expression | null;
}

/** `CORS { origins: ["https://app.example.com"]  credentials: true }`: which browser origins may call the app. */
export interface CorsDecl {
  kind: "Cors";
  span: Span;
  properties: Property[];
}

/** `WORKER mailer { … }` (reserved). */
export interface WorkerDecl {
  kind: "Worker";
  span: Span;
  name: Identifier;
  body: Block;
}

/**
 * `FN excerpt(text: text, words: int) { … RETURN … }`: the result type is inferred from its RETURNs.
 * `ACTION ship(order: Order, tracking: text) { … }` is a function too (`action` true): its inputs
 * are checked (an entity's loaded by id), its top-level statements are its steps, run in the
 * caller's transaction, and it may EMIT events.
 */
export interface FunctionDecl {
  kind: "Function";
  span: Span;
  name: Identifier;
  params: FunctionParam[];
  body: Block;
  /** True for an `ACTION`, false for an `FN`. */
  action: boolean;
  /** `ACTION name(…) IN DATABASE { … }`: its steps run as one PL/pgSQL function in PostgreSQL (false: in JavaScript). */
  inDatabase: boolean;
}

/** `name: type` in an FN's parameter list; the type is written as for a VALIDATE field or an entity name. */
export interface FunctionParam {
  kind: "FunctionParam";
  span: Span;
  name: Identifier;
  type: TypeRef;
}

/** `VIEW ArticleOut OF Article { slug, title }`: a reusable response shape of an entity's rows. */
export interface ViewDecl {
  kind: "View";
  span: Span;
  name: Identifier;
  entity: Identifier;
  items: ViewItem[];
}

/**
 * One item of a VIEW: a field of the entity, or (`author { name }`) a nested selection through a
 * relation, whose `items` are the related entity's: the checker reads it as the nested selection
 * `author { name }` of a SELECT (checker/view-relations.ts).
 */
export interface ViewItem {
  kind: "ViewItem";
  span: Span;
  name: Identifier;
  items: ViewItem[] | null;
}

// ───────────────────────────── statements ─────────────────────────────

/** Statements between braces. Blocks are always braces, never indentation. */
export interface Block {
  kind: "Block";
  span: Span;
  statements: Statement[];
}

export type Statement =
  | AssignStmt
  | RespondStmt
  | RedirectStmt
  | ErrorStmt
  | IfStmt
  | BroadcastStmt
  | ExpressionStmt
  | ForStmt
  | ReturnStmt
  | EnqueueStmt
  | RoomStmt
  | SendStmt
  | StreamStmt
  | ExpectStmt
  | EmitStmt;

/** `EMIT order_shipped { order: order.id, tracking }` in an ACTION: the EVENT, recorded in the action's transaction. */
export interface EmitStmt {
  kind: "Emit";
  span: Span;
  event: Identifier;
  payload: Expression;
}

/** `EXPECT r.status == 201`: in a TEST, a condition that must hold; a failure shows both sides of a comparison. */
export interface ExpectStmt {
  kind: "Expect";
  span: Span;
  condition: Expression;
}

/**
 * `ENQUEUE send_welcome(user) DELAY 5m KEY "welcome:{user.id}"`: a job for a queued TASK, written in
 * the endpoint's transaction (docs/language.md, "TASK: background work").
 */
export interface EnqueueStmt {
  kind: "Enqueue";
  span: Span;
  task: Identifier;
  args: Expression[];
  /** `DELAY 5m`: the job runs no earlier than this after the endpoint commits. */
  delay: Expression | null;
  /** `KEY "…"`: an idempotency key; a second ENQUEUE with the key of a job still kept adds nothing. */
  key: Expression | null;
}

/** `FOR item IN list { … }`: the block once per item; `item` exists only inside it. */
export interface ForStmt {
  kind: "For";
  span: Span;
  variable: Identifier;
  list: Expression;
  body: Block;
}

/** `RETURN value` (in an FN): ends the function with its result. */
export interface ReturnStmt {
  kind: "Return";
  span: Span;
  value: Expression | null;
}

/** `users = SELECT * FROM User` */
export interface AssignStmt {
  kind: "Assign";
  span: Span;
  target: Identifier;
  value: Expression;
}

/** `RESPOND 201 saved HEADERS { location: "/users/{saved.id}" }`; the value starts on RESPOND's line. */
export interface RespondStmt {
  kind: "Respond";
  span: Span;
  /** The HTTP status, or null for the default (200 with a body, 204 without). */
  status: NumberLiteral | null;
  value: Expression | null;
  headers: ObjectExpr | null;
  /** `COOKIES { session: { value: token, max_age: 7d }, theme: "dark" }`: one Set-Cookie per entry. */
  cookies: ObjectExpr | null;
}

/** `REDIRECT 303 "/posts/{post.id}" [COOKIES { … }]`: ends the request with a redirect to `location`. */
export interface RedirectStmt {
  kind: "Redirect";
  span: Span;
  /** 301, 302, 303, 307 or 308; null for the default, 303 (See Other). */
  status: NumberLiteral | null;
  location: Expression;
  cookies: ObjectExpr | null;
}

/** `ERROR 404 "No such user"`: ends the request with an RFC 9457 problem response. */
export interface ErrorStmt {
  kind: "Error";
  span: Span;
  status: NumberLiteral;
  /** The problem's `detail` (any expression; a string is usual). */
  detail: Expression | null;
}

/** `IF cond { … } ELSE IF cond { … } ELSE { … }` */
export interface IfStmt {
  kind: "If";
  span: Span;
  condition: Condition;
  then: Block;
  /** An `ELSE IF` is an If node here; a plain `ELSE` is a Block; no ELSE is null. */
  else: Block | IfStmt | null;
}

/** `BROADCAST msg` (every client of this SOCKET) or `BROADCAST TO room(key) msg` (the room's subscribers). */
export interface BroadcastStmt {
  kind: "Broadcast";
  span: Span;
  room: RoomRef | null;
  value: Expression;
}

/** `JOIN room(key)` / `LEAVE room(key)` in a SOCKET handler: this client enters or leaves a room. */
export interface RoomStmt {
  kind: "Join" | "Leave";
  span: Span;
  room: RoomRef;
}

/** `SEND value` in a SOCKET handler: a message to this client only. */
export interface SendStmt {
  kind: "Send";
  span: Span;
  value: Expression;
}

/**
 * In a GET endpoint, the answer as a server-sent event stream: `STREAM room(key)` carries the room's
 * broadcasts; `STREAM LIVE SELECT …` carries the query's result, again whenever a committed write
 * changes an entity it reads. Exactly one of `room` and `live` is set.
 */
export interface StreamStmt {
  kind: "Stream";
  span: Span;
  room: RoomRef | null;
  live: Expression | null;
}

/** A query or call run for its effect: `DELETE FROM User WHERE id = $id`. */
export interface ExpressionStmt {
  kind: "ExpressionStatement";
  span: Span;
  expression: Expression;
}

// ───────────────────────────── queries ─────────────────────────────

export type Query = SelectQuery | InsertQuery | UpdateQuery | DeleteQuery | SaveQuery | HistoryQuery | RestoreQuery;

/** A boolean test: the WHERE of a query or the test of an IF. Inside a query, bare names are fields. */
export interface Condition {
  kind: "Condition";
  span: Span;
  expression: Expression;
}

/** `ORDER_BY name DESC, id` */
export interface OrderBy {
  kind: "OrderBy";
  span: Span;
  items: OrderItem[];
}

export interface OrderItem {
  kind: "OrderItem";
  span: Span;
  /** The field sorted by; with a `choice`, the first field of its list. */
  field: Identifier;
  direction: "ASC" | "DESC";
  /** `ORDER_BY author.name`: the reference fields followed before `field` (empty: none). */
  via: Identifier[];
  /** `ORDER_BY $query.sort IN [title, created_at]`: the field is chosen per request from a fixed list. */
  choice: OrderChoice | null;
}

/**
 * `$query.sort IN [title, created_at]` in an ORDER_BY: the request value names the field; one
 * statement is compiled per listed field (no value reaches the SQL), and any other value is a 400.
 */
export interface OrderChoice {
  kind: "OrderChoice";
  span: Span;
  value: Expression;
  fields: Identifier[];
}

/** `LIMIT 50` */
export interface Limit {
  kind: "Limit";
  span: Span;
  count: Expression;
}

/** `OFFSET 100` */
export interface Offset {
  kind: "Offset";
  span: Span;
  count: Expression;
}

/** `SELECT * | a, b FROM Entity [AS OF t] [WHERE …] [ORDER_BY …] [LIMIT n] [OFFSET n]` */
export interface SelectQuery {
  kind: "SelectQuery";
  span: Span;
  /** `SELECT DISTINCT …`: each distinct row once. */
  distinct: boolean;
  /** null for `*`; otherwise the chosen fields (empty when `columns` holds the select list). */
  fields: Identifier[] | null;
  /** Related rows selected with each row: `author { name }`, `comments { body }`, `COUNT(comments)` (empty: none). */
  relations: RelationSelect[];
  /**
   * The select list, in order, when it holds more than bare field names: aliases (`name AS
   * author`), aggregates (`COUNT(*)`, `AVG(score) AS avg`) and computed values (`price * qty`).
   * null otherwise.
   */
  columns: SelectColumn[] | null;
  entity: Identifier;
  asOf: Expression | null;
  where: Condition | null;
  /** `GROUP_BY author, kind`: one result row per group. */
  groupBy: GroupBy | null;
  /** `HAVING COUNT(*) > 1`: which groups to keep. */
  having: Condition | null;
  orderBy: OrderBy | null;
  limit: Limit | null;
  offset: Offset | null;
  /** `AFTER $query.cursor`: keyset pagination, the result is `{ items, next }` (null: no AFTER). */
  after: Expression | null;
  /** `WITH TOTAL`: the result is `{ items, total }`, total counting every match, LIMIT aside. */
  withTotal: boolean;
  /**
   * On a SOFT DELETE entity: `WITH DELETED` reads deleted records too, `ONLY DELETED` only them;
   * null (the default) reads live records only.
   */
  deleted: "with" | "only" | null;
}

/** An item of a SELECT list: `title`, `title AS heading`, `COUNT(*) AS n`, `price * qty AS cost`. */
export interface SelectColumn {
  kind: "SelectColumn";
  span: Span;
  value: Expression;
  /** The key in each result row; null: the field's own name, or the aggregate's default (`count`, `score_avg`). */
  alias: Identifier | null;
}

/** `GROUP_BY author, kind` */
export interface GroupBy {
  kind: "GroupBy";
  span: Span;
  fields: Identifier[];
}

/**
 * A related selection in a SELECT list: `author { name, bio }` (the referenced row, an object),
 * `comments { body } WHERE approved ORDER_BY id DESC LIMIT 3` (the rows referring to this one, a
 * list), or `COUNT(comments) AS n` (how many there are).
 */
export interface RelationSelect {
  kind: "RelationSelect";
  span: Span;
  relation: Identifier;
  count: boolean;
  /** `AS name`: the key in the result (default: the relation's name; `<relation>_count` for a count). */
  alias: Identifier | null;
  /** The related rows' fields; null for `*`. Empty for a count. */
  fields: Identifier[] | null;
  relations: RelationSelect[];
  where: Condition | null;
  orderBy: OrderBy | null;
  limit: Limit | null;
}

/** `INSERT INTO User { name: "Ada" }` */
export interface InsertQuery {
  kind: "InsertQuery";
  span: Span;
  entity: Identifier;
  value: Expression;
}

/** `UPDATE User SET name = $body.name, age = 36 WHERE id = $id`, or `UPDATE User SET $body WHERE …` */
export interface UpdateQuery {
  kind: "UpdateQuery";
  span: Span;
  entity: Identifier;
  /** Either field assignments or one object expression whose keys are fields. */
  set: SetAssignment[] | Expression;
  where: Condition | null;
}

export interface SetAssignment {
  kind: "SetAssignment";
  span: Span;
  field: Identifier;
  value: Expression;
}

/** `DELETE FROM User WHERE id = $id` */
export interface DeleteQuery {
  kind: "DeleteQuery";
  span: Span;
  entity: Identifier;
  where: Condition | null;
}

/** `RESTORE Ticket WHERE id = $id`: a SOFT DELETE entity's deleted records matching the WHERE are live again. */
export interface RestoreQuery {
  kind: "RestoreQuery";
  span: Span;
  entity: Identifier;
  where: Condition | null;
}

/** `SAVE $body INTO User`: replace the row with the same id (a 404 when none has it), or insert when the value has no id. */
export interface SaveQuery {
  kind: "SaveQuery";
  span: Span;
  value: Expression;
  entity: Identifier;
}

/** `HISTORY User WHERE id = $id ORDER_BY … LIMIT …`: every version, with time and operation. */
export interface HistoryQuery {
  kind: "HistoryQuery";
  span: Span;
  entity: Identifier;
  where: Condition | null;
  orderBy: OrderBy | null;
  limit: Limit | null;
  offset: Offset | null;
}

// ───────────────────────────── expressions ─────────────────────────────

export type Expression =
  | StringLiteral
  | TemplateString
  | NumberLiteral
  | DurationLiteral
  | BooleanLiteral
  | NullLiteral
  | NameExpr
  | ParamRef
  | ObjectExpr
  | ArrayExpr
  | MemberExpr
  | IndexExpr
  | CallExpr
  | UnaryExpr
  | BinaryExpr
  | IsNullExpr
  | ConditionalExpr
  | BetweenExpr
  | ComprehensionExpr
  | HasExpr
  | ExistsExpr
  | AggregateExpr
  | Query
  | RequestExpr
  | SpawnExpr
  | AwaitExpr
  | MissingExpr;

/**
 * `SPAWN total(xs)`: the FN call runs as a task beside the code that spawned it; the value is the
 * task, whose result `AWAIT` gives. `call` is what follows SPAWN (the checker requires an FN call).
 */
export interface SpawnExpr {
  kind: "Spawn";
  span: Span;
  call: Expression;
}

/** `AWAIT t`: waits for the task SPAWN gave and is its FN's result (or its error). */
export interface AwaitExpr {
  kind: "Await";
  span: Span;
  task: Expression;
}

/**
 * `POST /todos { title: "milk" } HEADERS { authorization: "…" }`, `GET "/todos/{todo.id}"`: in a
 * TEST, a request to the app's own endpoint; its value is `{ status, body, headers }`.
 */
export interface RequestExpr {
  kind: "Request";
  span: Span;
  method: HttpMethod;
  /** The path (with `?query` when given): literal text, or a string with `{…}` holes. */
  path: StringLiteral | TemplateString;
  body: Expression | null;
  headers: Expression | null;
}

/** `EXISTS comments(approved = true)`: in a WHERE, some related row (for which the condition holds) exists. */
export interface ExistsExpr {
  kind: "Exists";
  span: Span;
  relation: Identifier;
  condition: Expression | null;
}

export type AggregateFunction = "COUNT" | "SUM" | "AVG" | "MIN" | "MAX";

/**
 * `COUNT(*)`, `COUNT(field)`, `SUM(price)`, `AVG(score)`, `MIN(at)`, `MAX(at)`, `COUNT(DISTINCT
 * author)`: computed by the database over a query's rows, or each group's. Only in a SELECT's
 * columns, its HAVING and its ORDER_BY. `COUNT(x)` in a list of plain fields and related selections
 * (no DISTINCT, GROUP_BY, HAVING) is a relation count: the parser writes a RelationSelect for it.
 */
export interface AggregateExpr {
  kind: "Aggregate";
  span: Span;
  function: AggregateFunction;
  /** The field aggregated; null for `COUNT(*)`. */
  field: Identifier | null;
  distinct: boolean;
}

export interface StringLiteral {
  kind: "String";
  span: Span;
  value: string;
}

/** `"user:{id}"`: literal text and `{expression}` parts in order. */
export interface TemplateString {
  kind: "Template";
  span: Span;
  parts: Array<StringLiteral | Expression>;
}

export interface NumberLiteral {
  kind: "Number";
  span: Span;
  value: number;
  /** The digits as written, so `1_000` and `1e3` survive printing. */
  raw: string;
}

/** `10m`, `1h`, `500ms`: a length of time; `value` is in milliseconds. */
export interface DurationLiteral {
  kind: "Duration";
  span: Span;
  value: number;
  raw: string;
}

export interface BooleanLiteral {
  kind: "Boolean";
  span: Span;
  value: boolean;
}

export interface NullLiteral {
  kind: "Null";
  span: Span;
}

/** A bare name: a variable, or (inside a query) a field of the queried entity. */
export interface NameExpr {
  kind: "Name";
  span: Span;
  name: string;
}

/**
 * `$id` (a path parameter), `$query`, `$body`, `$headers` (the request's query string, JSON body
 * and headers; reach into them with `.name`).
 */
export interface ParamRef {
  kind: "Param";
  span: Span;
  name: string;
}

export interface ObjectExpr {
  kind: "Object";
  span: Span;
  entries: Array<Property | SpreadElement | FieldRemoval>;
}

/** `-password` in `{ ...row, -password }`: the object so far, without that field. */
export interface FieldRemoval {
  kind: "Removal";
  span: Span;
  name: Identifier;
}

/** `name: value` in an object or a property block; `name` alone is shorthand for `name: name`. */
export interface Property {
  kind: "Property";
  span: Span;
  key: Identifier;
  value: Expression;
  shorthand: boolean;
}

/** `...$body` inside an object or array. */
export interface SpreadElement {
  kind: "Spread";
  span: Span;
  argument: Expression;
}

export interface ArrayExpr {
  kind: "Array";
  span: Span;
  elements: Array<Expression | SpreadElement>;
}

/** `user.name`, `$query.page`; `post?.author` (optional) says the object may be null (a field of null is null either way). */
export interface MemberExpr {
  kind: "Member";
  span: Span;
  object: Expression;
  property: Identifier;
  optional: boolean;
}

/** `items[0]`, `$headers["x-api-key"]` */
export interface IndexExpr {
  kind: "Index";
  span: Span;
  object: Expression;
  index: Expression;
}

/** `env("PORT", 3000)`, `slugify(title)` */
export interface CallExpr {
  kind: "Call";
  span: Span;
  callee: Identifier;
  args: Expression[];
}

export type UnaryOperator = "NOT" | "-";

export interface UnaryExpr {
  kind: "Unary";
  span: Span;
  operator: UnaryOperator;
  operand: Expression;
}

/**
 * Binary operators after normalisation: `=` is written `==`, `<>` is `!=`, `&&` is `AND`, `||` is `OR`.
 */
export type BinaryOperator =
  | "OR"
  | "AND"
  | "=="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "IN"
  | "LIKE"
  | "??"
  | "+"
  | "-"
  | "*"
  | "/"
  | "%";

export interface BinaryExpr {
  kind: "Binary";
  span: Span;
  operator: BinaryOperator;
  left: Expression;
  right: Expression;
}

/** `x IS NULL`, `x IS NOT NULL` */
export interface IsNullExpr {
  kind: "IsNull";
  span: Span;
  operand: Expression;
  negated: boolean;
}

/** `test ? then : otherwise` */
export interface ConditionalExpr {
  kind: "Conditional";
  span: Span;
  test: Expression;
  then: Expression;
  otherwise: Expression;
}

/** `x BETWEEN low AND high` (both ends included), or `x NOT BETWEEN low AND high`. */
export interface BetweenExpr {
  kind: "Between";
  span: Span;
  operand: Expression;
  low: Expression;
  high: Expression;
  negated: boolean;
}

/** `[element FOR variable IN list IF condition]`: a new list, mapped and filtered. */
export interface ComprehensionExpr {
  kind: "Comprehension";
  span: Span;
  element: Expression;
  variable: Identifier;
  list: Expression;
  condition: Expression | null;
}

/**
 * `has($body.bio)`: whether the object holds the key at all, so a PATCH can tell a field left out
 * (absent) from one sent as `null`. Its one argument is always a field read (`x.name` or `x["name"]`).
 */
export interface HasExpr {
  kind: "Has";
  span: Span;
  target: MemberExpr | IndexExpr;
}

/** Stands in for an expression the parser could not read, so the tree stays whole for tools. */
export interface MissingExpr {
  kind: "Missing";
  span: Span;
}

/** Every node type, for generic walkers. */
export type Node =
  | Program
  | Declaration
  | Identifier
  | ImportName
  | FieldDecl
  | FieldModifier
  | EntityConstraint
  | EntityIdentifier
  | TypeRef
  | RoutePath
  | PathSegment
  | EndpointAuth
  | EndpointQuery
  | SocketHandler
  | RoomRef
  | TaskSchedule
  | FunctionParam
  | ViewItem
  | Block
  | Statement
  | Condition
  | OrderBy
  | OrderItem
  | OrderChoice
  | RelationSelect
  | SelectColumn
  | GroupBy
  | Limit
  | Offset
  | SetAssignment
  | Expression
  | Property
  | SpreadElement;

export type NodeKind = Node["kind"];
