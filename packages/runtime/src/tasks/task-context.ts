/**
 * What a task's body receives as `ctx`: the same surface as a request's (env, log, db, enqueue) with
 * no request values — the checker refuses `$body`, `$query`, … inside a TASK.
 */
import type { Driver } from "@kova/query";
import type { Logger } from "pino";
import type { AppEnv, RequestContext } from "../app.js";
import type { DataSources } from "../data-sources.js";
import type { EnqueueOptions } from "./definition.js";
import { messageText, realtimeFor } from "../realtime/hub.js";

export class TaskContext implements RequestContext {
  readonly method = "TASK";
  readonly params = {};
  readonly query = {};
  readonly headers = {};
  readonly cookies = {};
  readonly body = undefined;
  readonly auth = null;
  /** Set when the attempt is over (finished, failed or timed out): a body still running may not touch the data any more. */
  ended = false;

  constructor(
    readonly path: string,
    readonly requestId: string,
    readonly env: AppEnv,
    readonly log: Logger,
    private readonly dataSources: DataSources,
    private readonly enqueueJob: (task: string, args: unknown[], options?: EnqueueOptions) => Promise<number | null>,
  ) {}

  db(name?: string): Driver {
    const driver = this.dataSources.get(name);
    const guard = (): void => {
      if (this.ended) throw new Error(`job ${this.requestId}: the attempt has ended (it timed out); its statements no longer run`);
    };
    // The driver itself, but refusing statements once the attempt is over: a timed-out body that
    // goes on would otherwise write outside its (rolled back) transaction.
    return new Proxy(driver, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (property !== "execute" && property !== "transaction") return typeof value === "function" ? value.bind(target) : value;
        return (...args: unknown[]) => {
          guard();
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  }

  /** BROADCAST TO in the task: sent once its attempt has committed (flushBroadcasts), never for a failed one. */
  private pending: Array<[string, string]> = [];

  broadcast(room: string | null, value: unknown, serialize?: (value: unknown) => string): void {
    if (room === null) throw new Error("BROADCAST without TO belongs in a SOCKET handler");
    this.pending.push([room, messageText(value, serialize)]);
  }

  flushBroadcasts(): void {
    const hub = realtimeFor(this.dataSources);
    for (const [room, data] of this.pending) hub?.publish(room, data);
    this.pending = [];
  }

  enqueue(task: string, args: unknown[], options?: EnqueueOptions): Promise<number | null> {
    if (this.ended) return Promise.reject(new Error(`job ${this.requestId}: the attempt has ended; ENQUEUE no longer runs`));
    return this.enqueueJob(task, args, options);
  }
}
