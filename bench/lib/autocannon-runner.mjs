#!/usr/bin/env node
/**
 * The fallback load generator for machines without wrk: one autocannon run, the same requests as
 * wrk.lua, summary printed as one `AUTOCANNON_JSON {…}` line. Runs in its own process (load.mjs
 * pins it to the load core with taskset) so it never shares the server's core.
 *   node autocannon-runner.mjs <url> <workload: plaintext|json|post|db|queries|updates> <seconds> <connections>
 */
import autocannon from "autocannon";

const [url, workload, seconds, connections] = process.argv.slice(2);
const ORDER = '{"customer":"Ada Lovelace","email":"ada@example.com","quantity":3,"price":19.99,"currency":"EUR","express":true,"note":"leave at the door","tags":["gift","fragile"],"coupon":"SAVE10","address":{"street":"1 Main St","city":"Springfield","zip":"12345"}}';

const randomId = () => 1 + Math.floor(Math.random() * 10000);
const ids = (n) => Array.from({ length: n }, () => `ids=${randomId()}`).join("&");

/** autocannon's request list for the workload: a fixed request, or one whose path is drawn per request. */
function requestsFor(kind) {
  const at = (method, path, extra = {}) => [{ method, path, ...extra }];
  const drawn = (method, path) => [{ method, setupRequest: (req) => ({ ...req, path: path() }) }];
  switch (kind) {
    case "plaintext": return at("GET", "/plaintext");
    case "json": return at("GET", "/json");
    case "post": return at("POST", "/orders", { headers: { "content-type": "application/json" }, body: ORDER });
    case "db": return drawn("GET", () => `/db/${randomId()}`);
    case "queries": return drawn("GET", () => `/queries?${ids(20)}`);
    case "updates": return drawn("POST", () => `/updates?${ids(20)}&value=${randomId()}`);
    default:
      console.error(`unknown workload "${kind}"`);
      process.exit(2);
  }
}

const result = await autocannon({
  url,
  connections: Number(connections),
  duration: Number(seconds),
  timeout: 5,
  requests: requestsFor(workload),
});
const durationS = result.duration; // seconds actually run
console.log("AUTOCANNON_JSON " + JSON.stringify({
  requests: result.requests.total,
  duration_s: durationS,
  p50_ms: result.latency.p50,
  p99_ms: result.latency.p99,
  errors: result.errors + result.timeouts + result.non2xx,
}));
