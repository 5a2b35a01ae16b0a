/**
 * `STREAM room`: the GET's answer is a server-sent event stream (text/event-stream) of the room's
 * messages. Each event carries the message's id, so a client that reconnects with `Last-Event-ID`
 * (browsers' EventSource does by itself) first gets what it missed from the room's replay buffer;
 * when that id is no longer there, a `gap` event tells it to reload what it shows.
 *
 * A stream whose client does not read (its unsent data passes `maxBuffered`) is closed: a slow
 * reader must not make the server hold every message for it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RealtimeHub, RoomMessage, Subscriber } from "./hub.js";

export interface StreamOptions {
  /** A comment line this often keeps proxies from closing an idle stream. Default 15 s. */
  keepAliveMs?: number;
  /** Unsent bytes after which the stream is closed. Default 1 MiB. */
  maxBuffered?: number;
}

export function openStream(hub: RealtimeHub, room: string, req: IncomingMessage, res: ServerResponse, headers: Record<string, string | string[]>, options: StreamOptions = {}): void {
  const maxBuffered = options.maxBuffered ?? 1_048_576;
  res.writeHead(200, {
    ...headers,
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    // nginx buffers responses unless told not to; an event stream must flow as it is written.
    "x-accel-buffering": "no",
  });
  res.flushHeaders();
  res.write("retry: 2000\n\n");
  const write = (message: RoomMessage): void => {
    if (res.writableLength > maxBuffered) {
      hub.log.warn({ room, buffered: res.writableLength }, "event stream dropped: the client does not read fast enough");
      res.destroy();
      return;
    }
    res.write(`id: ${message.id}\ndata: ${message.data.replace(/\n/g, "\ndata: ")}\n\n`);
  };
  const last = req.headers["last-event-id"];
  if (typeof last === "string" && last !== "") {
    const { messages, complete } = hub.since(room, last);
    if (!complete) res.write("event: gap\ndata: {}\n\n");
    for (const message of messages) write(message);
  }
  const subscriber: Subscriber = { deliver: write };
  hub.subscribe(room, subscriber);
  hub.streams++;
  const timer = setInterval(() => res.write(": keep-alive\n\n"), options.keepAliveMs ?? 15_000);
  timer.unref();
  const end = (): void => {
    clearInterval(timer);
    hub.unsubscribe(room, subscriber);
    hub.streams--;
    hub.closers.delete(close);
  };
  // The server shutting down ends every stream (an open stream would otherwise hold close() open).
  const close = (): void => {
    res.end();
  };
  hub.closers.add(close);
  res.once("close", end);
}
