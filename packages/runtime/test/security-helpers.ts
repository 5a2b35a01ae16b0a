/** Helpers for the HTTP safety tests: raw requests (any Host / Origin header) and a small app. */
import { request } from "node:http";
import type { AppDefinition, RouteDefinition } from "../src/index.js";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: Record<string, any> | undefined;
}

/** node:http, so Host, Origin and Sec-Fetch-* can be set as a browser (or an attacker) would. */
export function send(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<RawResponse> {
  const url = new URL(base);
  const prefix = url.pathname.replace(/\/$/, "");
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path: prefix + path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: Record<string, any> | undefined;
        try {
          json = text === "" ? undefined : (JSON.parse(text) as Record<string, any>);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Counts the state changes that really ran, so a refused request can be shown not to have. */
export class Counter {
  done = 0;
}

export function securityApp(counter: Counter, extra: Partial<AppDefinition> = {}): AppDefinition {
  const routes: RouteDefinition[] = [
    { method: "GET", path: "/ping", params: [], handler: () => ({ body: { ok: true } }) },
    {
      method: "POST", path: "/todos/:id/done", params: [{ name: "id", type: "int" }],
      handler: () => {
        counter.done++;
        return { status: 204 };
      },
    },
    { method: "DELETE", path: "/todos/:id", params: [{ name: "id", type: "int" }], handler: () => ({ status: 204 }) },
    { method: "GET", path: "/limited", params: [], rateLimit: { limit: 3, windowMs: 60_000, key: { by: "ip" } }, handler: () => ({ body: { ok: true } }) },
    { method: "GET", path: "/keyed", params: [], rateLimit: { limit: 2, windowMs: 60_000, key: { by: "header", name: "x-api-key" } }, handler: () => ({ body: { ok: true } }) },
    { method: "GET", path: "/page", params: [], handler: () => ({ body: "<h1>hi</h1>", headers: { "content-type": "text/html; charset=utf-8" }, serialize: (b) => String(b) }) },
  ];
  return {
    name: "security",
    routes,
    dataSources: [],
    env: [{ name: "EXTRA", default: "" }],
    security: {
      cors: (env) => ({ origins: ["https://app.example.com", env.EXTRA ?? ""], credentials: true, expose: ["x-request-id"], maxAgeSeconds: 300 }),
      rateLimit: { limit: 1000, windowMs: 60_000, key: { by: "ip" } },
    },
    ...extra,
  };
}
