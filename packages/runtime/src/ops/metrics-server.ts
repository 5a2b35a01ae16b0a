/**
 * Where Prometheus scrapes: `/_kova/metrics` on a port of its own (kova.config.json
 * `metrics.port`, usually reachable only inside the cluster), or on the public port behind a
 * bearer token (`metrics.tokenEnv`). Metrics are never served to anyone who asks: they name
 * routes, queries and load.
 */
import { timingSafeEqual, createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { requestIdFor, pathOf } from "../context.js";
import { makeProblem, PROBLEM_CONTENT_TYPE } from "../problem.js";
import type { Metrics } from "./metrics.js";

export interface MetricsReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Compares digests, so neither the token's length nor its prefix leaks through timing. */
function tokenMatches(expected: string, authorization: string | undefined): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  if (match === null) return false;
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(expected), digest(match[1]));
}

export async function metricsReply(metrics: Metrics, token: string | undefined, authorization: string | undefined, path: string, requestId: string): Promise<MetricsReply> {
  if (token !== undefined && !tokenMatches(token, authorization)) {
    const body = JSON.stringify(makeProblem(401, "urn:kova:problem:metrics-token", "the metrics need the bearer token configured for them (Authorization: Bearer …)", path, requestId));
    return { status: 401, headers: { "content-type": PROBLEM_CONTENT_TYPE, "content-length": String(Buffer.byteLength(body)), "www-authenticate": 'Bearer realm="kova-metrics"' }, body };
  }
  const { body, contentType } = await metrics.text();
  return { status: 200, headers: { "content-type": contentType, "content-length": String(Buffer.byteLength(body)), "cache-control": "no-store" }, body };
}

/** A server answering only `<prefix>/metrics` (GET/HEAD); everything else is a 404 problem. */
export async function serveMetrics(metrics: Metrics, port: number, host: string, token: string | undefined, prefix = "/_kova"): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const path = `${prefix.replace(/\/+$/, "")}/metrics`;
  const server = createServer((req, res) => {
    const requestId = requestIdFor(req.headers["x-request-id"]);
    const answer = async (): Promise<MetricsReply> => {
      if (pathOf(req.url ?? "/") === path && (req.method === "GET" || req.method === "HEAD")) return metricsReply(metrics, token, req.headers.authorization, path, requestId);
      const body = JSON.stringify(makeProblem(404, "urn:kova:problem:not-found", `this port serves only GET ${path}`, pathOf(req.url ?? "/"), requestId));
      return { status: 404, headers: { "content-type": PROBLEM_CONTENT_TYPE, "content-length": String(Buffer.byteLength(body)) }, body };
    };
    answer().then(
      (reply) => {
        res.writeHead(reply.status, { ...reply.headers, "x-request-id": requestId });
        res.end(req.method === "HEAD" ? undefined : reply.body);
      },
      () => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end("metrics could not be collected\n");
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${shown}:${address.port}${path}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
