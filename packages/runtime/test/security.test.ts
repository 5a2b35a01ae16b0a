/**
 * Issue 14 items 4 and 5 over real HTTP, on both servers (node:http and the Fastify plugin):
 * security headers, Host refusal, CORS preflights and actual requests, cross-origin writes,
 * rate limits with their headers, header size limits, proxies and HSTS, the health endpoint.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import Fastify from "fastify";
import { createServer, DataSources, kovaFastifyPlugin, type KovaServer } from "../src/index.js";
import { captureLog } from "./test-app.js";
import { Counter, securityApp, send } from "./security-helpers.js";

const log = captureLog();
type Name = "node:http" | "fast" | "fastify";
const bases = {} as Record<Name, string>;
const counters = { "node:http": new Counter(), fast: new Counter(), fastify: new Counter() };
let node: KovaServer;
let fast: KovaServer;
let fastify: ReturnType<typeof Fastify>;

before(async () => {
  node = createServer(securityApp(counters["node:http"]), { logger: log.logger, env: { EXTRA: "https://extra.example.com" } });
  await node.listen(0, "127.0.0.1");
  bases["node:http"] = node.url;
  fast = createServer(securityApp(counters.fast), { http: "fast", logger: log.logger, env: { EXTRA: "https://extra.example.com" } });
  await fast.listen(0, "127.0.0.1");
  bases.fast = fast.url;
  fastify = Fastify({ logger: false });
  await fastify.register(kovaFastifyPlugin(securityApp(counters.fastify), { env: { EXTRA: "https://extra.example.com" }, dataSources: DataSources.empty() }), { prefix: "/api" });
  bases.fastify = `${await fastify.listen({ port: 0, host: "127.0.0.1" })}/api`;
});
after(async () => {
  await node.close();
  await fast.close();
  await fastify.close();
});

const APP = "https://app.example.com";
const EVIL = "https://evil.example";

for (const name of ["node:http", "fast", "fastify"] as const) {
  describe(`HTTP safety on ${name}`, () => {
    const base = () => bases[name];

    test("security headers on every answer: a route, a problem, a 404, a 405, health", async () => {
      for (const [method, path] of [["GET", "/ping"], ["GET", "/todos/x"], ["GET", "/nowhere"], ["PUT", "/ping"], ["GET", "/_kova/health"]]) {
        const res = await send(base(), method, path);
        assert.equal(res.headers["x-content-type-options"], "nosniff", `${method} ${path}`);
        assert.equal(res.headers["referrer-policy"], "no-referrer", `${method} ${path}`);
        assert.equal(res.headers["content-security-policy"], "default-src 'none'; frame-ancestors 'none'", `${method} ${path}`);
        assert.equal(res.headers["strict-transport-security"], undefined, "no HSTS on plain HTTP");
      }
      const html = await send(base(), "GET", "/page");
      assert.match(String(html.headers["content-type"]), /text\/html/);
      assert.equal(html.headers["content-security-policy"], "default-src 'none'; frame-ancestors 'none'");
    });

    test("the health endpoint names data sources only: no address, path or port", async () => {
      const res = await send(base(), "GET", "/_kova/health");
      assert.equal(res.status, 200);
      assert.doesNotMatch(res.body, /127\.0\.0\.1|localhost|\/tmp|\/work|:\d{2,5}/);
    });

    test("a Host name the app does not serve gets a 421 problem, before routing; health answers any Host", async () => {
      assert.equal((await send(base(), "GET", "/_kova/health", { host: "10.0.3.7:3000" })).status, 200, "a load balancer probes by address");
      for (const path of ["/ping", "/nowhere", "/todos/1"]) {
        const res = await send(base(), "GET", path, { host: "evil.example" });
        assert.equal(res.status, 421, path);
        assert.equal(res.json?.type, "urn:kova:problem:host-not-allowed");
        assert.match(res.json?.detail, /allowedHosts/);
      }
      const before = counters[name].done;
      assert.equal((await send(base(), "POST", "/todos/1/done", { host: "rebound.attacker.example" })).status, 421);
      assert.equal(counters[name].done, before, "the handler did not run");
      for (const host of ["localhost", "localhost:8080", "127.0.0.1:1", "api.localhost", "[::1]:3000"]) {
        assert.equal((await send(base(), "GET", "/ping", { host })).status, 200, host);
      }
    });

    test("CORS preflight from an allowed origin: methods, headers, credentials, max-age, Vary", async () => {
      const res = await send(base(), "OPTIONS", "/todos/1/done", { origin: APP, "access-control-request-method": "POST", "access-control-request-headers": "Content-Type" });
      assert.equal(res.status, 204);
      assert.equal(res.headers["access-control-allow-origin"], APP);
      assert.equal(res.headers["access-control-allow-credentials"], "true");
      assert.equal(res.headers["access-control-allow-methods"], "POST");
      assert.equal(res.headers["access-control-allow-headers"], "content-type");
      assert.equal(res.headers["access-control-max-age"], "300");
      assert.match(String(res.headers.vary), /origin/i);
      const fromEnv = await send(base(), "OPTIONS", "/ping", { origin: "https://extra.example.com", "access-control-request-method": "GET" });
      assert.equal(fromEnv.headers["access-control-allow-origin"], "https://extra.example.com", "origins from env()");
    });

    test("CORS preflight refused: another origin, a method or a header not allowed", async () => {
      const evil = await send(base(), "OPTIONS", "/todos/1/done", { origin: EVIL, "access-control-request-method": "POST" });
      assert.equal(evil.status, 403);
      assert.equal(evil.headers["access-control-allow-origin"], undefined);
      assert.equal(evil.json?.type, "urn:kova:problem:cors-refused");
      const method = await send(base(), "OPTIONS", "/ping", { origin: APP, "access-control-request-method": "DELETE" });
      assert.equal(method.status, 403);
      assert.match(method.json?.detail, /DELETE/);
      const header = await send(base(), "OPTIONS", "/ping", { origin: APP, "access-control-request-method": "GET", "access-control-request-headers": "x-secret" });
      assert.equal(header.status, 403);
      assert.match(header.json?.detail, /x-secret/);
      const plain = await send(base(), "OPTIONS", "/ping");
      assert.equal(plain.status, 204, "a plain OPTIONS still lists the methods");
      assert.match(String(plain.headers.allow), /GET/);
    });

    test("CORS on actual requests: allowed origin gets its headers (also on problems), another gets none", async () => {
      const ok = await send(base(), "GET", "/ping", { origin: APP });
      assert.equal(ok.headers["access-control-allow-origin"], APP);
      assert.equal(ok.headers["access-control-allow-credentials"], "true");
      assert.equal(ok.headers["access-control-expose-headers"], "x-request-id");
      assert.match(String(ok.headers.vary), /origin/i);
      const problem = await send(base(), "GET", "/todos/x", { origin: APP });
      assert.equal(problem.headers["access-control-allow-origin"], APP, "a browser can read the problem");
      const evil = await send(base(), "GET", "/ping", { origin: EVIL });
      assert.equal(evil.status, 200);
      assert.equal(evil.headers["access-control-allow-origin"], undefined);
      assert.equal(evil.headers["access-control-allow-credentials"], undefined);
      assert.match(String(evil.headers.vary), /origin/i);
    });

    test("a body-less cross-origin POST from an origin CORS does not allow is refused and does not run", async () => {
      const counter = counters[name];
      const before = counter.done;
      for (const headers of <Array<Record<string, string>>>[{ origin: EVIL }, { origin: EVIL, "sec-fetch-site": "cross-site" }, { origin: "null" }, { "sec-fetch-site": "cross-site" }]) {
        const res = await send(base(), "POST", "/todos/1/done", headers);
        assert.equal(res.status, 403, JSON.stringify(headers));
        assert.equal(res.json?.type, "urn:kova:problem:cross-origin-refused");
      }
      assert.equal((await send(base(), "DELETE", "/todos/1", { origin: EVIL })).status, 403);
      assert.equal(counter.done, before, "no refused request ran");
      const own = new URL(base()).host;
      assert.equal((await send(base(), "POST", "/todos/1/done", { origin: APP, "sec-fetch-site": "cross-site" })).status, 204, "an allowed origin");
      assert.equal((await send(base(), "POST", "/todos/1/done", { origin: `http://${own}` })).status, 204, "the app's own origin");
      assert.equal((await send(base(), "POST", "/todos/1/done", { "sec-fetch-site": "same-origin", origin: `http://${own}` })).status, 204);
      assert.equal((await send(base(), "POST", "/todos/1/done")).status, 204, "not a browser (no Origin): curl, servers");
      assert.equal(counter.done, before + 4);
      assert.equal((await send(base(), "GET", "/ping", { origin: EVIL })).status, 200, "reads are not refused (CORS keeps their answers from the page)");
    });

    test("RATE_LIMIT: headers on each answer, then a 429 problem with Retry-After", async () => {
      const remaining: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await send(base(), "GET", "/limited");
        assert.equal(res.status, 200);
        assert.equal(res.headers["ratelimit-limit"], "3");
        assert.equal(res.headers["ratelimit-policy"], "3;w=60");
        assert.ok(Number(res.headers["ratelimit-reset"]) >= 1 && Number(res.headers["ratelimit-reset"]) <= 60);
        remaining.push(String(res.headers["ratelimit-remaining"]));
      }
      assert.deepEqual(remaining, ["2", "1", "0"]);
      const over = await send(base(), "GET", "/limited", { origin: APP });
      assert.equal(over.status, 429);
      assert.equal(over.json?.type, "urn:kova:problem:rate-limited");
      assert.match(over.json?.detail, /3 per 1 min/);
      assert.ok(Number(over.headers["retry-after"]) >= 1 && Number(over.headers["retry-after"]) <= 20, String(over.headers["retry-after"]));
      assert.equal(over.headers["ratelimit-remaining"], "0");
      assert.equal(over.headers["access-control-allow-origin"], APP, "a browser can read the 429");
      const app = await send(base(), "GET", "/ping");
      assert.equal(app.headers["ratelimit-limit"], "1000", "the app-wide budget on other routes");
    });

    test("RATE_LIMIT BY header: each key its own budget; without the header, by address", async () => {
      for (const key of ["alice", "bob"]) {
        assert.equal((await send(base(), "GET", "/keyed", { "x-api-key": key })).status, 200);
        assert.equal((await send(base(), "GET", "/keyed", { "x-api-key": key })).status, 200);
        assert.equal((await send(base(), "GET", "/keyed", { "x-api-key": key })).status, 429, key);
      }
      assert.equal((await send(base(), "GET", "/keyed")).status, 200);
    });
  });
}

describe("settings: allowed hosts, proxies, HSTS, header size, cross-origin writes", () => {
  test("allowedHosts: only those names (and subdomains of a .name)", async () => {
    const server = createServer(securityApp(new Counter()), { logger: log.logger, security: { allowedHosts: ["api.example.com", ".example.org"] } });
    await server.listen(0, "127.0.0.1");
    try {
      assert.equal((await send(server.url, "GET", "/ping", { host: "api.example.com" })).status, 200);
      assert.equal((await send(server.url, "GET", "/ping", { host: "eu.example.org:443" })).status, 200);
      assert.equal((await send(server.url, "GET", "/ping", { host: "localhost" })).status, 421);
      assert.equal((await send(server.url, "GET", "/ping", { host: "example.com.evil.example" })).status, 421);
    } finally {
      await server.close();
    }
  });

  test("production without allowedHosts answers any Host and warns at start", async () => {
    const server = createServer(securityApp(new Counter()), { logger: log.logger, security: { production: true } });
    await server.listen(0, "127.0.0.1");
    try {
      assert.equal((await send(server.url, "GET", "/ping", { host: "public.example.com" })).status, 200);
      assert.ok(/allowedHosts is not set/.test(log.text()));
    } finally {
      await server.close();
    }
  });

  test("X-Forwarded-For and -Proto count only behind a trusted proxy", async () => {
    const trusting = createServer(securityApp(new Counter()), { logger: log.logger, security: { trustProxy: ["127.0.0.1"] } });
    const plain = createServer(securityApp(new Counter()), { logger: log.logger });
    await trusting.listen(0, "127.0.0.1");
    await plain.listen(0, "127.0.0.1");
    try {
      // Behind the proxy, each forwarded client has its own budget of 3.
      for (const client of ["203.0.113.1", "203.0.113.2"]) {
        for (let i = 0; i < 3; i++) assert.equal((await send(trusting.url, "GET", "/limited", { "x-forwarded-for": `${client}, 127.0.0.1` })).status, 200);
        assert.equal((await send(trusting.url, "GET", "/limited", { "x-forwarded-for": client })).status, 429, client);
      }
      // Without it, a made-up X-Forwarded-For does not buy a new budget.
      for (let i = 0; i < 3; i++) assert.equal((await send(plain.url, "GET", "/limited", { "x-forwarded-for": `198.51.100.${i}` })).status, 200);
      assert.equal((await send(plain.url, "GET", "/limited", { "x-forwarded-for": "198.51.100.99" })).status, 429);
      const https = await send(trusting.url, "GET", "/ping", { "x-forwarded-proto": "https" });
      assert.equal(https.headers["strict-transport-security"], "max-age=15552000; includeSubDomains");
      assert.equal((await send(plain.url, "GET", "/ping", { "x-forwarded-proto": "https" })).headers["strict-transport-security"], undefined);
    } finally {
      await trusting.close();
      await plain.close();
    }
  });

  for (const layer of ["node", "fast"] as const) {
    test(`maxHeaderSize: a bigger request head gets a 431 (${layer} layer)`, async () => {
      const server = createServer(securityApp(new Counter()), { http: layer, logger: log.logger, maxHeaderSize: 2048 });
      await server.listen(0, "127.0.0.1");
      try {
        assert.equal((await send(server.url, "GET", "/ping", { "x-big": "a".repeat(1000) })).status, 200);
        assert.equal((await send(server.url, "GET", "/ping", { "x-big": "a".repeat(4000) })).status, 431);
      } finally {
        await server.close();
      }
    });
  }

  test("crossOriginWrites: allow lets them through, but never with cookie credentials", async () => {
    const counter = new Counter();
    const server = createServer(securityApp(counter), { logger: log.logger, security: { crossOriginWrites: "allow" } });
    await server.listen(0, "127.0.0.1");
    try {
      assert.equal((await send(server.url, "POST", "/todos/1/done", { origin: EVIL })).status, 204);
      assert.equal(counter.done, 1);
    } finally {
      await server.close();
    }
    const cookieApp = securityApp(new Counter());
    cookieApp.security = { ...cookieApp.security, cookieAuth: true };
    assert.throws(() => createServer(cookieApp, { logger: log.logger, security: { crossOriginWrites: "allow" } }), /cookie/);
  });

  test("with cookie credentials, CORS \"*\" does not open writes: only exactly listed origins", async () => {
    const counter = new Counter();
    const app = securityApp(counter);
    app.security = { cors: () => ({ origins: ["*"] }), cookieAuth: true };
    const server = createServer(app, { logger: log.logger });
    await server.listen(0, "127.0.0.1");
    try {
      assert.equal((await send(server.url, "GET", "/ping", { origin: EVIL })).headers["access-control-allow-origin"], "*");
      assert.equal((await send(server.url, "POST", "/todos/1/done", { origin: EVIL })).status, 403);
      assert.equal(counter.done, 0);
    } finally {
      await server.close();
    }
  });

  test("a CORS policy that is unsafe or malformed stops the start with a clear message", () => {
    const bad = (cors: ReturnType<NonNullable<NonNullable<ReturnType<typeof securityApp>["security"]>["cors"]>>) => {
      const app = securityApp(new Counter());
      app.security = { cors: () => cors };
      return () => createServer(app, { logger: log.logger });
    };
    assert.throws(bad({ origins: ["*"], credentials: true }), /cannot be combined with credentials/);
    assert.throws(bad({ origins: ["https://app.example.com/path"] }), /has a path/);
    assert.throws(bad({ origins: ["app.example.com"] }), /not an (http\(s\) )?origin/);
  });
});
