/** The OpenAPI 3.1 description of `kova db serve` (served at /_kova/openapi.json, with the docs page at /_kova/docs). */
import { API_KEY_HEADER, MAX_BATCH_ITEMS } from "./store-app.js";

const problem = { description: "An RFC 9457 problem naming the input and the fix", content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } };
const collection = { name: "collection", in: "path", required: true, schema: { type: "string", pattern: "^[A-Za-z][A-Za-z0-9_]{0,62}$" } };
const key = { name: "key", in: "path", required: true, description: "The key, percent-encoded (a '/' in it as %2F)", schema: { type: "string", minLength: 1, maxLength: 1024 } };
const json = (schema: object, description = "OK") => ({ description, content: { "application/json": { schema } } });
const errors = { "400": problem, "401": problem, "404": problem, "413": problem };

export function storeOpenapi(secured: boolean): object {
  return {
    openapi: "3.1.0",
    info: { title: "Kova versioned store", version: "1", description: "Every write is a version; any key reads as of any instant. See docs/store.md." },
    ...(secured ? { security: [{ apiKey: [] }] } : {}),
    paths: {
      "/v1/collections": { get: { operationId: "listCollections", summary: "The collections", responses: { "200": json({ type: "object", properties: { collections: { type: "array", items: { type: "string" } } } }), "401": problem } } },
      "/v1/kv/{collection}": {
        get: {
          operationId: "list",
          summary: "A page of keys and values, in key order",
          parameters: [
            collection,
            { name: "prefix", in: "query", schema: { type: "string" } },
            { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 10000, default: 100 } },
            { name: "cursor", in: "query", description: "The cursor of the previous page", schema: { type: "string" } },
          ],
          responses: { "200": json({ $ref: "#/components/schemas/Page" }), ...errors },
        },
      },
      "/v1/kv/{collection}/{key}": {
        get: {
          operationId: "get",
          summary: "The key's value, now or as of an instant",
          parameters: [collection, key, { name: "at", in: "query", description: "ISO 8601 instant or epoch milliseconds", schema: { type: "string" } }],
          responses: { "200": json({ type: "object", properties: { collection: { type: "string" }, key: { type: "string" }, value: {}, at: { type: "string" } } }), ...errors },
        },
        put: {
          operationId: "put",
          summary: "Write a new version of the key",
          parameters: [collection, key],
          requestBody: { required: true, content: { "application/json": { schema: {} } } },
          responses: { "200": json({ $ref: "#/components/schemas/Written" }), ...errors },
        },
        delete: {
          operationId: "delete",
          summary: "Delete the key's value (recorded as a version)",
          parameters: [collection, key],
          responses: { "200": json({ type: "object", properties: { deleted: { type: "boolean" } } }), ...errors },
        },
      },
      "/v1/kv/{collection}/{key}/history": {
        get: {
          operationId: "history",
          summary: "Every version of the key, oldest first",
          parameters: [collection, key, { name: "limit", in: "query", schema: { type: "integer", minimum: 1 } }],
          responses: { "200": json({ type: "object", properties: { versions: { type: "array", items: { $ref: "#/components/schemas/Version" } } } }), ...errors },
        },
      },
      "/v1/batch": {
        post: {
          operationId: "batch",
          summary: "Write and delete many keys in one transaction (all or none)",
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  required: ["items"],
                  properties: {
                    items: {
                      type: "array",
                      maxItems: MAX_BATCH_ITEMS,
                      items: { type: "object", required: ["collection", "key"], properties: { collection: { type: "string" }, key: { type: "string" }, value: {}, delete: { type: "boolean" } } },
                    },
                  },
                },
              },
            },
          },
          responses: { "200": json({ type: "object", properties: { written: { type: "integer" }, lastVersion: { type: "integer" } } }), ...errors },
        },
      },
      "/v1/watch/{collection}": {
        get: {
          operationId: "watch",
          summary: "The collection's changes as server-sent events (each event's id is its version; Last-Event-ID resumes)",
          parameters: [collection, { name: "since", in: "query", description: "Start after this version (0: from the first)", schema: { type: "integer", minimum: 0 } }],
          responses: { "200": { description: "An event stream; each data line is a Change", content: { "text/event-stream": { schema: { $ref: "#/components/schemas/Change" } } } }, ...errors },
        },
      },
    },
    components: {
      securitySchemes: { apiKey: { type: "apiKey", in: "header", name: API_KEY_HEADER } },
      schemas: {
        Problem: {
          type: "object",
          properties: { type: { type: "string" }, title: { type: "string" }, status: { type: "integer" }, detail: { type: "string" }, instance: { type: "string" }, code: { type: "string" }, hint: { type: "string" }, field: { type: "string" } },
        },
        Written: { type: "object", properties: { collection: { type: "string" }, key: { type: "string" }, version: { type: "integer" }, at: { type: "string", format: "date-time" } } },
        Entry: { type: "object", properties: { key: { type: "string" }, value: {} } },
        Page: { type: "object", properties: { items: { type: "array", items: { $ref: "#/components/schemas/Entry" } }, cursor: { type: "string" } } },
        Version: { type: "object", properties: { version: { type: "integer" }, operation: { enum: ["insert", "update", "delete"] }, at: { type: "string", format: "date-time" }, value: {} } },
        Change: {
          type: "object",
          properties: { collection: { type: "string" }, key: { type: "string" }, version: { type: "integer" }, operation: { enum: ["insert", "update", "delete"] }, at: { type: "string", format: "date-time" }, value: {} },
        },
      },
    },
  };
}
