/** Writing responses on node:http: headers assembled once, written with one writeHead. */
import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Problem } from "./problem.js";
import { DEFAULT_ERROR_FORMAT, shapedProblem, type ErrorFormat } from "./error-shape.js";
import { JSON_CONTENT_TYPE, type SerializedReply } from "./route.js";

/**
 * Writes a reply. Its own headers override the JSON content type (a problem reply says
 * `application/problem+json`); `extraHeaders` (added by pipeline stages) come last. `baseHeaders`
 * (the security and CORS headers) come first, so a reply may override them.
 */
export function sendReply(
  res: ServerResponse,
  reply: SerializedReply,
  requestId: string,
  close: boolean,
  extraHeaders?: Record<string, string>,
  baseHeaders?: Readonly<Record<string, string>>,
): void {
  const headers: OutgoingHttpHeaders = { "x-request-id": requestId };
  if (baseHeaders !== undefined) {
    for (const name in baseHeaders) headers[name] = baseHeaders[name];
  }
  if (reply.payload !== undefined) {
    headers["content-type"] = JSON_CONTENT_TYPE;
    headers["content-length"] = Buffer.byteLength(reply.payload);
  }
  if (reply.headers !== undefined) {
    for (const name in reply.headers) headers[name.toLowerCase()] = reply.headers[name];
  }
  if (extraHeaders !== undefined) {
    for (const name in extraHeaders) headers[name] = extraHeaders[name];
  }
  if (close) headers.connection = "close";
  res.writeHead(reply.status, headers);
  res.end(reply.payload);
}

export function sendProblem(
  res: ServerResponse,
  problem: Problem,
  close: boolean,
  extraHeaders?: OutgoingHttpHeaders,
  baseHeaders?: Readonly<Record<string, string>>,
  format: ErrorFormat = DEFAULT_ERROR_FORMAT,
): void {
  const shaped = shapedProblem(problem, format);
  const payload = JSON.stringify(shaped.body);
  const headers: OutgoingHttpHeaders = {
    ...baseHeaders,
    "content-type": shaped.headers["content-type"],
    "content-length": Buffer.byteLength(payload),
    "x-request-id": problem.requestId,
    ...extraHeaders,
  };
  if (close) headers.connection = "close";
  res.writeHead(problem.status, headers);
  res.end(payload);
}
