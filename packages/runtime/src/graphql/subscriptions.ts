/**
 * GraphQL subscriptions on the app's change events (src/changes): `postChanged(id)` streams every
 * committed insert, update and delete of a Post (or of one Post), with the record after the write
 * (SECRET fields are never in change events). Served with graphql-ws over `ws` on the GraphQL path,
 * loaded only when the app serves GraphQL and the packages are installed (optional peers of the
 * runtime: an app without subscriptions installs neither).
 *
 * The caller is authenticated once, when the socket opens: the JWT in the upgrade request's
 * Authorization header or in `connectionParams.authorization`; a bad one closes the connection
 * (4403). Subscribing checks the entity's read policy (access.ts), and every operation passes the
 * same validation, depth and cost limits as queries.
 */
import type { IncomingMessage, Server } from "node:http";
import type * as G from "graphql";
import type { Logger } from "pino";
import type { AppEnv } from "../app.js";
import type { AuthClaims, AuthSchemeDefinition } from "../auth/scheme.js";
import { verifyCredential } from "../auth/verify.js";
import { changeFeedFor, type ChangeEvent } from "../changes/index.js";
import type { DataSources } from "../data-sources.js";

/** The events of one entity (and one record, given `id`) as an async iterator, for graphql-js `subscribe`. */
export function changesOf(dataSources: DataSources, entity: string, id: unknown, keep?: (event: ChangeEvent) => boolean): AsyncIterableIterator<ChangeEvent> {
  const waiting: Array<(r: IteratorResult<ChangeEvent>) => void> = [];
  const queued: ChangeEvent[] = [];
  let done = false;
  const unsubscribe = changeFeedFor(dataSources).subscribe((event) => {
    if (id !== undefined && id !== null && event.id !== id) return;
    if (keep !== undefined && !keep(event)) return;
    const next = waiting.shift();
    if (next !== undefined) next({ value: event, done: false });
    else if (queued.length < 1_000) queued.push(event);
  }, { entity });
  const finish = (): Promise<IteratorResult<ChangeEvent>> => {
    done = true;
    unsubscribe();
    for (const w of waiting.splice(0)) w({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  };
  return {
    next: () => {
      if (queued.length > 0) return Promise.resolve({ value: queued.shift()!, done: false });
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => waiting.push(resolve));
    },
    return: finish,
    throw: (error: unknown) => finish().then(() => Promise.reject(error)),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

export interface SubscriptionServing {
  graphql: typeof G;
  schema: G.GraphQLSchema;
  path: string;
  scheme: AuthSchemeDefinition | undefined;
  env: AppEnv;
  log: Logger;
  /** Validation (with the depth rule) and the cost check of one operation: the errors, or none. */
  check(document: G.DocumentNode, variables: Record<string, unknown> | undefined, operationName: string | undefined): readonly G.GraphQLError[];
  /** The per-operation context resolvers read (the caller's claims). */
  context(auth: AuthClaims | null): object;
}

export interface WebSocketModules {
  ws: typeof import("ws");
  useServer: typeof import("graphql-ws/use/ws").useServer;
}

/** ws and graphql-ws, or undefined when they are not installed (subscriptions are then not served). */
export async function loadWebSocketModules(log: Logger): Promise<WebSocketModules | undefined> {
  try {
    const ws = await import("ws");
    const { useServer } = await import("graphql-ws/use/ws");
    return { ws, useServer };
  } catch {
    log.info("GraphQL subscriptions are off: install ws and graphql-ws to serve them");
    return undefined;
  }
}

/** Serves subscriptions on `server`'s upgrade requests to the GraphQL path. */
export function serveSubscriptions(server: Server, s: SubscriptionServing, { ws, useServer }: WebSocketModules): void {
  const wss = new ws.WebSocketServer({ noServer: true });
  server.on("upgrade", (req: IncomingMessage, socket, head) => {
    // Other paths are the server's other upgrade listener's: SOCKET endpoints, or its refusal.
    if (new URL(req.url ?? "/", "http://x").pathname !== s.path) return;
    wss.handleUpgrade(req, socket, head, (client) => wss.emit("connection", client, req));
  });
  const claims = new WeakMap<object, AuthClaims | null>();
  useServer(
    {
      schema: s.schema,
      onConnect: async (ctx) => {
        const given = (ctx.connectionParams as { authorization?: unknown } | undefined)?.authorization;
        const headers = typeof given === "string" ? { ...ctx.extra.request.headers, authorization: given } : ctx.extra.request.headers;
        if (s.scheme === undefined || s.scheme.kind !== "jwt") {
          claims.set(ctx, null);
          return true;
        }
        const credential = await verifyCredential(s.scheme, s.env, headers);
        if (credential.state === "invalid") return false;
        claims.set(ctx, credential.state === "none" ? null : credential.claims);
        return true;
      },
      onSubscribe: (ctx, _id, payload) => {
        let document: G.DocumentNode;
        try {
          document = s.graphql.parse(payload.query, { maxTokens: 5_000 });
        } catch (error) {
          return [error as G.GraphQLError];
        }
        const errors = s.check(document, payload.variables ?? undefined, payload.operationName ?? undefined);
        if (errors.length > 0) return errors;
        return { schema: s.schema, document, variableValues: payload.variables ?? undefined, operationName: payload.operationName ?? undefined, contextValue: s.context(claims.get(ctx) ?? null) };
      },
    },
    wss,
  );
  server.on("close", () => wss.close());
}
