/**
 * Requests Node's HTTP parser rejects before any handler sees them (a broken request line, a bad
 * Content-Length, headers over the size limit, a request that took too long). Node would answer
 * with a bare status line; here they get the same problem JSON and request id as every other
 * error. A response still being written on that connection (an earlier pipelined request) is
 * finished first, then the problem is written and the connection closed.
 */
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { requestIdFor } from "./context.js";
import { PROBLEM_CONTENT_TYPE, ProblemType, makeProblem } from "./problem.js";

export interface ParserError extends Error {
  code?: string;
  /** The bytes Node could not parse (HPE_* errors). */
  rawPacket?: Buffer;
}

/** The status Node itself would have sent, and what to tell the client. */
function classify(code: string | undefined): { status: number; detail: string } {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return { status: 431, detail: "the request headers are too large" };
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return { status: 408, detail: "the request took too long to arrive" };
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return { status: 413, detail: "the chunk extensions are too large" };
    case "HPE_INVALID_CONTENT_LENGTH":
    case "HPE_UNEXPECTED_CONTENT_LENGTH":
      return { status: 400, detail: "the request has an invalid Content-Length" };
    case "HPE_INVALID_TRANSFER_ENCODING":
      return { status: 400, detail: "the request has an invalid Transfer-Encoding" };
    case "HPE_INVALID_METHOD":
    case "HPE_INVALID_URL":
    case "HPE_INVALID_VERSION":
    case "HPE_INVALID_CONSTANT":
      return { status: 400, detail: "the request line is not valid HTTP" };
    default:
      return { status: 400, detail: "the request is not valid HTTP" };
  }
}

const CLOSE_GRACE_MS = 5000;

// The x-request-id of the broken request, when its bytes got that far and it is sane.
const REQUEST_ID_HEADER = /\r\nx-request-id:[ \t]*([^\r\n]*?)[ \t]*\r\n/i;

function requestIdOf(error: ParserError): string {
  const raw = error.rawPacket?.toString("latin1");
  const match = raw === undefined ? null : REQUEST_ID_HEADER.exec(raw);
  return requestIdFor(match === null ? undefined : match[1]);
}

/**
 * The problem response (status line, headers and JSON, closing the connection) for a request the
 * parser refused, logged; shared by node:http's `clientError` listener and the fast layer (http-fast/).
 */
export function clientErrorResponse(error: ParserError, log: Logger): string {
  const { status, detail } = classify(error.code);
  const requestId = requestIdOf(error);
  log.info({ reqId: requestId, status, code: error.code, reason: error.message }, "request rejected by the HTTP parser");
  const problem = makeProblem(status, ProblemType.badRequest, detail, "", requestId);
  const payload = JSON.stringify(problem);
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: ${PROBLEM_CONTENT_TYPE}\r\n` +
    `content-length: ${Buffer.byteLength(payload)}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${payload}`
  );
}

/** Ends the connection after `response`, letting the client read it; one that never closes its side is cut off after a while. */
export function endWithAnswer(socket: Duplex, response: string): void {
  if (!socket.writable) return void socket.destroy();
  // end() lets the client read the answer while it is still sending (destroying at once could
  // reset the connection under it).
  socket.end(response);
  (socket as Duplex & { setTimeout?: (ms: number, cb: () => void) => void }).setTimeout?.(CLOSE_GRACE_MS, () => socket.destroy());
}

/** The `clientError` listener of the node:http server. */
export function answerClientError(error: ParserError, socket: Duplex, log: Logger): void {
  // A reset or a client that already went away: nobody to answer.
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const response = clientErrorResponse(error, log);
  let answered = false;
  const answer = (): void => {
    if (answered) return;
    answered = true;
    endWithAnswer(socket, response);
  };
  // The response to an earlier request on this connection (pipelining) goes out first; one whose
  // own request is the one cut short (a body that stopped coming, a bad chunk) will never finish.
  const inFlight = (socket as Duplex & { _httpMessage?: NodeJS.WritableStream & { writableFinished?: boolean; req?: { complete?: boolean } } })._httpMessage;
  if (inFlight !== undefined && inFlight !== null && inFlight.writableFinished !== true && inFlight.req?.complete !== false) {
    inFlight.once("finish", answer);
    inFlight.once("close", answer);
    return;
  }
  answer();
}
