// Mounted in Fastify, the plugin takes kova.config.json's security settings as the standalone server does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { connectDataSources, kovaFastifyPlugin } from "../src/index.js";
import { makeApp } from "./test-app.js";

test("the plugin reads kova.config.json's security settings (and its own security option wins, setting by setting)", async () => {
  const appDir = mkdtempSync(join(tmpdir(), "kova-fastify-config-"));
  writeFileSync(join(appDir, "kova.config.json"), JSON.stringify({ allowedHosts: ["api.example.com"], cors: { origins: ["https://app.example.com"] }, hsts: 0 }));
  const sources = [await connectDataSources(makeApp(), appDir, {}), await connectDataSources(makeApp(), appDir, {})];
  const mounted = Fastify({ logger: false });
  await mounted.register(kovaFastifyPlugin(makeApp(), { appDir, env: {}, dataSources: sources[0] }), { prefix: "/api" });
  const url = await mounted.listen({ port: 0, host: "127.0.0.1" });
  const overridden = Fastify({ logger: false });
  await overridden.register(kovaFastifyPlugin(makeApp(), { appDir, env: {}, dataSources: sources[1], security: { allowedHosts: ["*"] } }), { prefix: "/api" });
  const overriddenUrl = await overridden.listen({ port: 0, host: "127.0.0.1" });
  try {
    // allowedHosts from the file: the loopback name the test connects with is not in it.
    const refused = await fetch(`${url}/api/users/1`);
    assert.equal(refused.status, 421);
    const { request } = await import("node:http");
    const viaName = await new Promise<{ status: number; allowOrigin: string | undefined }>((resolve, reject) => {
      const req = request(`${url}/api/users/1`, { headers: { host: "api.example.com", origin: "https://app.example.com" } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode!, allowOrigin: res.headers["access-control-allow-origin"] as string | undefined });
      });
      req.on("error", reject);
      req.end();
    });
    assert.notEqual(viaName.status, 421);
    assert.equal(viaName.allowOrigin, "https://app.example.com", "cors from the file");
    // The plugin's own security option replaces the file's allowedHosts; the file's CORS stays.
    const allowed = await fetch(`${overriddenUrl}/api/users/1`, { headers: { origin: "https://app.example.com" } });
    assert.notEqual(allowed.status, 421);
    assert.equal(allowed.headers.get("access-control-allow-origin"), "https://app.example.com");
  } finally {
    await mounted.close();
    await overridden.close();
    for (const s of sources) await s.close();
  }
});
