import type { Block, EndpointDecl, Identifier, PathSegment, Query, Span, Statement } from "../ast/nodes.js";
import { walk } from "../ir/inputs.js";
import { checkEndpointAuth } from "./auth.js";
import { report, VariableScope, type CheckContext, type EndpointScope } from "./context.js";
import { checkExpression } from "./expressions.js";
import { constantValue } from "./fold.js";
import type { EndpointInfo } from "./model.js";
import { checkCondition } from "./queries.js";
import { elementOf, loopScope } from "./control-expressions.js";
import { checkReturn } from "./functions.js";
import { checkEnqueue } from "./tasks.js";
import { checkEmit } from "./actions.js";
import { checkRoom } from "./realtime.js";
import { checkExpect } from "./tests.js";
import { reportUnawaited } from "./spawn.js";
import { checkCookies, checkRedirect } from "./responses.js";
import { declaredPathParams, declaredQueryParams, queryObjectType } from "./route-params.js";
import { openObject } from "./types.js";

/** Checks one endpoint: its path, its VALIDATE shape, and its handler's statements. */
/**
 * `options.prepare` defines names before the body is checked (a SOCKET's message); `authChecked`:
 * the AUTH clause was checked already (a SOCKET's handlers share one).
 */
export function checkEndpoint(ctx: CheckContext, decl: EndpointDecl, options: { prepare?: (scope: VariableScope) => void; authChecked?: boolean } = {}): EndpointInfo {
  const declaredPath = declaredPathParams(ctx, decl);
  const declaredQuery = declaredQueryParams(ctx, decl);
  const info: EndpointInfo = { decl, file: ctx.file, paramTypes: new Map([...declaredPath].map(([n, p]) => [n, p.scalar])), declaredPath, declaredQuery, variables: [] };
  const params = new Map<string, PathSegment>();
  for (const segment of decl.path.segments) {
    if (!segment.param) continue;
    if (params.has(segment.value)) {
      ctx.diagnostics.report("DuplicateParam", segment.span, `:${segment.value} appears twice in ${decl.path.text}`, { suggestion: "give each parameter its own name" });
      continue;
    }
    params.set(segment.value, segment);
  }
  let bodyType: EndpointScope["bodyType"] = null;
  if (decl.validate && decl.validate.name !== "") {
    const validator = ctx.model.validators.get(decl.validate.name);
    if (validator) {
      bodyType = validator.type;
      ctx.model.resolutions.set(decl.validate, validator.decl);
    } else {
      const entityHint = ctx.model.entities.has(decl.validate.name) ? ` (${decl.validate.name} is an ENTITY; VALIDATE needs a shape)` : "";
      report(ctx, "UnknownValidator", decl.validate.span, `no VALIDATE shape named '${decl.validate.name}'${entityHint}`, ctx.model.validators.keys(), decl.validate.name);
    }
  }
  if (decl.auth && options.authChecked !== true) checkEndpointAuth(ctx, decl.auth);
  const queryType = declaredQuery === null ? openObject : queryObjectType(declaredQuery);
  const endpoint: EndpointScope = { info, params, bodyType, queryType, warnedBody: false, warnedAuth: false };
  const scope = new VariableScope();
  options.prepare?.(scope);
  const handlerCtx: CheckContext = { ...ctx, scope, endpoint, entity: null, entityUnresolved: false };
  checkBlock(handlerCtx, decl.body);
  if (decl.auth?.owner && ctx.model.auth) checkOwnerField(ctx, decl.body, decl.auth.owner);
  info.variables = [...scope.variables.keys()];
  for (const variable of scope.variables.values()) {
    if (!variable.used && !variable.name.startsWith("_")) {
      ctx.diagnostics.report("UnusedVariable", variable.declaration.span, `'${variable.name}' is assigned but never used`, {
        suggestion: `use it, remove it, or name it _${variable.name} to keep it on purpose`,
      });
    }
  }
  return info;
}

/** Checks statements in order; returns true when the block always ends the request (RESPOND / ERROR). */
export function checkBlock(ctx: CheckContext, block: Block): boolean {
  let terminated = false;
  let warned = false;
  for (const statement of block.statements) {
    if (terminated && !warned) {
      warned = true;
      ctx.diagnostics.report("UnreachableCode", statement.span, "this never runs: the request has already been answered above", {
        suggestion: "remove it, or move it before the RESPOND / ERROR",
      });
    }
    if (checkStatement(ctx, statement)) terminated = true;
  }
  return terminated;
}

