/**
 * A live query kept up to date: its result at once, then again whenever a committed write (the
 * change feed) touches an entity it reads and the result differs. One run at a time; changes during
 * a run make one more run after it (not one per change). Shared by STREAM LIVE over server-sent
 * events (sse.ts) and over a SOCKET (connection.ts).
 */
import type { LiveQuery } from "../app.js";
import type { ChangeFeed } from "../changes/change-feed.js";
import { messageText } from "./hub.js";

/** Calls `push` with each new result (JSON text) and its number (1, 2, …); returns the function that stops. */
export function watchLive(feed: ChangeFeed, live: LiveQuery, push: (text: string, version: number) => void, fail: (error: unknown) => void): () => void {
  let last: string | undefined;
  let version = 0;
  let running = false;
  let again = false;
  let stopped = false;
  const refresh = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const text = messageText(await live.load(), live.serialize);
        if (!stopped && text !== last) {
          last = text;
          push(text, ++version);
        }
      } while (again && !stopped);
    } catch (error) {
      stopped = true;
      stop();
      fail(error);
    } finally {
      running = false;
    }
  };
  const unsubscribes = live.entities.map((entity) => feed.subscribe(() => void refresh(), { entity }));
  const stop = () => {
    stopped = true;
    for (const unsubscribe of unsubscribes) unsubscribe();
  };
  void refresh();
  return stop;
}
