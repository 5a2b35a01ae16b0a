/**
 * The test app served three times at once, by the node:http server, by the fast HTTP layer
 * (http-fast/) and mounted in Fastify under /api,
 * with the same data sources and options: for tests that hold both servers to one behaviour.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import type { Logger } from "pino";
import { connectDataSources, createServer, kovaFastifyPlugin, type Pipeline } from "../src/index.js";
import { makeApp } from "./test-app.js";

export type ServerName = "node:http" | "fast" | "fastify";

export interface BothServers {
  bases: Record<ServerName, string>;
  close(): Promise<void>;
}

export async function serveOnBoth(options: { logger: Logger; pipeline?: Pipeline }): Promise<BothServers> {
  const app = makeApp();
  const dataSources = await connectDataSources(app, tmpdir(), {});
  const node = createServer(app, { logger: options.logger, dataSources, pipeline: options.pipeline });
  await node.listen(0);
  const fast = createServer(app, { http: "fast", logger: options.logger, dataSources, pipeline: options.pipeline });
  await fast.listen(0);
  const fastify = Fastify({ logger: false });
  const appDir = mkdtempSync(join(tmpdir(), "kova-both-"));
  await fastify.register(kovaFastifyPlugin(app, { appDir, env: {}, dataSources, pipeline: options.pipeline }), { prefix: "/api" });
  const fastifyBase = `${await fastify.listen({ port: 0, host: "127.0.0.1" })}/api`;
  return {
    bases: { "node:http": node.url, fast: fast.url, fastify: fastifyBase },
    async close() {
      await node.close();
      await fast.close();
      await fastify.close();
      await dataSources.close();
    },
  };
}
