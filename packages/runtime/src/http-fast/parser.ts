/**
 * Node's own HTTP/1.1 parser: the llhttp binding node:http drives, reached through the
 * `_http_common` module (public in every Node release, no deprecation warning, unlike
 * `process.binding("http_parser")`). Same parser, same strictness: request smuggling shapes
 * (Content-Length with Transfer-Encoding, bad chunk sizes, obs-fold, NULs, spaces before colons)
 * are refused by the same code that refuses them for node:http.
 */
import { createRequire } from "node:module";

/** The callbacks and methods of the binding, as node:http's `_http_server.js` uses them. */
export interface LlhttpParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | ParseError;
  finish(): ParseError | undefined;
  free(): void;
  close(): void;
  [slot: number]: unknown;
}

export interface ParseError extends Error {
  code: string;
  bytesParsed: number;
  reason?: string;
  rawPacket?: Buffer;
}

interface HttpCommon {
  HTTPParser: {
    new (): LlhttpParser;
    REQUEST: number;
    kOnMessageBegin: number;
    kOnHeaders: number;
    kOnHeadersComplete: number;
    kOnBody: number;
    kOnMessageComplete: number;
    kLenientNone: number;
  };
  methods: readonly string[];
}

const common = createRequire(import.meta.url)("_http_common") as HttpCommon;

export const HTTPParser = common.HTTPParser;
/** The parser reports a request's method as an index into this list. */
export const METHODS = common.methods;
