/**
 * A response on the fast layer: the part of node:http's ServerResponse the runtime uses
 * (writeHead, end, write, headersSent, statusCode, destroyed, 'finish'/'close'), producing the
 * bytes node:http would (same status line, header order, Date, Connection/Keep-Alive, chunked
 * framing when no length is known; the differential test holds them to it). The head is one
 * string built at writeHead, and a response ended with its body goes to the socket as one write,
 * in request order (the connection queues responses that finish out of order).
 */
import { EventEmitter } from "node:events";
import { STATUS_CODES, type OutgoingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import { utcDate } from "./date.js";

export interface Outbox {
  /** Hands bytes of `res` to the socket in request order; `done` when they are its last. */
  deliver(res: FastResponse, data: string | Buffer, done: boolean): void;
  readonly socket: Socket;
}

/** What the response knows of its request. */
export interface ResponseTerms {
  /** HEAD: headers only. */
  head: boolean;
  /** The parser's verdict (HTTP/1.1 without `Connection: close`, or 1.0 with keep-alive). */
  keepAlive: boolean;
  /** HTTP/1.1 (or a 1.0 request with `TE: chunked`): a body of unknown length may be chunked. */
  chunkedByDefault: boolean;
  /** Seconds announced in `Keep-Alive: timeout=` (0: none announced). */
  keepAliveSeconds: number;
}

const STATUS_LINES: string[] = [];
for (const code of Object.keys(STATUS_CODES)) STATUS_LINES[Number(code)] = `HTTP/1.1 ${code} ${STATUS_CODES[code]}\r\n`;

// node:http's checks (checkIsHttpToken, checkInvalidHeaderChar): a header that would split the response throws.
const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const CONNECTION_CLOSE = /(?:^|\W)close(?:$|\W)/i;
const CHUNKED = /(?:^|\W)chunked(?:$|\W)/i;

function invalid(code: string, message: string): TypeError {
  return Object.assign(new TypeError(message), { code });
}

export class FastResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  writableEnded = false;
  writableFinished = false;
  /** After this response the connection closes (`Connection: close`, or a body only the close delimits). */
  last = false;
  /** Bytes waiting for earlier responses on the connection to finish (the connection's queue). */
  waiting: Array<string | Buffer> | undefined = undefined;
  /** Its request sent `Expect: 100-continue` while earlier responses were owed: told to go on at its turn. */
  expectsContinue = false;
  private chunked = false;
  private hasBody: boolean;
  private head = "";
  private extra: OutgoingHttpHeaders | undefined;

  constructor(
    private readonly outbox: Outbox,
    private readonly terms: ResponseTerms,
  ) {
    super();
    this.hasBody = !terms.head;
  }

  get destroyed(): boolean {
    return this.outbox.socket.destroyed;
  }

  get writableLength(): number {
    return this.outbox.socket.writableLength;
  }

  get socket(): Socket {
    return this.outbox.socket;
  }

  setHeader(name: string, value: string | number | readonly string[]): this {
    (this.extra ??= {})[name.toLowerCase()] = value as string;
    return this;
  }

  getHeader(name: string): string | number | string[] | undefined {
    return this.extra?.[name.toLowerCase()];
  }

  removeHeader(name: string): void {
    if (this.extra !== undefined) delete this.extra[name.toLowerCase()];
  }

  writeHead(status: number, reasonOrHeaders?: string | OutgoingHttpHeaders, maybeHeaders?: OutgoingHttpHeaders): this {
    if (this.headersSent) throw invalid("ERR_HTTP_HEADERS_SENT", "Cannot write headers after they are sent to the client");
    const headers = typeof reasonOrHeaders === "object" ? reasonOrHeaders : maybeHeaders;
    const reason = typeof reasonOrHeaders === "string" ? reasonOrHeaders : undefined;
    this.statusCode = status;
    this.head = this.buildHead(status, reason, this.extra === undefined ? headers : { ...this.extra, ...headers }, undefined);
    this.headersSent = true;
    return this;
  }

  private buildHead(status: number, reason: string | undefined, headers: OutgoingHttpHeaders | undefined, implicitLength: number | undefined): string {
    if (!(status >= 100 && status <= 999)) throw Object.assign(new RangeError(`Invalid status code: ${status}`), { code: "ERR_HTTP_INVALID_STATUS_CODE" });
    if (status === 204 || status === 304 || status < 200) this.hasBody = false;
    let head = reason === undefined ? STATUS_LINES[status] ?? `HTTP/1.1 ${status} unknown\r\n` : `HTTP/1.1 ${status} ${reason}\r\n`;
    let length = false;
    let te = false;
    let connection = false;
    let date = false;
    if (headers !== undefined) {
      for (const name in headers) {
        const value = headers[name];
        if (value === undefined) continue;
        if (!TOKEN.test(name)) throw invalid("ERR_INVALID_HTTP_TOKEN", `Header name must be a valid HTTP token ["${name}"]`);
        const lower = name.length === 14 || name.length === 17 || name.length === 10 || name.length === 4 ? name.toLowerCase() : "";
        if (Array.isArray(value)) {
          for (const one of value) head += this.line(name, String(one));
        } else {
          head += this.line(name, String(value));
        }
        if (lower === "content-length") length = true;
        else if (lower === "transfer-encoding") {
          te = true;
          if (CHUNKED.test(String(value))) this.chunked = true;
        } else if (lower === "connection") {
          connection = true;
          if (CONNECTION_CLOSE.test(String(value))) this.last = true;
        } else if (lower === "date") date = true;
      }
    }
    if (!date) head += `Date: ${utcDate()}\r\n`;
    const terms = this.terms;
    if (!connection) {
      if (terms.keepAlive && (length || terms.chunkedByDefault || implicitLength !== undefined)) {
        head += terms.keepAliveSeconds > 0 ? `Connection: keep-alive\r\nKeep-Alive: timeout=${terms.keepAliveSeconds}\r\n` : "Connection: keep-alive\r\n";
      } else {
        this.last = true;
        head += "Connection: close\r\n";
      }
    }
    if (!length && !te && this.hasBody) {
      if (implicitLength !== undefined) head += `Content-Length: ${implicitLength}\r\n`;
      else if (!terms.chunkedByDefault) this.last = true;
      else {
        head += "Transfer-Encoding: chunked\r\n";
        this.chunked = true;
      }
    }
    return `${head}\r\n`;
  }

  private line(name: string, value: string): string {
    if (INVALID_VALUE.test(value)) throw invalid("ERR_INVALID_CHAR", `Invalid character in header content ["${name}"]`);
    return `${name}: ${value}\r\n`;
  }

  write(chunk: string | Buffer): boolean {
    if (this.writableEnded) return false;
    if (!this.headersSent) {
      this.head = this.buildHead(this.statusCode, undefined, this.extra, undefined);
      this.headersSent = true;
    }
    const data = this.frame(chunk, false);
    this.send(data, false);
    const socket = this.outbox.socket;
    if (socket.writableNeedDrain !== true) return true;
    socket.once("drain", () => this.emit("drain"));
    return false;
  }

  end(chunk?: string | Buffer): this {
    if (this.writableEnded) return this;
    this.writableEnded = true;
    if (!this.headersSent) {
      const length = chunk === undefined ? 0 : typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
      this.head = this.buildHead(this.statusCode, undefined, this.extra, this.hasBody ? length : undefined);
      this.headersSent = true;
    }
    this.send(this.frame(chunk, true), true);
    return this;
  }

  /** The body bytes as sent: chunk-framed when chunked, nothing for HEAD/204/304. */
  private frame(chunk: string | Buffer | undefined, last: boolean): string | Buffer {
    const empty = chunk === undefined || chunk.length === 0;
    if (!this.hasBody) return "";
    if (!this.chunked) return empty ? "" : chunk!;
    const tail = last ? "0\r\n\r\n" : "";
    if (empty) return tail;
    if (typeof chunk === "string") return `${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n${tail}`;
    return Buffer.concat([Buffer.from(`${chunk!.length.toString(16)}\r\n`, "latin1"), chunk!, Buffer.from(`\r\n${tail}`, "latin1")]);
  }

  /** The head goes out with the first bytes: one write for a response ended with its body. */
  private send(data: string | Buffer, done: boolean): void {
    let out: string | Buffer = data;
    if (this.head !== "") {
      // node:http also writes a string body with its head as one UTF-8 string.
      out = typeof data === "string" ? this.head + data : Buffer.concat([Buffer.from(this.head, "latin1"), data]);
      this.head = "";
    }
    if (out.length === 0 && !done) return;
    this.outbox.deliver(this, out, done);
  }

  /** Called by the connection once the last bytes are with the socket. */
  finished(): void {
    this.writableFinished = true;
    this.emit("finish");
    this.emit("close");
  }

  destroy(): void {
    this.outbox.socket.destroy();
  }
}
