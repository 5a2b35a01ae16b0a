/**
 * A request on the fast layer: the fields of node:http's IncomingMessage the runtime reads (method,
 * url, headers, socket, httpVersion) and, like it, a Readable of the body, so body reading, the
 * 413 drain and multipart parsing work unchanged. Body chunks are pushed by the connection as the
 * parser delivers them; when nobody reads, the buffer fills and the connection stops reading the
 * socket (push() returning false), as node:http does.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import { Readable } from "node:stream";

export interface BodyFlow {
  /** The request's reader wants more: the connection may read the socket again. */
  bodyWanted(): void;
}

export class FastRequest extends Readable {
  complete = false;
  readonly httpVersion: string;

  constructor(
    readonly method: string,
    readonly url: string,
    readonly headers: IncomingHttpHeaders,
    readonly rawHeaders: string[],
    readonly httpVersionMajor: number,
    readonly httpVersionMinor: number,
    readonly socket: Socket,
    private readonly flow: BodyFlow,
  ) {
    super();
    this.httpVersion = `${httpVersionMajor}.${httpVersionMinor}`;
  }

  override _read(): void {
    this.flow.bodyWanted();
  }

  get connection(): Socket {
    return this.socket;
  }
}
