/**
 * One client connection on the fast layer: bytes from the socket go through Node's llhttp parser
 * (parser.ts); each request becomes a FastRequest/FastResponse pair handed to the server's
 * listener; responses go out in request order however their handlers finish (pipelining). What
 * node:http does for a connection is done here too: header size limit (in the parser), the
 * headers and request timeouts (checked by the server's sweep), the keep-alive idle timeout,
 * `Expect: 100-continue`, dumping an unread body once its response is sent, backpressure, and a
 * problem response for anything the parser refuses, after the responses already owed.
 */
import type { Socket } from "node:net";
import type { Logger } from "pino";
import { clientErrorResponse, endWithAnswer, type ParserError } from "../client-errors.js";
import { headersObject } from "./headers.js";
import { HTTPParser, METHODS, type LlhttpParser, type ParseError } from "./parser.js";
import { FastRequest } from "./request.js";
import { FastResponse, type Outbox } from "./response.js";

export interface ConnectionHost {
  readonly maxHeaderSize: number;
  /** Milliseconds of idle keep-alive before the connection is closed (node:http's keepAliveTimeout). */
  readonly keepAliveTimeout: number;
  readonly log: Logger;
  /** Set once the server is closing: idle connections end, busy ones after their response. */
  readonly closing: boolean;
  request(req: FastRequest, res: FastResponse): void;
  upgrade(req: FastRequest, socket: Socket, head: Buffer): boolean;
  forget(connection: Connection): void;
}

/** Requests parsed ahead of their responses before the connection stops reading (pipelining flood). */
const MAX_QUEUED = 32;
const CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n";

export class Connection implements Outbox {
  private readonly parser: LlhttpParser;
  /** Responses owed, oldest first. */
  private readonly queue: FastResponse[] = [];
  /** The request whose body is arriving. */
  private incoming: FastRequest | undefined;
  private rawHeaders: string[] = [];
  private rawUrl = "";
  /** When the request being received started (ms; 0 between requests), and whether its head is complete. */
  requestStart: number;
  headersDone = false;
  /** A request's first bytes were parsed and its message is not complete. */
  private headersBegun = false;
  /** Nothing more is parsed: the connection is upgraded, failed, or ends after a response. */
  private stopped = false;
  private bodyPaused = false;
  /** The request that asked for an upgrade: the socket is handed over after the parse that found it. */
  private upgraded: FastRequest | undefined;

  constructor(
    readonly socket: Socket,
    private readonly host: ConnectionHost,
  ) {
    const parser = new HTTPParser();
    parser.initialize(HTTPParser.REQUEST, {}, host.maxHeaderSize, HTTPParser.kLenientNone);
    parser[HTTPParser.kOnMessageBegin] = this.onMessageBegin;
    parser[HTTPParser.kOnHeaders] = this.onHeaders;
    parser[HTTPParser.kOnHeadersComplete] = this.onHeadersComplete;
    parser[HTTPParser.kOnBody] = this.onBody;
    parser[HTTPParser.kOnMessageComplete] = this.onMessageComplete;
    this.parser = parser;
    // A connection that sends nothing is held to the headers timeout, as on node:http.
    this.requestStart = Date.now();
    socket.setNoDelay(true);
    socket.on("data", this.onData);
    socket.on("end", this.onEnd);
    socket.on("error", this.onError);
    socket.on("close", this.onClose);
    socket.on("timeout", this.onIdle);
  }

