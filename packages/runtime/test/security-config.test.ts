/** kova.config.json's security settings and their environment variables: checked at start, clear messages. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFileConfig } from "../src/config.js";
import { securityFromEnv } from "../src/security/config.js";
import { createServer, StartupError } from "../src/index.js";

function configWith(settings: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), "kova-sec-config-"));
  writeFileSync(join(dir, "kova.config.json"), JSON.stringify(settings));
  return () => loadFileConfig(dir);
}

test("security settings are read and typed", () => {
  const config = configWith({
    allowedHosts: ["api.example.com"], trustProxy: ["10.0.0.0/8"], hsts: 0, crossOriginWrites: "refuse", rateLimitStore: "memory", maxHeaderSize: 8192,
    cors: { origins: ["https://app.example.com"], credentials: true, maxAge: 60, headers: ["content-type"] },
  })();
  assert.deepEqual(config.allowedHosts, ["api.example.com"]);
  assert.deepEqual(config.cors, { origins: ["https://app.example.com"], credentials: true, maxAgeSeconds: 60, headers: ["content-type"] });
  assert.equal(config.maxHeaderSize, 8192);
  assert.equal(configWith({ cors: false })().cors, false);
});

test("a wrong security setting stops the start and says what is expected", () => {
  assert.throws(configWith({ allowedHosts: "api.example.com" }), /"allowedHosts" must be a list of strings/);
  assert.throws(configWith({ trustProxy: true }), /"trustProxy" must be false, a number of proxy hops, or a list/);
  assert.throws(configWith({ cors: { origin: ["https://a.example"] } }), /unknown setting "origin"; known: origins/);
  assert.throws(configWith({ cors: { credentials: true } }), /needs "origins"/);
  assert.throws(configWith({ crossOriginWrites: "yes" }), /must be "refuse" or "allow"/);
  assert.throws(configWith({ maxHeaderSize: 10 }), /at least 1024 bytes/);
  assert.throws(configWith({ allowedHost: ["x"] }), /unknown setting "allowedHost"; known: .*allowedHosts/);
});

test("KOVA_ALLOWED_HOSTS and KOVA_TRUST_PROXY", () => {
  assert.deepEqual(securityFromEnv({ KOVA_ALLOWED_HOSTS: "a.example.com, .example.org", KOVA_TRUST_PROXY: "2" }), { allowedHosts: ["a.example.com", ".example.org"], trustProxy: 2 });
  assert.deepEqual(securityFromEnv({ KOVA_TRUST_PROXY: "10.0.0.1,192.168.0.0/16" }), { trustProxy: ["10.0.0.1", "192.168.0.0/16"] });
  assert.deepEqual(securityFromEnv({}), {});
});

test("a trusted proxy that is not an address or range is a start-up error", () => {
  const app = { name: "x", routes: [], dataSources: [], env: [] };
  assert.throws(() => createServer(app, { logLevel: "silent", security: { trustProxy: ["10.0.0.0/40"] } }), (e) => e instanceof StartupError && /bad prefix length/.test((e as Error).message));
  assert.throws(() => createServer(app, { logLevel: "silent", security: { trustProxy: ["proxy.internal"] } }), /not an IP address or CIDR range/);
});
