/**
 * Request bodies: JSON only, size-limited, with precise errors. Requests without a body (most GETs)
 * never touch this code: `requestHasBody` is a header check.
 */
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { ValidationIssue } from "./app.js";
import { locateJsonError } from "./json-error.js";
import { ProblemType } from "./problem.js";
import { firstInvalidUtf8Byte, isValidUtf8, loneSurrogateIssue } from "./unicode.js";

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** A body the runtime refuses; becomes a problem response with `status` and `type`. */
export class BodyError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    /** The rest of the body was not read: the connection must not be reused. */
    readonly closeConnection = false,
    /** The body fields at fault, when the problem can name them. */
    readonly issues?: ValidationIssue[],
  ) {
    super(message);
  }
}

/** The client went away before its body arrived; nobody is left to answer. */
export class ClientGoneError extends Error {}

export function requestHasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers["content-length"];
  if (length !== undefined) return length !== "0";
  return headers["transfer-encoding"] !== undefined;
}

/**
 * `application/json` or any `application/*+json`, optionally with `charset=utf-8`. Returns an
 * error message for anything else, or undefined when acceptable.
 */
export function checkJsonContentType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return "a request body needs Content-Type: application/json";
  const semicolon = contentType.indexOf(";");
  const mediaType = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  if (mediaType !== "application/json" && !(mediaType.startsWith("application/") && mediaType.endsWith("+json"))) {
    return `unsupported content type "${mediaType}"; send application/json`;
  }
  if (semicolon !== -1) {
    const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(contentType.slice(semicolon));
    if (charset !== null && charset[1].toLowerCase() !== "utf-8" && charset[1].toLowerCase() !== "utf8") {
      return `unsupported charset "${charset[1]}"; send utf-8`;
    }
  }
  return undefined;
}

export function tooLarge(limit: number): BodyError {
  // The connection stays open: the rest of the upload is drained (see discardRest) so the client
  // reads the 413 instead of a reset; closing at once races with its writes (EPIPE on its side).
  return new BodyError(413, ProblemType.payloadTooLarge, `the request body exceeds the limit of ${limit} bytes`, false);
}

/**
 * After a 413, reads and drops what the client is still sending, so it finishes its upload and
 * reads the answer instead of hitting a broken pipe (a "lingering close", as web servers do). A
 * client that keeps sending past a generous cap is cut off.
 */
export function discardRest(req: IncomingMessage, limit: number): void {
  const cap = Math.max(limit * 4, 8 * 1024 * 1024);
  let dropped = 0;
  req.on("data", (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > cap) req.socket.destroy();
  });
  req.resume();
}

/** Reads the whole body, refusing it as soon as it passes `limit` bytes. */
export function readBodyBytes(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) {
    discardRest(req, limit);
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limit) {
        settled = true;
        req.removeListener("data", onData);
        discardRest(req, limit);
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received));
    });
    req.once("error", (error) => {
      if (settled) return;
      settled = true;
      reject(new ClientGoneError(error.message));
    });
    req.once("close", () => {
      if (settled) return;
      settled = true;
      reject(new ClientGoneError("the client closed the connection before its body arrived"));
    });
  });
}

/**
 * Decodes and parses a JSON body: bytes that are not UTF-8 and strings holding a lone surrogate
 * are 400s (never replaced with U+FFFD, which would store something other than what was sent).
 */
export function decodeJsonBody(bytes: Uint8Array): unknown {
  if (!isValidUtf8(bytes)) {
    const at = firstInvalidUtf8Byte(bytes);
    throw new BodyError(400, ProblemType.malformedJson, `the request body is not valid UTF-8 (first bad byte at offset ${at})`);
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  const body = parseJsonBody(text);
  const issue = loneSurrogateIssue(text, body);
  if (issue !== undefined) {
    throw new BodyError(400, ProblemType.malformedJson, `invalid body field ${issue.field || "(whole body)"}: ${issue.message}`, false, [issue]);
  }
  return body;
}

/** Parses body text; an empty body is `undefined`, broken JSON a 400 saying where. */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    const where = locateJsonError(text);
    throw new BodyError(
      400,
      ProblemType.malformedJson,
      `malformed JSON at line ${where.line}, column ${where.column} (position ${where.position}): ${where.message}`,
    );
  }
}