function checkStatement(ctx: CheckContext, statement: Statement): boolean {
  switch (statement.kind) {
    case "Assign": {
      const type = checkExpression(ctx, statement.value);
      if (ctx.scope) {
        const variable = ctx.scope.assign(statement.target, type);
        ctx.model.resolutions.set(statement.target, variable.declaration);
      }
      return false;
    }
    case "Respond": {
      if (ctx.task) reportNoRequest(ctx, statement.span, "RESPOND");
      if (ctx.socket) reportInSocket(ctx, statement.span, "RESPOND");
      if (ctx.test) reportInTest(ctx, statement.span, "RESPOND");
      if (ctx.function) {
        ctx.diagnostics.report("MisplacedStatement", statement.span, `RESPOND answers a request, and ${ctx.function.info.decl.name.name}() is an FN: it gives its result with RETURN`, { suggestion: "write RETURN value, and RESPOND it in the endpoint" });
      }
      if (statement.status) checkStatus(ctx, statement.status.value, statement.status.span, 100, "RESPOND");
      if (statement.value) checkExpression(ctx, statement.value);
      if (statement.headers) checkExpression(ctx, statement.headers);
      if (statement.cookies) checkCookies(ctx, statement.cookies);
      return true;
    }
    case "Redirect":
      if (ctx.task) reportNoRequest(ctx, statement.span, "REDIRECT");
      if (ctx.socket) reportInSocket(ctx, statement.span, "REDIRECT");
      if (ctx.test) reportInTest(ctx, statement.span, "REDIRECT");
      checkRedirect(ctx, statement);
      return true;
    case "Error": {
      if (ctx.test) reportInTest(ctx, statement.span, "ERROR");
      checkStatus(ctx, statement.status.value, statement.status.span, 400, "ERROR");
      if (statement.detail) checkExpression(ctx, statement.detail);
      return true;
    }
    case "If": {
      checkCondition(ctx, statement.condition);
      const constant = constantValue(statement.condition.expression);
      const thenEnds = checkBlock(ctx, statement.then);
      if (statement.else === null) return constant?.value === true && thenEnds;
      const elseEnds = statement.else.kind === "Block" ? checkBlock(ctx, statement.else) : checkStatement(ctx, statement.else);
      return thenEnds && elseEnds;
    }
    case "Broadcast":
      if (statement.room !== null) checkRoom(ctx, statement.room, false);
      else if (!ctx.socket) reportOutsideSocket(ctx, statement.span, "BROADCAST without TO (every client of the socket)", "write BROADCAST TO room value to reach a room's clients from here");
      checkExpression(ctx, statement.value);
      return false;
    case "Join":
    case "Leave":
      if (!ctx.socket) {
        // SQL's JOIN is the likelier intent outside a socket: say how Kova reads related rows too.
        const sql = statement.kind === "Join" ? "; to read related rows (SQL's JOIN), select them through a relation (SELECT title, author { name } FROM Post) or with a second query" : "";
        reportOutsideSocket(ctx, statement.span, statement.kind.toUpperCase(), `only a socket's client can be in a room; an endpoint can BROADCAST TO it or STREAM it${sql}`);
      }
      checkRoom(ctx, statement.room, statement.kind === "Join");
      return false;
    case "Send":
      if (!ctx.socket) reportOutsideSocket(ctx, statement.span, "SEND", "an endpoint answers with RESPOND; to reach sockets, BROADCAST TO a room they joined");
      checkExpression(ctx, statement.value);
      return false;
    case "Stream": {
      const endpoint = ctx.endpoint;
      // STREAM LIVE in a SOCKET handler pushes the query's result to that client (frames) while it is connected.
      const socketLive = ctx.socket && statement.live !== null;
      if (!socketLive && (ctx.socket || ctx.task || ctx.function || !endpoint || endpoint.info.decl.method !== "GET")) {
        const where = ctx.socket ? "a SOCKET handler" : ctx.task ? "a TASK" : ctx.function ? "an FN" : endpoint ? `${endpoint.info.decl.method} ${endpoint.info.decl.path.text}` : "here";
        ctx.diagnostics.report("MisplacedStream", statement.span, `STREAM answers a GET request with server-sent events; it cannot be used in ${where}`, {
          suggestion: ctx.socket ? "a SOCKET handler can STREAM LIVE SELECT … (pushed to its client); to reach a room's clients, BROADCAST TO the room" : "write STREAM room in a GET endpoint",
        });
      }
      if (statement.room !== null) checkRoom(ctx, statement.room, true);
      if (statement.live !== null) {
        checkExpression(ctx, statement.live);
        if (statement.live.kind !== "SelectQuery") {
          ctx.diagnostics.report("LiveNeedsSelect", statement.live.span, "STREAM LIVE pushes a query's result each time it changes: it needs a SELECT", { suggestion: "write STREAM LIVE SELECT … FROM Entity …" });
        }
      }
      // A GET's STREAM is its answer (nothing runs after it); a socket's goes on beside the handler.
      return !socketLive;
    }
    case "ExpressionStatement":
      checkExpression(ctx, statement.expression);
      if (statement.expression.kind === "Spawn") reportUnawaited(ctx, statement.expression);
      return false;
    case "For": {
      const list = checkExpression(ctx, statement.list);
      const scope = loopScope(ctx, statement.variable, elementOf(ctx, list, statement.list.span));
      checkBlock({ ...ctx, scope }, statement.body);
      return false;
    }
    case "Return":
      checkReturn(ctx, statement);
      return true;
    case "Enqueue":
      checkEnqueue(ctx, statement);
      return false;
    case "Emit":
      checkEmit(ctx, statement);
      return false;
    case "Expect":
      checkExpect(ctx, statement);
      return false;
  }
}

