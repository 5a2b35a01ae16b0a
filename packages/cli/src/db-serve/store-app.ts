/**
 * `kova db serve`: the versioned store's operations as an app the runtime serves — an
 * AppDefinition built here, so the store's HTTP face gets the runtime's router, pipeline,
 * problem responses, body limits, API-key auth stage, TLS, metrics and health like any Kova app,
 * with no second server. Keys go in the path percent-encoded (`a%2Fb` for `a/b`): the router
 * splits the path before it decodes a segment.
 *
 *   GET    /v1/collections                        the collections
 *   GET    /v1/kv/:collection?prefix&limit&cursor a page of keys and values, in key order
 *   GET    /v1/kv/:collection/:key[?at=INSTANT]   the value (now, or as of INSTANT)
 *   PUT    /v1/kv/:collection/:key                body: the JSON value → { version, at }
 *   DELETE /v1/kv/:collection/:key                → { deleted }
 *   GET    /v1/kv/:collection/:key/history        every version, oldest first
 *   POST   /v1/batch                              { items: [{ collection, key, value } | { …, delete: true }] }, one transaction
 *   GET    /v1/watch/:collection[?since=VERSION]  the change feed as server-sent events (id: the version)
 */
import type { AppDefinition, Reply, RequestContext, RouteAuthDefinition, RouteDefinition } from "@kova/runtime";
import { checkCollection, checkKey, KeyNotFoundError, type Store } from "@kova/store";
import type { ApiKeys } from "./keys.js";
import { badRequest, toProblem } from "./problems.js";

export const API_KEY_HEADER = "x-api-key";
/** Items in one POST /v1/batch (its body is also bounded by the server's body limit). */
export const MAX_BATCH_ITEMS = 10_000;

type AnyStore = Store<Record<string, unknown>>;

