/**
 * `RESPOND download(p.avatar)`: the stored file's bytes, streamed from the file store, with its
 * content type, a `Content-Disposition` carrying its name, and byte ranges (`Range: bytes=…`) for
 * resumed downloads and media players. One range per request; a list of ranges gets the whole file
 * (RFC 9110 lets a server ignore Range), a range past the end a 416. A HEAD request gets the same
 * headers and no bytes: the store is asked for the size only (an S3 object is not fetched).
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { once } from "node:events";
import type { Readable } from "node:stream";
import { SNIFFABLE_TYPES } from "./sniff.js";
import type { ByteRange, FileStore } from "./store.js";
import type { FileRef } from "./uploaded-file.js";

export type RangeAnswer = { kind: "whole" } | { kind: "part"; range: ByteRange } | { kind: "unsatisfiable" };

/** The `Range` header against a file of `size` bytes. Syntax it does not understand is ignored (the whole file). */
export function parseRange(header: string | undefined, size: number): RangeAnswer {
  if (header === undefined) return { kind: "whole" };
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (match === null || (match[1] === "" && match[2] === "")) return { kind: "whole" };
  if (match[1] === "") {
    // bytes=-500: the last 500 bytes.
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "part", range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return { kind: "unsatisfiable" };
  return { kind: "part", range: { start, end } };
}

/** A stored reference names its type, but only a type the runtime itself detects is sent as is. */
function contentType(file: FileRef): string {
  if (!SNIFFABLE_TYPES.includes(file.type)) return "application/octet-stream";
  return file.type === "text/plain" ? "text/plain; charset=utf-8" : file.type;
}

function disposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export interface DownloadProblem {
  status: number;
  type: string;
  detail: string;
  headers?: OutgoingHttpHeaders;
}

/**
 * Streams the file to `res` with `headers` (request id, security headers, the reply's own)
 * added. Answers through `problem` when the file is gone or the range cannot be served.
 */
export async function sendDownload(
  res: ServerResponse,
  request: { method?: string; headers: IncomingHttpHeaders },
  store: FileStore,
  file: FileRef,
  headers: OutgoingHttpHeaders,
  problem: (answer: DownloadProblem) => void,
): Promise<void> {
  const requestHeaders = request.headers;
  const size = await store.size(file.id);
  if (size === undefined) {
    return problem({ status: 404, type: "urn:kova:problem:not-found", detail: `the file ${JSON.stringify(file.name)} is not in the file store` });
  }
  const etag = `"${file.id}"`;
  // A resumed download of another version of the file must start over: If-Range names the one it has.
  const ifRange = requestHeaders["if-range"];
  const answer = ifRange !== undefined && ifRange !== etag ? { kind: "whole" as const } : parseRange(requestHeaders.range, size);
  if (answer.kind === "unsatisfiable") {
    return problem({ status: 416, type: "urn:kova:problem:range-not-satisfiable", detail: `the range ${requestHeaders.range} is outside the file's ${size} bytes`, headers: { "content-range": `bytes */${size}` } });
  }
  const out: OutgoingHttpHeaders = {
    ...headers,
    "content-type": contentType(file),
    "content-disposition": disposition(file.name),
    "accept-ranges": "bytes",
    etag,
    "x-content-type-options": "nosniff",
  };
  if (res.destroyed) return;
  const head = request.method === "HEAD";
  if (answer.kind === "part") {
    const { start, end } = answer.range;
    out["content-range"] = `bytes ${start}-${end}/${size}`;
    out["content-length"] = end - start + 1;
    res.writeHead(206, out);
    if (head) return void res.end();
    await streamInto(res, store.read(file.id, answer.range)).catch(() => res.destroy());
    return;
  }
  out["content-length"] = size;
  res.writeHead(200, out);
  if (head) return void res.end();
  await streamInto(res, store.read(file.id)).catch(() => res.destroy());
}

/**
 * Writes the stored bytes with backpressure (waiting for 'drain'), through the response's own
 * write/end: the same on node:http's ServerResponse and the fast layer's (http-fast/), which is no
 * Writable stream. A read error rejects (the caller cuts the connection: the length was promised).
 */
async function streamInto(res: ServerResponse, source: Readable): Promise<void> {
  try {
    for await (const chunk of source) {
      if (res.destroyed) return;
      if (!res.write(chunk as Buffer)) await Promise.race([once(res, "drain"), once(res, "close")]);
    }
    res.end();
  } finally {
    source.destroy();
  }
}