/** RESPOND or REDIRECT in a SOCKET handler: there is no request to answer, only a connection. */
function reportInSocket(ctx: CheckContext, span: Span, keyword: string): void {
  ctx.diagnostics.report("MisplacedInSocket", span, `${keyword} answers an HTTP request, and ON ${ctx.socket!.event.toUpperCase()} handles a WebSocket connection`, {
    suggestion: "SEND value answers this client; BROADCAST value reaches every client of the socket",
  });
}

function reportOutsideSocket(ctx: CheckContext, span: Span, what: string, suggestion: string): void {
  ctx.diagnostics.report("MisplacedRealtime", span, `${what} belongs in a SOCKET handler (ON CONNECT, ON MESSAGE, ON CLOSE)`, { suggestion });
}

/** RESPOND, REDIRECT or ERROR in a TEST: the test calls the app, it answers nothing. */
function reportInTest(ctx: CheckContext, span: Span, keyword: string): void {
  ctx.diagnostics.report("MisplacedInTest", span, `${keyword} answers a request, and TEST ${JSON.stringify(ctx.test!.decl.title.value)} is not answering one`, {
    suggestion: "call the endpoint (r = GET /path) and check its answer with EXPECT r.status == …",
  });
}

/** RESPOND or REDIRECT in a TASK: a job has nobody to answer. */
function reportNoRequest(ctx: CheckContext, span: Span, keyword: string): void {
  ctx.diagnostics.report("MisplacedInTask", span, `${keyword} answers a request, and TASK ${ctx.task!.decl.name.name} runs outside any request`, {
    suggestion: "store the result with INSERT or UPDATE, or log it; a task ends at the end of its body",
  });
}

function checkStatus(ctx: CheckContext, status: number, span: Span, min: number, keyword: string): void {
  if (!Number.isInteger(status) || status < min || status > 599) {
    const range = min === 400 ? "400–599 (an error status)" : "100–599";
    ctx.diagnostics.report("InvalidStatus", span, `${keyword} status ${status} is not in ${range}`, {
      suggestion: min === 400 ? "use e.g. 400, 404, 409 or 422; to succeed, RESPOND instead" : "use e.g. 200, 201 or 204",
    });
  }
}

/** `AUTH owner(field)`: some entity the handler queries must have the field (it is matched against `$auth.sub`). */
function checkOwnerField(ctx: CheckContext, body: Block, owner: Identifier): void {
  const queried = new Set<string>();
  walk(body, (node) => {
    if (node.kind.endsWith("Query")) queried.add((node as Query).entity.name);
  });
  const candidates: string[] = [];
  for (const name of queried) {
    const entity = ctx.model.entities.get(name);
    if (!entity) continue;
    if (entity.schema.fields.some((f) => f.name === owner.name)) return;
    candidates.push(...entity.schema.fields.map((f) => f.name));
  }
  const which = queried.size === 0 ? "the endpoint runs no query" : `no field '${owner.name}' on ${[...queried].join(", ")}`;
  report(ctx, "UnknownOwnerField", owner.span, `owner(${owner.name}) has nothing to guard: ${which}`, candidates, owner.name);
}
