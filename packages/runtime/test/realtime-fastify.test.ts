// The Fastify plugin cannot serve WebSockets or event streams (Fastify owns the connection there):
// it refuses an app that has them at registration, naming each, instead of serving endpoints that
// cannot work.
import { test } from "node:test";
import assert from "node:assert/strict";
import { kovaFastifyPlugin, type AppDefinition } from "../src/index.js";

const base: AppDefinition = { name: "rt", routes: [], dataSources: [], env: [] };

test("kovaFastifyPlugin refuses a SOCKET and a STREAM route, naming them", () => {
  const app: AppDefinition = {
    ...base,
    routes: [{ method: "GET", path: "/events", params: [], handler: () => ({ status: 200, stream: { room: "news" } }), stream: true }],
    sockets: [{ path: "/chat", params: [], maxMessageBytes: 1024, heartbeatMs: 30_000, maxBufferedBytes: 1_048_576, on: {} }],
  };
  assert.throws(() => kovaFastifyPlugin(app), /the Fastify plugin cannot serve SOCKET \/chat, GET \/events \(STREAM\): sockets and event streams need the Kova server/);
});

test("kovaFastifyPlugin still registers an app without sockets or streams", () => {
  assert.equal(typeof kovaFastifyPlugin({ ...base, routes: [{ method: "GET", path: "/x", params: [], handler: () => ({ body: 1 }) }] }), "function");
});
