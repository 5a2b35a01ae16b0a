/**
 * HTTPS for `kova run --tls-cert --tls-key` (or kova.config.json "tls", or KOVA_TLS_CERT/KEY).
 *
 * - HTTP/1.1 over TLS on node:https; with `http2` on, node:http2's secure server with ALPN
 *   offering h2 and http/1.1 (`allowHTTP1`), so old clients keep working on the same port.
 * - `reload()` reads the certificate and key again and swaps them in with `setSecureContext`:
 *   new handshakes get the new pair, open connections are not touched (start.ts calls it on
 *   SIGHUP, which is what cert-manager / certbot hooks send). A pair that does not load is
 *   logged and the old one kept, so a half-written renewal never takes the site down.
 * - `plainHttpServer` answers a plain-HTTP port with a 308 to the https URL, or a 403 problem.
 */
import { readFileSync } from "node:fs";
import { createServer as createPlainServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { createServer as createHttpsServer } from "node:https";
import { createSecureContext } from "node:tls";
import type { Logger } from "pino";
import { StartupError } from "../data-sources.js";
import { makeProblem, PROBLEM_CONTENT_TYPE } from "../problem.js";
import { requestIdFor, pathOf } from "../context.js";
import type { TlsConfig } from "./config.js";

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** The server's key material, read now; a missing or bad file is a StartupError naming it. */
export function readPair(tls: TlsConfig): { cert: Buffer; key: Buffer } {
  const read = (path: string, what: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new StartupError(`cannot read the TLS ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  };
  const pair = { cert: read(tls.cert, "certificate"), key: read(tls.key, "key") };
  try {
    createSecureContext(pair);
  } catch (error) {
    throw new StartupError(`the TLS certificate ${tls.cert} and key ${tls.key} do not make a usable pair: ${(error as Error).message}`);
  }
  return pair;
}

export interface TlsServer {
  server: Server;
  /** Reads the certificate and key again; true when the new pair is in use. */
  reload(): boolean;
}

export function createTlsServer(tls: TlsConfig, listener: RequestListener, log: Logger, maxHeaderSize: number | undefined): TlsServer {
  const pair = readPair(tls);
  // node:http2's compatibility API hands the listener request/response objects shaped like
  // node:http's (method, url, headers, writeHead, end), which is all the runtime uses.
  // node:http2 is loaded only when asked for: on Node 20, merely importing it in a cluster worker
  // (kova run --workers N) never returns, so plain HTTPS and HTTP must not load it.
  const server = tls.http2 === true
    ? (createRequire(import.meta.url)("node:http2") as typeof import("node:http2")).createSecureServer({ ...pair, allowHTTP1: true, ...(maxHeaderSize === undefined ? {} : { maxHeaderSize }) }, http2Adapter(listener) as never) as unknown as Server
    : createHttpsServer({ ...pair, ...(maxHeaderSize === undefined ? {} : { maxHeaderSize }) }, listener);
  return {
    server,
    reload() {
      try {
        (server as unknown as { setSecureContext(o: object): void }).setSecureContext(readPair(tls));
        log.info({ cert: tls.cert }, "TLS certificate reloaded");
        return true;
      } catch (error) {
        log.error({ cert: tls.cert, err: error }, "TLS certificate reload failed; still serving the previous one");
        return false;
      }
    },
  };
}

/**
 * What differs for the runtime between an HTTP/2 request and an HTTP/1.1 one, bridged here so the
 * rest of the runtime stays one code path: the host is in `:authority` (the Host check and
 * redirects read `host`), a body may come without a length, and HTTP/2 forbids connection-specific headers (`connection: close`,
 * which the runtime sends while draining: HTTP/2 ends its streams with GOAWAY instead).
 */
function http2Adapter(listener: RequestListener): RequestListener {
  return (req, res) => {
    if (req.httpVersionMajor !== 2) return listener(req, res);
    if (req.headers.host === undefined && typeof req.headers[":authority"] === "string") req.headers.host = req.headers[":authority"];
    // An HTTP/2 body needs no Content-Length: a stream not ended with its headers has one, which
    // HTTP/1.1 would say with Transfer-Encoding (what body.ts looks for).
    const stream = (req as unknown as { stream?: { endAfterHeaders?: boolean } }).stream;
    if (req.headers["content-length"] === undefined && stream?.endAfterHeaders === false) req.headers["transfer-encoding"] = "chunked";
    const writeHead = res.writeHead.bind(res) as (status: number, headers?: Record<string, unknown>) => ServerResponse;
    (res as { writeHead: unknown }).writeHead = (status: number, headers?: Record<string, unknown>) => {
      if (headers !== undefined) {
        delete headers.connection;
        delete headers["keep-alive"];
      }
      return writeHead(status, headers);
    };
    listener(req, res);
  };
}

/** The plain-HTTP port beside a TLS one: every request is redirected to https, or refused. */
export function plainHttpServer(action: "redirect" | "refuse", httpsPort: () => number, log: Logger): Server {
  return createPlainServer((req, res) => {
    const requestId = requestIdFor(req.headers["x-request-id"]);
    const host = hostName(req.headers.host);
    if (action === "redirect" && host !== undefined) {
      const port = httpsPort();
      res.writeHead(308, { location: `https://${host}${port === 443 ? "" : `:${port}`}${req.url ?? "/"}`, "content-length": "0", "x-request-id": requestId });
      res.end();
      return;
    }
    const detail = action === "redirect" ? "plain HTTP is redirected to HTTPS, but this request names no Host to redirect to" : "this server only answers over HTTPS";
    const body = JSON.stringify(makeProblem(403, "urn:kova:problem:https-required", detail, pathOf(req.url ?? "/"), requestId));
    res.writeHead(403, { "content-type": PROBLEM_CONTENT_TYPE, "content-length": String(Buffer.byteLength(body)), "x-request-id": requestId });
    res.end(body);
    log.debug({ reqId: requestId }, "plain HTTP request refused");
  });
}

/** The host of a Host header without its port (IPv6 literals keep their brackets); undefined when absent or odd. */
function hostName(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::\d+)?$/.exec(header);
  return match?.[1];
}
