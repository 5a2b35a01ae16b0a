/**
 * Request bodies sent with `Content-Encoding: gzip` (or deflate, br). The compressed bytes were
 * read under the body limit already; the decompressed ones are capped at the same limit by
 * zlib's `maxOutputLength`, so a decompression bomb (a few KiB that inflate to gigabytes) stops
 * at the limit with a 413 instead of filling the memory.
 */
import { promisify } from "node:util";
import { brotliDecompress, gunzip, inflate } from "node:zlib";
import { BodyError, tooLarge } from "../body.js";
import { ProblemType } from "../problem.js";

const decoders = {
  gzip: promisify(gunzip),
  "x-gzip": promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
} as const;

/** Whether the header names a coding this server can undo (undefined and identity: nothing to undo). */
export function unsupportedContentEncoding(header: string | undefined): string | undefined {
  const coding = codingOf(header);
  if (coding === undefined || coding in decoders) return undefined;
  return `unsupported Content-Encoding "${header}"; send gzip, deflate, br or none`;
}

/** The body as the app reads it: decompressed, at most `limit` bytes. */
export async function decodeBody(bytes: Buffer, header: string | undefined, limit: number): Promise<Buffer> {
  const coding = codingOf(header);
  if (coding === undefined) return bytes;
  const decode = decoders[coding as keyof typeof decoders];
  try {
    return await decode(bytes, { maxOutputLength: limit });
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      const refused = tooLarge(limit);
      throw new BodyError(413, refused.type, `the request body, decompressed, exceeds the limit of ${limit} bytes`);
    }
    throw new BodyError(400, ProblemType.malformedBody, `the request body is not valid ${coding} data (Content-Encoding: ${header}): ${(error as Error).message}`);
  }
}

function codingOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const coding = header.trim().toLowerCase();
  // One coding is what clients send; a list (gzip, br) would mean layered encodings, refused as unsupported.
  return coding === "" || coding === "identity" ? undefined : coding;
}
