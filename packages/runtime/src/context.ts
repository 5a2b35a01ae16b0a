/**
 * The per-request context handed to handlers, and the request id. A class rather than an object
 * literal with closures: `db` and `log` live on the prototype, so a request allocates one object.
 */
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { Driver } from "@kova/query";
import type { Logger } from "pino";
import type { AppEnv, QueryValues, RequestContext } from "./app.js";
import type { DataSources } from "./data-sources.js";

export class KovaRequestContext implements RequestContext {
  private childLog: Logger | undefined;

  constructor(
    readonly method: string,
    readonly path: string,
    readonly params: Record<string, string | number | boolean>,
    readonly query: QueryValues,
    readonly headers: IncomingHttpHeaders,
    readonly body: unknown,
    readonly requestId: string,
    readonly env: AppEnv,
    private readonly baseLog: Logger,
    private readonly dataSources: DataSources,
  ) {}

  /** Created on first use: most handlers never log. */
  get log(): Logger {
    return (this.childLog ??= this.baseLog.child({ reqId: this.requestId }));
  }

  db(name?: string): Driver {
    return this.dataSources.get(name);
  }
}

// Printable ASCII without spaces or quotes, at most 128 characters: safe to log and echo back.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:\-/+=@]{1,128}$/;

/** The caller's `x-request-id` when it is safe to echo, otherwise a fresh UUID. */
export function requestIdFor(incoming: string | string[] | undefined): string {
  return typeof incoming === "string" && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** The path part of a request URL (find-my-way gives params and query, not the path). */
export function pathOf(url: string): string {
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}