  /** No request in progress and no response owed. */
  get idle(): boolean {
    return this.queue.length === 0 && this.incoming === undefined && !this.headersBegun;
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.stopped) return;
    if (this.queue.length === 0 && this.incoming === undefined) this.socket.setTimeout(0);
    const parsed = this.parser.execute(chunk);
    if (typeof parsed !== "number") return this.refuse(parsed, chunk);
    if (this.upgraded !== undefined) this.handUpgrade(chunk.subarray(parsed));
  };

  private readonly onMessageBegin = (): void => {
    this.requestStart = Date.now();
    this.headersDone = false;
    this.headersBegun = true;
  };

  // Heads that arrive in several pieces come in parts before onHeadersComplete (node:http's parserOnHeaders).
  private readonly onHeaders = (headers: string[], url: string): void => {
    for (const h of headers) this.rawHeaders.push(h);
    this.rawUrl += url;
  };

  private readonly onHeadersComplete = (
    major: number,
    minor: number,
    rawHeaders: string[] | undefined,
    method: number,
    rawUrl: string | undefined,
    _status: unknown,
    _reason: unknown,
    upgrade: boolean,
    keepAlive: boolean,
  ): number => {
    this.headersDone = true;
    if (rawHeaders === undefined) {
      rawHeaders = this.rawHeaders;
      this.rawHeaders = [];
    }
    if (rawUrl === undefined) {
      rawUrl = this.rawUrl;
      this.rawUrl = "";
    }
    const headers = headersObject(rawHeaders);
    const name = METHODS[method];
    const req = new FastRequest(name, rawUrl, headers, rawHeaders, major, minor, this.socket, this);
    if (upgrade) {
      this.upgraded = req;
      this.stopped = true;
      return 0;
    }
    this.incoming = req;
    const http11 = major === 1 && minor === 1;
    const res = new FastResponse(this, {
      head: name === "HEAD",
      keepAlive,
      chunkedByDefault: http11 || (typeof headers.te === "string" && /(?:^|\W)chunked(?:$|\W)/i.test(headers.te)),
      keepAliveSeconds: Math.floor(this.host.keepAliveTimeout / 1000),
    });
    this.queue.push(res);
    if (this.queue.length > MAX_QUEUED) this.socket.pause();
    const expect = headers.expect as string | undefined;
    if (expect !== undefined && http11) {
      if (/^100-continue$/i.test(expect)) {
        // Only the oldest response may write; a later request's client waits for its turn.
        if (this.queue.length === 1) this.socket.write(CONTINUE);
        else res.expectsContinue = true;
      } else {
        res.writeHead(417);
        res.end();
        return 0;
      }
    }
    this.host.request(req, res);
    return 0;
  };

  private readonly onBody = (chunk: Buffer): void => {
    const req = this.incoming;
    if (req === undefined || req.destroyed) return;
    // A slice of the socket's chunk, which is never reused (node:http pushes it as is too).
    if (!req.push(chunk) && !this.bodyPaused) {
      this.bodyPaused = true;
      this.socket.pause();
    }
  };

  private readonly onMessageComplete = (): void => {
    const req = this.incoming;
    this.requestStart = 0;
    this.headersBegun = false;
    if (req === undefined) return;
    this.incoming = undefined;
    req.complete = true;
    req.push(null);
    // Paused for this body's reader, which asks for no more once the body has ended: the next request may come.
    this.bodyWanted();
    // Answered before its body was all in (or at once, synchronously): the connection is idle now.
    if (this.queue.length === 0 && !this.stopped) this.becameIdle();
  };

  bodyWanted(): void {
    if (!this.bodyPaused) return;
    this.bodyPaused = false;
    if (this.queue.length <= MAX_QUEUED) this.socket.resume();
  }

  deliver(res: FastResponse, data: string | Buffer, done: boolean): void {
    if (this.queue[0] !== res) {
      (res.waiting ??= []).push(data);
      if (done) res.writableEnded = true;
      return;
    }
    if (data.length > 0 && !this.socket.destroyed) this.socket.write(data);
    if (done) this.finishHead();
  }

  /** The oldest response is complete: later ones that were waiting go out in turn. */
  private finishHead(): void {
    for (;;) {
      const res = this.queue.shift()!;
      res.finished();
      if (this.incoming !== undefined && this.queue.length === 0 && res.last === false) {
        // Its body is still arriving and its handler did not read it: drop it, as node:http does.
        if (this.incoming.readableFlowing !== true && this.incoming.listenerCount("data") === 0) this.incoming.resume();
      }
      if (res.last) return this.endAfter();
      if (this.queue.length === MAX_QUEUED && !this.bodyPaused) this.socket.resume();
      const next = this.queue[0];
      if (next === undefined) {
        if (this.incoming === undefined && !this.headersBegun) this.becameIdle();
        return;
      }
      if (next.waiting !== undefined) {
        for (const piece of next.waiting) if (piece.length > 0) this.socket.write(piece);
        next.waiting = undefined;
      }
      if (!next.writableEnded) {
        // A request that waited for its turn is told to go on.
        if (next.expectsContinue && !next.headersSent) this.socket.write(CONTINUE);
        return;
      }
    }
  }

  private becameIdle(): void {
    if (this.host.closing) return this.close();
    this.requestStart = 0;
    this.socket.setTimeout(this.host.keepAliveTimeout);
  }

  /** A response said the connection ends: nothing more is read, later requests are dropped (as node:http). */
  private endAfter(): void {
    this.stopped = true;
    this.queue.length = 0;
    if (!this.socket.destroyed) this.socket.end();
  }

  /** The parser refused the bytes: the responses owed go out first, then the problem, then the end. */
  private refuse(error: ParseError, chunk: Buffer): void {
    this.stopped = true;
    // Bytes after a request that said Connection: close are dropped, as node:http drops them.
    if (error.code === "HPE_CLOSED_CONNECTION") return;
    (error as ParserError).rawPacket = chunk;
    this.answerAndEnd(error as ParserError);
  }

  /** Used for parse errors and timeouts (ERR_HTTP_REQUEST_TIMEOUT). */
  answerAndEnd(error: ParserError): void {
    this.stopped = true;
    if (!this.socket.writable) return void this.socket.destroy();
    const answer = clientErrorResponse(error, this.host.log);
    const incoming = this.incoming;
    if (incoming !== undefined) {
      // The request in progress cannot be completed: the problem is its answer, not whatever its
      // handler (waiting for a body that will not come) would write later.
      this.incoming = undefined;
      const owed = this.queue[this.queue.length - 1];
      if (owed !== undefined && !owed.writableEnded) this.queue.pop();
      incoming.destroy();
    }
    const last = this.queue[this.queue.length - 1];
    if (last === undefined) return endWithAnswer(this.socket, answer);
    // After the last response owed (they write in order); the request in progress gets no other answer.
    last.once("finish", () => endWithAnswer(this.socket, answer));
  }

  /** The request timed out (the server's sweep): a 408, as node:http answers. */
  timedOut(): void {
    if (this.stopped) return;
    const error = Object.assign(new Error("Request timeout"), { code: "ERR_HTTP_REQUEST_TIMEOUT" });
    if (this.incoming !== undefined) this.incoming.destroy();
    this.requestStart = 0;
    this.answerAndEnd(error);
  }

  private handUpgrade(head: Buffer): void {
    const req = this.upgraded!;
    this.detach();
    if (!this.host.upgrade(req, this.socket, head)) this.socket.destroy();
  }

  /** Gives the socket up (an upgrade): the parser's callbacks no longer run. */
  private detach(): void {
    this.socket.removeListener("data", this.onData);
    this.socket.removeListener("end", this.onEnd);
    this.socket.removeListener("timeout", this.onIdle);
    this.socket.removeListener("error", this.onError);
    this.socket.removeListener("close", this.onClose);
    this.host.forget(this);
    this.parser.free();
  }

  // As node:http (without httpAllowHalfOpen): a client that ends its side gets what was already
  // answered, a parse error for a request cut short, and the connection ends.
  private readonly onEnd = (): void => {
    if (this.stopped) return;
    const error = this.parser.finish();
    if (error !== undefined) return this.answerAndEnd(error as ParserError);
    this.stopped = true;
    const req = this.incoming;
    this.incoming = undefined;
    if (req !== undefined && !req.complete) req.destroy();
    this.queue.length = 0;
    if (this.socket.writable) this.socket.end();
  };

  private readonly onError = (): void => {
    this.socket.destroy();
  };

  private readonly onClose = (): void => {
    this.stopped = true;
    this.host.forget(this);
    const req = this.incoming;
    this.incoming = undefined;
    if (req !== undefined && !req.complete) req.destroy();
    for (const res of this.queue) if (!res.writableFinished) res.emit("close");
    this.queue.length = 0;
    this.parser.free();
  };

  private readonly onIdle = (): void => {
    if (this.idle) this.socket.destroy();
  };

  /** Server shutdown: an idle connection ends now, a busy one after its responses (they say Connection: close). */
  close(): void {
    if (this.idle) this.socket.end();
  }
}
