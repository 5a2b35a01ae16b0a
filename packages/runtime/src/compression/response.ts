/**
 * The `compress` pipeline stage: runs after the handler (so it sees every answer, problems
 * included) and replaces the reply's payload with its gzip or brotli form when the client accepts
 * one, the body is at least `threshold` bytes and its type is not compressed already.
 * Compression runs on libuv's thread pool (zlib's async API), so a large body does not stall
 * other requests on the event loop.
 */
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import type { Exchange, StageOutcome } from "../exchange.js";
import type { PipelineStage } from "../pipeline.js";
import type { SerializedReply } from "../route.js";
import { pickEncoding, worthCompressing } from "./negotiate.js";
import type { CompressionOptions, Encoding } from "./options.js";

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

export const COMPRESS_STAGE = "compress";

export function compressionStage(options: CompressionOptions): PipelineStage {
  const brotli = { params: { [constants.BROTLI_PARAM_QUALITY]: options.brotliQuality, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT } };
  const gzipOptions = { level: options.gzipLevel };
  const compress = (payload: string | Buffer, encoding: Encoding): Promise<Buffer> =>
    encoding === "br" ? brotliAsync(payload, brotli) : gzipAsync(payload, gzipOptions);

  return {
    name: COMPRESS_STAGE,
    run(ex: Exchange): StageOutcome | Promise<StageOutcome> {
      const reply = ex.reply;
      if (reply === undefined || reply.payload === undefined || reply.status === 0) return undefined;
      const headers = reply.headers;
      if (!worthCompressing(header(headers, "content-type"))) return undefined;
      // The handler encoded it itself, or asked intermediaries to leave it as it is.
      if (header(headers, "content-encoding") !== undefined || /\bno-transform\b/i.test(header(headers, "cache-control") ?? "")) return undefined;
      // A cache in front must keep one copy per encoding, whether or not this one is compressed.
      ex.setHeader("vary", appendVary(header(headers, "vary") ?? ex.responseHeaders?.vary));
      if (Buffer.byteLength(reply.payload) < options.threshold) return undefined;
      const encoding = pickEncoding(ex.headers["accept-encoding"], options.encodings);
      if (encoding === undefined) return undefined;
      return compress(reply.payload, encoding).then((body) => {
        ex.reply = compressed(reply, body);
        ex.setHeader("content-encoding", encoding);
        return undefined;
      });
    },
  };
}

function compressed(reply: SerializedReply, body: Buffer): SerializedReply {
  // A strong ETag names these exact bytes; the compressed ones are other bytes (RFC 9110 §8.8.3).
  const etag = header(reply.headers, "etag");
  if (etag === undefined || etag.startsWith("W/")) return { ...reply, payload: body };
  const headers: Record<string, string | string[]> = {};
  for (const name in reply.headers) headers[name] = name.toLowerCase() === "etag" ? `W/${etag}` : reply.headers[name];
  return { ...reply, payload: body, headers };
}

function header(headers: SerializedReply["headers"], name: string): string | undefined {
  if (headers === undefined) return undefined;
  for (const key in headers) {
    if (key.toLowerCase() === name) {
      const value = headers[key];
      return Array.isArray(value) ? value.join(", ") : value;
    }
  }
  return undefined;
}

function appendVary(existing: string | undefined): string {
  if (existing === undefined || existing === "") return "accept-encoding";
  if (/(^|,)\s*(\*|accept-encoding)\s*(,|$)/i.test(existing)) return existing;
  return `${existing}, accept-encoding`;
}
