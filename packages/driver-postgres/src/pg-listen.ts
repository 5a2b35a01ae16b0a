/**
 * The one connection that LISTENs for other processes' change events (PostgreSQL NOTIFY, sent by
 * pg-outbox.ts inside each committing transaction). It lives outside the pool (a pooled connection
 * would be handed to queries); when it breaks it is opened again with backoff, and in between the
 * change feed's redelivery poll still finds every committed event in the outbox.
 */
import pg from "pg";

export interface Listening {
  /** Whether the connection is up and listening now. */
  readonly healthy: boolean;
  close(): Promise<void>;
}

export function listen(config: pg.ClientConfig, channel: string, onNotice: (payload: string) => void, onError: (error: Error) => void): Listening {
  let client: pg.Client | undefined;
  let healthy = false;
  let closed = false;
  let delay = 250;
  const open = async (): Promise<void> => {
    if (closed) return;
    const next = new pg.Client(config);
    next.on("notification", (message) => {
      if (message.channel === channel && message.payload !== undefined) onNotice(message.payload);
    });
    next.on("error", (error) => {
      healthy = false;
      onError(error);
      void next.end().catch(() => undefined);
      retry();
    });
    try {
      await next.connect();
      await next.query(`LISTEN "${channel.replaceAll('"', '""')}"`);
      if (closed) return void (await next.end().catch(() => undefined));
      client = next;
      healthy = true;
      delay = 250;
    } catch (error) {
      onError(error as Error);
      void next.end().catch(() => undefined);
      retry();
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const retry = () => {
    if (closed || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void open();
    }, delay);
    timer.unref();
    delay = Math.min(delay * 2, 5_000);
  };
  void open();
  return {
    get healthy() {
      return healthy;
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      healthy = false;
      await client?.end().catch(() => undefined);
    },
  };
}