export function storeApp(store: AnyStore, keys: ApiKeys | undefined, openapiFile: string): AppDefinition {
  const auth: RouteAuthDefinition | undefined =
    keys === undefined
      ? undefined
      : {
          scheme: {
            kind: "api_key",
            location: { from: "header", name: API_KEY_HEADER },
            // The keys live in the store's file, not in a data source: the lookup reads them there.
            lookup: async (_db, hash) => keys.byHash(hash) ?? null,
            hashField: "hash",
            subjectField: "name",
            roleClaim: null,
            claimNames: ["sub"],
            validateClaims: () => [],
          },
          optional: false,
          roles: [],
        };
  const route = (method: RouteDefinition["method"], path: string, handler: (ctx: RequestContext) => Reply, extra: Partial<RouteDefinition> = {}): RouteDefinition => ({
    method,
    path,
    params: [],
    auth,
    ...extra,
    handler: (ctx) => {
      try {
        return handler(ctx);
      } catch (error) {
        throw toProblem(error);
      }
    },
  });
  const keyOf = (ctx: RequestContext) => ({ collection: String(ctx.params.collection), key: String(ctx.params.key) });
  const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

  const routes: RouteDefinition[] = [
    route("GET", "/v1/collections", () => ({ body: { collections: store.listCollections() } })),
    route(
      "GET",
      "/v1/kv/:collection",
      (ctx) => ({ body: store.list(String(ctx.params.collection), { prefix: text(ctx.query.prefix), limit: ctx.query.limit as number | undefined, cursor: text(ctx.query.cursor) }) }),
      { query: [{ name: "prefix", type: "string" }, { name: "limit", type: "int", min: 1, max: 10_000 }, { name: "cursor", type: "string" }] },
    ),
    route(
      "GET",
      "/v1/kv/:collection/:key",
      (ctx) => {
        const { collection, key } = keyOf(ctx);
        const at = text(ctx.query.at);
        if (at === undefined) return { body: { collection, key, value: store.require(collection, key) } };
        const value = store.getAt(collection, key, at);
        if (value === undefined) {
          const existed = store.history(collection, key, { limit: 1 }).length > 0;
          if (!existed) throw new KeyNotFoundError(collection, key, store.nearestKey(collection, key));
          throw Object.assign(new KeyNotFoundError(collection, key, undefined), { message: `Key '${collection}/${key}' had no value at ${at}.`, hint: `to see its versions: GET /v1/kv/${collection}/${encodeURIComponent(key)}/history` });
        }
        return { body: { collection, key, value, at } };
      },
      { query: [{ name: "at", type: "string" }] },
    ),
    route("PUT", "/v1/kv/:collection/:key", (ctx) => {
      const { collection, key } = keyOf(ctx);
      if (ctx.body === undefined) throw badRequest("missing-value", `PUT ${collection}/${key} has no body: send the value as JSON`, "body", 'send a JSON body, like {"name":"Alice"}, with content-type application/json');
      return { body: { collection, key, ...store.put(collection, key, ctx.body) } };
    }),
    route("DELETE", "/v1/kv/:collection/:key", (ctx) => {
      const { collection, key } = keyOf(ctx);
      return { body: { collection, key, deleted: store.delete(collection, key) } };
    }),
    route(
      "GET",
      "/v1/kv/:collection/:key/history",
      (ctx) => {
        const { collection, key } = keyOf(ctx);
        return { body: { collection, key, versions: store.history(collection, key, { limit: ctx.query.limit as number | undefined }) } };
      },
      { query: [{ name: "limit", type: "int", min: 1 }] },
    ),
    route("POST", "/v1/batch", (ctx) => ({ body: store.putMany(batchItems(ctx.body)) })),
    route(
      "GET",
      "/v1/watch/:collection",
      (ctx) => {
        const collection = String(ctx.params.collection);
        const since = ctx.query.since as number | undefined;
        // Opened now, so a missing collection is a 404 problem rather than a stream that never speaks.
        store.watch(collection).close();
        return {
          stream: {
            events: {
              open(send, lastEventId) {
                const resume = lastEventId !== undefined && /^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) : since;
                const watcher = store.watch(collection, resume === undefined ? {} : { since: resume });
                void (async () => {
                  for await (const change of watcher) send(String(change.version), JSON.stringify(change));
                })();
                return () => watcher.close();
              },
            },
          },
        };
      },
      { query: [{ name: "since", type: "int", min: 0 }], stream: true },
    ),
  ];
  return { name: "kova-db", routes, dataSources: [], env: [], openapi: openapiFile };
}

/** The batch body checked item by item, so a refusal names the item (`items[3].key`). */
function batchItems(body: unknown): Array<{ collection: string; key: string; value: unknown } | { collection: string; key: string; delete: true }> {
  const shape = 'send {"items": [{"collection": "users", "key": "alice", "value": {…}}, {"collection": "users", "key": "bob", "delete": true}]}';
  if (body === null || typeof body !== "object" || !Array.isArray((body as { items?: unknown }).items)) throw badRequest("invalid-batch", "the batch body is not an object with an items array", "items", shape);
  const items = (body as { items: unknown[] }).items;
  if (items.length > MAX_BATCH_ITEMS) throw badRequest("invalid-batch", `the batch has ${items.length} items, over the limit of ${MAX_BATCH_ITEMS}`, "items", "split it into several batches");
  return items.map((item, i) => {
    const field = `items[${i}]`;
    if (item === null || typeof item !== "object" || Array.isArray(item)) throw badRequest("invalid-batch", `${field} is not an object`, field, shape);
    const { collection, key, value } = item as { collection?: unknown; key?: unknown; value?: unknown; delete?: unknown };
    const remove = (item as { delete?: unknown }).delete === true;
    try {
      checkCollection(collection);
    } catch (error) {
      throw toProblem(error, `${field}.collection`);
    }
    try {
      checkKey(key);
    } catch (error) {
      throw toProblem(error, `${field}.key`);
    }
    if (remove) return { collection: collection as string, key: key as string, delete: true as const };
    if (!("value" in (item as object))) throw badRequest("invalid-batch", `${field} has no value (and is not a delete)`, `${field}.value`, 'give "value", or "delete": true');
    return { collection: collection as string, key: key as string, value };
  });
}
