/**
 * STREAM: a GET answered with a server-sent event stream (text/event-stream).
 *
 *   - `STREAM room`: the room's messages. Each event carries the message's id, so a client that
 *     reconnects with `Last-Event-ID` (browsers' EventSource does by itself) first gets what it
 *     missed from the room's replay buffer; when that id is no longer there, a `gap` event tells it
 *     to reload what it shows.
 *   - `STREAM LIVE SELECT …`: the query's result at once, then again whenever a committed write
 *     (the change feed, runtime/src/changes) touches an entity it reads and the result differs.
 *     Each event is the whole result, so a reconnecting client needs no replay.
 *   - `{ events }`: a feed the handler opened (the versioned store's watch): each event carries the
 *     id the feed gives it, and a reconnect's `Last-Event-ID` is handed to the feed to resume from.
 *
 * A stream whose client does not read (its unsent data passes `maxBuffered`) is closed: a slow
 * reader must not make the server hold every message for it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { EventFeed, LiveQuery, StreamSource } from "../app.js";
import type { ChangeFeed } from "../changes/change-feed.js";
import type { RealtimeHub, RoomMessage } from "./hub.js";
import { watchLive } from "./live-watch.js";

export interface StreamOptions {
  /** A comment line this often keeps proxies from closing an idle stream. Default 15 s. */
  keepAliveMs?: number;
  /** Unsent bytes after which the stream is closed. Default 1 MiB. */
  maxBuffered?: number;
}

export function openStream(hub: RealtimeHub, feed: () => ChangeFeed, source: StreamSource, req: IncomingMessage, res: ServerResponse, headers: Record<string, string | string[]>, options: StreamOptions = {}): void {
  res.writeHead(200, {
    ...headers,
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    // nginx buffers responses unless told not to; an event stream must flow as it is written.
    "x-accel-buffering": "no",
  });
  res.write("retry: 2000\n\n");
  const maxBuffered = options.maxBuffered ?? 1_048_576;
  const send = (id: string, data: string): void => {
    if (res.writableLength > maxBuffered) {
      hub.log.warn({ buffered: res.writableLength }, "event stream dropped: the client does not read fast enough");
      res.destroy();
      return;
    }
    res.write(`id: ${id}\ndata: ${data.replace(/\n/g, "\ndata: ")}\n\n`);
  };
  const stop = "room" in source ? streamRoom(hub, source.room, req, res, send)
    : "live" in source ? streamLive(hub, feed(), source.live, res, send)
    : streamEvents(source.events, req, send);
  hub.streams++;
  const timer = setInterval(() => res.write(": keep-alive\n\n"), options.keepAliveMs ?? 15_000);
  timer.unref();
  // The server shutting down ends every stream (an open stream would otherwise hold close() open).
  const close = (): void => void res.end();
  hub.closers.add(close);
  res.once("close", () => {
    clearInterval(timer);
    stop();
    hub.streams--;
    hub.closers.delete(close);
  });
}

function streamRoom(hub: RealtimeHub, room: string, req: IncomingMessage, res: ServerResponse, send: (id: string, data: string) => void): () => void {
  const last = req.headers["last-event-id"];
  if (typeof last === "string" && last !== "") {
    const { messages, complete } = hub.since(room, last);
    if (!complete) res.write("event: gap\ndata: {}\n\n");
    for (const message of messages) send(message.id, message.data);
  }
  const subscriber = { deliver: (message: RoomMessage) => send(message.id, message.data) };
  hub.subscribe(room, subscriber);
  return () => hub.unsubscribe(room, subscriber);
}

function streamLive(hub: RealtimeHub, feed: ChangeFeed, live: LiveQuery, res: ServerResponse, send: (id: string, data: string) => void): () => void {
  return watchLive(feed, live, (text, version) => send(String(version), text), (error) => {
    hub.log.error({ err: error }, "live query failed; its stream ends");
    res.end("event: error\ndata: {\"message\":\"the live query failed\"}\n\n");
  });
}

function streamEvents(feed: EventFeed, req: IncomingMessage, send: (id: string, data: string) => void): () => void {
  const last = req.headers["last-event-id"];
  return feed.open(send, typeof last === "string" && last !== "" ? last : undefined);
}
