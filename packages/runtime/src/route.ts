/**
 * What both servers (node:http and the Fastify plugin) do with a matched request once they have
 * its raw params, query and body: type the params, validate, run the handler, serialize the reply.
 */
import type { ParamDefinition, ParamType, Reply, RouteDefinition, StreamSource, ValidationIssue } from "./app.js";
import { ParamFailure, parseParam } from "./params.js";
import { setCookieLines } from "./cookies.js";
import type { Problem } from "./problem.js";
import { FileDownload, type FileRef } from "./uploads/uploaded-file.js";
import { DEFAULT_ERROR_FORMAT, shapedProblem, type ErrorFormat } from "./error-shape.js";

export const JSON_CONTENT_TYPE = "application/json; charset=utf-8";

export class CompiledRoute {
  /** Declared path params by name. */
  private readonly paramTypes: ReadonlyMap<string, ParamType>;
  readonly hasTypedParams: boolean;

  constructor(readonly definition: RouteDefinition) {
    this.paramTypes = new Map(definition.params.map((p: ParamDefinition) => [p.name, p.type]));
    this.hasTypedParams = definition.params.some((p) => p.type !== "string");
  }

  /**
   * Types the raw path params in place. Returns the issues (one per bad param), or undefined.
   * Raw values are already percent-decoded by the router.
   */
  typeParams(params: Record<string, unknown>): ValidationIssue[] | undefined {
    let issues: ValidationIssue[] | undefined;
    for (const name in params) {
      const raw = params[name];
      if (typeof raw !== "string") continue;
      const value = parseParam(this.paramTypes.get(name) ?? "string", raw);
      if (value instanceof ParamFailure) (issues ??= []).push({ field: name, message: value.message });
      else params[name] = value;
    }
    return issues;
  }
}

export interface SerializedReply {
  status: number;
  /** undefined: no body (204, or a reply without one); a Buffer once compressed (compression/). */
  payload: string | Buffer | undefined;
  /** `set-cookie` is the one header with several values (one line per cookie). */
  headers: Record<string, string | string[]> | undefined;
  /** `STREAM room`: the server answers with the room's server-sent events instead of a payload. */
  stream?: StreamSource;
  /** `RESPOND download(…)`: the body is this stored file's bytes, streamed by the server (uploads/download.ts). */
  file?: FileRef;
}

/** Fills in the reply defaults: 200 with a body, 204 without; JSON unless a serializer is given. */
export function serializeReply(reply: Reply | undefined): SerializedReply {
  if (reply === undefined || reply === null) return { status: 204, payload: undefined, headers: undefined };
  const body = reply.body;
  const headers = reply.cookies === undefined ? reply.headers : withCookies(reply.headers, setCookieLines(reply.cookies));
  if (reply.stream !== undefined) return { status: 200, payload: undefined, headers, stream: reply.stream };
  // Text with a content type of its own (`RESPOND page HEADERS { "content-type": "text/html" }`)
  // is the response body as it is; everything else is JSON.
  if (typeof body === "string" && reply.serialize === undefined && isTextType(headers)) return { status: reply.status ?? 200, payload: body, headers };
  if (body === undefined) return { status: reply.status ?? 204, payload: undefined, headers };
  if (body instanceof FileDownload) return { status: reply.status ?? 200, payload: undefined, headers, file: body.file };
  const payload = reply.serialize !== undefined ? reply.serialize(body) : JSON.stringify(body);
  return { status: reply.status ?? 200, payload, headers };
}

function isTextType(headers: Reply["headers"] | Record<string, string | string[]>): boolean {
  if (headers === undefined) return false;
  for (const name in headers) {
    if (name.toLowerCase() === "content-type") return !/\bjson\b/i.test(String(headers[name]));
  }
  return false;
}

/** The headers with `set-cookie` lines added after any already there (never mutates `headers`). */
export function withCookies(headers: SerializedReply["headers"], lines: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = { ...headers };
  if (lines.length === 0) return out;
  const existing = out["set-cookie"];
  out["set-cookie"] = existing === undefined ? [...lines] : [...(Array.isArray(existing) ? existing : [existing]), ...lines];
  return out;
}


/** A problem as a reply, sent like any other, in the app's error shape (RFC 9457 by default). */
export function problemReply(problem: Problem, format: ErrorFormat = DEFAULT_ERROR_FORMAT): SerializedReply {
  const shaped = shapedProblem(problem, format);
  return { status: problem.status, payload: JSON.stringify(shaped.body), headers: shaped.headers };
}
