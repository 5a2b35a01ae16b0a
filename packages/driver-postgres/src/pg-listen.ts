/**
 * The one connection that LISTENs for other processes' change events (PostgreSQL NOTIFY, sent by
 * pg-outbox.ts inside each committing transaction): a postgres.js instance of its own, outside the
 * pool (a pooled connection is handed to queries). postgres.js opens it again by itself when it
 * breaks and listens again; in between, the change feed's redelivery poll still finds every
 * committed event in the outbox.
 */
import postgres from "postgres";

export interface Listening {
  /** Whether the connection is up and listening now. */
  readonly healthy: boolean;
  close(): Promise<void>;
}

export function listen(url: string | undefined, options: postgres.Options<any>, channel: string, onNotice: (payload: string) => void, onError: (error: Error) => void): Listening {
  let healthy = false;
  const settings: postgres.Options<any> = {
    ...options,
    max: 1,
    onclose: () => {
      if (!healthy) return;
      healthy = false;
      onError(new Error("the LISTEN connection closed"));
    },
  };
  const sql = url === undefined ? postgres(settings) : postgres(url, settings);
  // The third callback runs at each (re)LISTEN.
  const listening = sql.listen(channel, (payload) => onNotice(payload), () => (healthy = true)).catch((error: Error) => onError(error));
  return {
    get healthy() {
      return healthy;
    },
    async close() {
      await listening;
      healthy = false;
      await sql.end({ timeout: 1 }).catch(() => undefined);
    },
  };
}
