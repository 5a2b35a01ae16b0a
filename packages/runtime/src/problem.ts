/**
 * RFC 9457 problem details: the one shape every error response of a Kova app has, whichever
 * server (node:http or Fastify) sent it.
 */
import { STATUS_CODES } from "node:http";
import { QueryError } from "@kova/query";
import type { Logger } from "pino";
import { HttpError, type RouteDefinition, type ValidationIssue } from "./app.js";
import { withSourceMappedStack } from "./source-stack.js";
import { currentTraceId } from "./ops/trace-context.js";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  errors?: ValidationIssue[];
  [member: string]: unknown;
}

/** Problem types a client can branch on. Status-only problems use `about:blank`. */
export const ProblemType = {
  notFound: "urn:kova:problem:not-found",
  methodNotAllowed: "urn:kova:problem:method-not-allowed",
  badUrl: "urn:kova:problem:bad-url",
  /** Rejected by Node's HTTP parser: broken request line, bad Content-Length, huge headers. */
  badRequest: "urn:kova:problem:bad-request",
  invalidParameter: "urn:kova:problem:invalid-parameter",
  malformedJson: "urn:kova:problem:malformed-json",
  /** A compressed request body (Content-Encoding) that does not decompress. */
  malformedBody: "urn:kova:problem:malformed-body",
  /** A multipart/form-data body that is cut short, has no boundary, or names a file as a path. */
  malformedMultipart: "urn:kova:problem:malformed-multipart",
  /** An uploaded file whose content (its first bytes) is not one of the types the field allows. */
  fileType: "urn:kova:problem:file-type-refused",
  /** A range a download cannot serve (past the end of the file). */
  rangeNotSatisfiable: "urn:kova:problem:range-not-satisfiable",
  unsupportedMediaType: "urn:kova:problem:unsupported-media-type",
  payloadTooLarge: "urn:kova:problem:payload-too-large",
  validation: "urn:kova:problem:validation-failed",
  query: "urn:kova:problem:query-rejected",
  unavailable: "urn:kova:problem:data-source-unavailable",
  internal: "urn:kova:problem:internal-error",
  /** A CORS preflight from an origin, for a method or with headers the app's CORS policy does not allow. */
  corsRefused: "urn:kova:problem:cors-refused",
} as const;

export function makeProblem(
  status: number,
  type: string,
  detail: string,
  instance: string,
  requestId: string,
  errors?: ValidationIssue[],
): Problem {
  const problem: Problem = { type, title: STATUS_CODES[status] ?? "Error", status, detail, instance, requestId };
  if (errors !== undefined && errors.length > 0) problem.errors = errors;
  // With tracing on, the trace to look up as well as the request id (ops/tracing.ts).
  const traceId = currentTraceId();
  if (traceId !== undefined) problem.traceId = traceId;
  return problem;
}

/** A query parameter with a broken percent-escape (`?q=%zz`): 400, naming the parameter. */
export function badQueryEncodingProblem(param: string, instance: string, requestId: string): Problem {
  const message = "is not valid percent-encoding (a % must be followed by two hex digits)";
  return makeProblem(400, ProblemType.badUrl, `query parameter "${param}" ${message}`, instance, requestId, [{ field: param, message }]);
}

/**
 * Error codes that mean the data source cannot be reached (Node socket errors, SQLSTATE class 08
 * and the PostgreSQL shutdown codes, SQLite failing to open its file). Any of these while serving
 * is a 503: the request may succeed later, and the server stays up.
 */
const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN",
  "08000", "08001", "08003", "08004", "08006", "57P01", "57P02", "57P03",
  "SQLITE_CANTOPEN", "ERR_KOVA_DATA_SOURCE_UNAVAILABLE",
]);

const UNAVAILABLE = "A data source is unavailable. Try again later.";

export function isConnectionError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && CONNECTION_ERROR_CODES.has(code);
}

/**
 * Turns anything a handler threw into the problem the client gets. Expected errors (HttpError,
 * QueryError) are not logged as failures; anything else is logged with its stack, and the client
 * only sees the request id to quote.
 */
export function problemFromError(
  error: unknown,
  route: RouteDefinition | undefined,
  instance: string,
  requestId: string,
  log: Logger,
): Problem {
  const problem = problemOf(error, route, instance, requestId, log);
  // A failing ACTION step (emit/js/actions.ts) names itself: { name, step, at }.
  const action = typeof error === "object" && error !== null ? (error as { kovaAction?: unknown }).kovaAction : undefined;
  if (action !== undefined) problem.action = action;
  return problem;
}

function problemOf(error: unknown, route: RouteDefinition | undefined, instance: string, requestId: string, log: Logger): Problem {
  if (error instanceof HttpError) {
    const problem = makeProblem(error.status, "about:blank", error.detail, instance, requestId);
    if (error.extra !== undefined) {
      for (const key of Object.keys(error.extra)) {
        if (key !== "status" && key !== "instance" && key !== "requestId") problem[key] = error.extra[key];
      }
    }
    return problem;
  }
  if (error instanceof QueryError) {
    if (error.status === 503) {
      // The driver's message may name the host, port or file: the log gets it, the client does not.
      log.warn({ reqId: requestId, err: error, source: sourceOf(route) }, "data source unavailable");
      return makeProblem(503, ProblemType.unavailable, UNAVAILABLE, instance, requestId);
    }
    const named = error.fields ?? (error.field !== undefined ? [error.field] : undefined);
    const errors = named?.map((field) => ({ field, message: error.message }));
    return makeProblem(error.status, ProblemType.query, error.message, instance, requestId, errors);
  }
  if (isConnectionError(error)) {
    log.error({ reqId: requestId, err: error, source: sourceOf(route) }, "data source unavailable");
    return makeProblem(503, ProblemType.unavailable, UNAVAILABLE, instance, requestId);
  }
  log.error({ reqId: requestId, err: withSourceMappedStack(error), source: sourceOf(route) }, "handler failed");
  return makeProblem(
    500,
    ProblemType.internal,
    `An unexpected error occurred. Quote request id ${requestId} when reporting it.`,
    instance,
    requestId,
  );
}

function sourceOf(route: RouteDefinition | undefined): string | undefined {
  if (route === undefined) return undefined;
  const where = route.source !== undefined ? ` (${route.source.file}:${route.source.line})` : "";
  return `${route.method} ${route.path}${where}`;
}
