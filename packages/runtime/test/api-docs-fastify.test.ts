/** The OpenAPI document and the docs page are served by the Fastify plugin as by the standalone server. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { DOCS_CSP, kovaFastifyPlugin } from "../src/index.js";
import { makeApp } from "./test-app.js";

test("fastify plugin: /_kova/openapi.json and /_kova/docs with its files, under the docs CSP", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "kova-fastify-docs-"));
  const document = { openapi: "3.1.0", info: { title: "t", version: "1" }, paths: {} };
  writeFileSync(join(dir, "openapi.json"), JSON.stringify(document));
  const fastify = Fastify({ logger: false });
  t.after(() => fastify.close());
  await fastify.register(kovaFastifyPlugin({ ...makeApp(), openapi: join(dir, "openapi.json") }, { appDir: dir, env: {} }));
  const base = await fastify.listen({ port: 0, host: "127.0.0.1" });
  const served = await fetch(`${base}/_kova/openapi.json`);
  assert.equal(served.status, 200);
  assert.deepEqual(await served.json(), document);
  const page = await fetch(`${base}/_kova/docs`);
  assert.equal(page.status, 200);
  assert.equal(page.headers.get("content-security-policy"), DOCS_CSP);
  assert.match(await page.text(), /swagger-ui-bundle\.js/);
  const bundle = await fetch(`${base}/_kova/docs/swagger-ui-bundle.js`);
  assert.equal(bundle.status, 200);
  assert.match(bundle.headers.get("content-type") ?? "", /^text\/javascript/);
  assert.equal((await fetch(`${base}/_kova/docs/package.json`)).status, 404);
});
