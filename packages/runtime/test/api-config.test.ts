/** kova.config.json's API settings (openapi, apiDocs, graphql): read, defaulted and checked at start. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { apiDocsOptions } from "../src/api-docs/api-docs.js";
import { loadFileConfig } from "../src/config.js";

function configWith(settings: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), "kova-api-config-"));
  writeFileSync(join(dir, "kova.config.json"), JSON.stringify(settings));
  return () => {
    try {
      return loadFileConfig(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test("api docs: served under the runtime prefix by default; a path moves them; false turns them off", () => {
  assert.deepEqual(apiDocsOptions("/_kova"), { openapi: "/_kova/openapi.json", docs: "/_kova/docs" });
  assert.deepEqual(apiDocsOptions("/internal/"), { openapi: "/internal/openapi.json", docs: "/internal/docs" });
  assert.deepEqual(apiDocsOptions("/_kova", { openapi: "/openapi.json" }), { openapi: "/openapi.json", docs: "/_kova/docs" });
  assert.deepEqual(apiDocsOptions("/_kova", { docs: false }), { openapi: "/_kova/openapi.json", docs: false });
  assert.deepEqual(apiDocsOptions("/_kova", { openapi: false, docs: "/docs" }), { openapi: false, docs: false }, "no document, no page");
  assert.deepEqual(apiDocsOptions(false), { openapi: false, docs: false });
  assert.deepEqual(apiDocsOptions(false, { openapi: "/openapi.json", docs: "/docs" }), { openapi: "/openapi.json", docs: "/docs" });
});

test("api settings in kova.config.json are checked with clear messages", () => {
  assert.deepEqual(configWith({ openapi: "/spec.json", apiDocs: false })(), { openapi: "/spec.json", apiDocs: false });
  assert.throws(configWith({ openapi: "spec.json" }), /"openapi" must be true, false or a path starting with "\/"/);
  assert.throws(configWith({ apiDocs: 1 }), /"apiDocs" must be true, false or a path/);
  assert.deepEqual(configWith({ graphql: { entities: ["Todo"], maxDepth: 4 } })().graphql, { entities: ["Todo"], maxDepth: 4 });
  assert.equal(configWith({ graphql: true })().graphql, true);
  assert.throws(configWith({ graphql: "yes" }), /"graphql" must be true, false or an object/);
  assert.throws(configWith({ graphql: { entity: ["Todo"] } }), /unknown "graphql" setting "entity"; known: path, entities/);
  assert.throws(configWith({ graphql: { maxDepth: 0 } }), /"graphql.maxDepth" must be a whole number above 0/);
  assert.throws(configWith({ graphql: { entities: "Todo" } }), /"graphql.entities" must be a list of entity names/);
  // Access, opt-out, endpoints, cost and introspection settings.
  const full = { read: "public", write: ["editor"], access: { Todo: { read: "authenticated" } }, exclude: ["Secret"], endpoints: ["postTodos"], maxCost: 500, introspection: "development" };
  assert.deepEqual(configWith({ graphql: full })().graphql, full);
  assert.throws(configWith({ graphql: { read: "everyone" } }), /"graphql.read" must be "public", "authenticated" or a list of roles/);
  assert.throws(configWith({ graphql: { write: [] } }), /"graphql.write" must be "public", "authenticated" or a list of roles/);
  assert.throws(configWith({ graphql: { access: { Todo: { delete: "public" } } } }), /"graphql.access" must be an object of entity names/);
  assert.throws(configWith({ graphql: { introspection: "production" } }), /"graphql.introspection" must be true, false or "development"/);
  assert.throws(configWith({ graphql: { endpoints: "all" } }), /"graphql.endpoints" must be true, false or a list of operationIds/);
});
