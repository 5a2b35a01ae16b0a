/**
 * The deploy API's OpenAPI 3.1 document, served at `GET /_engine/openapi.json`. Written beside the
 * routes it describes (admin-api.ts); a test checks that every route is in it and no other.
 */
const problem = { $ref: "#/components/responses/Problem" };
/** Tenants' data on PostgreSQL: the tenant's database role could not be prepared (KV2940; the engine's log says why). */
const roleProblem = { description: "the tenant's database role cannot be prepared now (KV2940, tenants' data on PostgreSQL)", content: { "application/problem+json": {} } };
const bearer = [{ bearer: [] }];
const json = (schema: object) => ({ content: { "application/json": { schema } } });

const quotas = {
  type: "object",
  additionalProperties: false,
  properties: Object.fromEntries(["fuel", "deadlineMs", "memoryBytes", "stackDepth", "responseBytes", "queries", "rowsPerQuery"].map((q) => [q, { type: "number", exclusiveMinimum: 0 }])),
};
const version = {
  type: "object",
  properties: { tenant: { type: "string" }, version: { type: "integer" }, hash: { type: "string", pattern: "^[0-9a-f]{64}$" }, action: { enum: ["deploy", "rollback"] }, keyId: { type: "string" }, createdAt: { type: "string", format: "date-time" } },
};
const newKey = { type: "object", properties: { apiKey: { type: "string", description: "shown once; the engine keeps only its SHA-256" }, keyId: { type: "string" } } };

export const ENGINE_OPENAPI = {
  openapi: "3.1.0",
  info: { title: "Kova engine", version: "1", description: "Tenants, keys, deploys, versions and rollbacks of the Kova engine (docs/engine.md). Errors are RFC 9457 problems with a KV29xx `code`." },
  components: {
    securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "the admin key (tenants, keys, audit) or a tenant's API key (deploy, versions, rollback, its own audit)" } },
    responses: { Problem: { description: "a problem", content: { "application/problem+json": { schema: { type: "object", properties: { type: { type: "string" }, status: { type: "integer" }, detail: { type: "string" }, code: { type: "string" }, field: { type: "string" } } } } } } },
  },
  paths: {
    "/_engine/tenants": {
      post: {
        summary: "Create a tenant (admin key); the answer holds its first API key",
        security: bearer,
        requestBody: { required: true, ...json({ type: "object", required: ["name"], properties: { name: { type: "string", pattern: "^[a-z][a-z0-9-]{0,39}$" }, quotas, rateLimit: { type: "integer", minimum: 1, description: "requests per minute per client IP on its endpoints" } } }) },
        responses: { "201": { description: "created", ...json({ type: "object", properties: { name: { type: "string" }, quotas, rateLimit: { type: "integer" }, ...newKey.properties } }) }, "400": problem, "401": problem, "403": problem, "409": problem },
      },
      get: {
        summary: "List tenants and the hash each serves (admin key)",
        security: bearer,
        responses: { "200": { description: "the tenants", ...json({ type: "array", items: { type: "object", properties: { name: { type: "string" }, quotas, rateLimit: { type: "integer" }, serving: { type: ["string", "null"] } } } }) }, "401": problem, "403": problem },
      },
    },
    "/_engine/tenants/{name}/keys": {
      post: {
        summary: "Another API key for a tenant (admin key)",
        security: bearer,
        parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" } }],
        responses: { "201": { description: "the new key", ...json(newKey) }, "401": problem, "403": problem, "404": problem },
      },
    },
    "/_engine/deploy": {
      post: {
        summary: "Build, sign, store and serve a program (tenant key)",
        security: bearer,
        requestBody: { required: true, ...json({ oneOf: [{ type: "object", required: ["source"], properties: { source: { type: "string", description: "one .kova file" } } }, { type: "object", required: ["files"], properties: { files: { type: "object", additionalProperties: { type: "string" }, description: "relative path → text; .kova files (.js only to be refused)" } } }] }) },
        responses: { "201": { description: "deployed and served", ...json({ type: "object", properties: { tenant: { type: "string" }, hash: { type: "string" }, version: { type: "integer" }, routes: { type: "array", items: { type: "string" } } } }) }, "400": problem, "401": problem, "403": problem, "422": { description: "the program does not build (KV2905, with `problems`: code, message, file, line, column, frame) or is refused (KV2906)", content: { "application/problem+json": {} } }, "503": roleProblem },
      },
    },
    "/_engine/versions": {
      get: {
        summary: "The tenant's versions, newest first, and the hash served (tenant key)",
        security: bearer,
        responses: { "200": { description: "versions", ...json({ type: "object", properties: { tenant: { type: "string" }, serving: { type: ["string", "null"] }, versions: { type: "array", items: version } } }) }, "401": problem, "403": problem },
      },
    },
    "/_engine/rollback": {
      post: {
        summary: "Serve an earlier version again, recorded as a new version (tenant key)",
        security: bearer,
        requestBody: { required: true, ...json({ type: "object", required: ["hash"], properties: { hash: { type: "string", pattern: "^[0-9a-f]{64}$" } } }) },
        responses: { "200": { description: "served", ...json({ type: "object", properties: { tenant: { type: "string" }, hash: { type: "string" }, version: { type: "integer" } } }) }, "400": problem, "401": problem, "403": problem, "404": problem, "503": roleProblem },
      },
    },
    "/_engine/audit": {
      get: {
        summary: "The audit trail: every tenant, key, deploy, refused deploy and rollback (admin: all; tenant: its own)",
        security: bearer,
        responses: { "200": { description: "audit lines, oldest first", ...json({ type: "array", items: { type: "object", properties: { at: { type: "string" }, actor: { type: "string" }, action: { type: "string" }, tenant: { type: ["string", "null"] }, detail: { type: "string" } } } }) }, "401": problem },
      },
    },
    "/_engine/openapi.json": {
      get: { summary: "This document", responses: { "200": { description: "OpenAPI 3.1", ...json({ type: "object" }) } } },
    },
  },
} as const;
