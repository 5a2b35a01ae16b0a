/**
 * `kova db serve`: the store over HTTP/JSON, served by the runtime (db-serve/store-app.ts builds the
 * app it serves), so TLS, metrics, health, limits and problem responses are the runtime's own.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { startApp, StartupError } from "@kova/runtime";
import { storeFile } from "@kova/store";
import { hostFlag, portFlag, UsageError } from "../../args.js";
import { ExitCode } from "../../command.js";
import { defineCommand } from "../../define-command.js";
import { ApiKeys } from "../../db-serve/keys.js";
import { storeOpenapi } from "../../db-serve/openapi.js";
import { storeApp } from "../../db-serve/store-app.js";
import { KV_OPTIONS, openFor, runKv, STORE_HELP } from "./kv.js";

/** Batches carry many values: the body limit is this, or the value limit when that is larger. */
const BODY_LIMIT = 16 * 1024 * 1024;

export const serveCommand = defineCommand({
  name: "db serve",
  summary: "Serve the store over HTTP/JSON (API keys, TLS, change feed, OpenAPI, metrics, health)",
  usage: `Usage: kova db serve [--port 7878] [--host 127.0.0.1] [options]

Serves the store's operations over HTTP/JSON: GET/PUT/DELETE /v1/kv/COLLECTION/KEY (?at=INSTANT),
GET /v1/kv/COLLECTION (?prefix, limit, cursor), GET /v1/kv/COLLECTION/KEY/history, POST /v1/batch,
GET /v1/watch/COLLECTION (server-sent events), GET /v1/collections. The OpenAPI document is at
/_kova/openapi.json, health at /_kova/health and /_kova/ready.

Every request needs an API key in the x-api-key header: create one with 'kova db keys create NAME'.
TLS, metrics and tracing are set as for an app: kova.config.json in the store's folder, or the
environment (KOVA_TLS_CERT/KOVA_TLS_KEY, KOVA_METRICS_PORT, ...).

Options:
  --port N          Port (default 7878; 0 picks a free one)
  --host ADDR       Address (default 127.0.0.1)
  --tls-cert FILE   Serve HTTPS with this PEM certificate ...
  --tls-key FILE    ... and this PEM private key
  --metrics-port N  Prometheus metrics on this port (default: off)
  --no-auth         Serve without API keys (only for a store nobody else can reach)
${STORE_HELP}
`,
  options: {
    ...KV_OPTIONS,
    port: { type: "string" },
    host: { type: "string" },
    "tls-cert": { type: "string" },
    "tls-key": { type: "string" },
    "metrics-port": { type: "string" },
    "no-auth": { type: "boolean" },
  },
  execute({ values, positionals }, context) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const port = portFlag(values.port) ?? 7878;
    const host = hostFlag(values.host) ?? "127.0.0.1";
    const tlsCert = values["tls-cert"] === undefined ? undefined : String(values["tls-cert"]);
    const tlsKey = values["tls-key"] === undefined ? undefined : String(values["tls-key"]);
    if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new UsageError(`--tls-cert and --tls-key go together: ${tlsCert === undefined ? "--tls-cert" : "--tls-key"} is missing`);
    const metricsPort = values["metrics-port"] === undefined ? undefined : portFlag(values["metrics-port"]);
    return runKv("serve", values, context, async () => {
      const store = await openFor(values, context);
      const keys = values["no-auth"] === true ? undefined : new ApiKeys(store.db);
      if (keys !== undefined && keys.count() === 0) {
        store.close();
        throw new UsageError("the store has no API keys, so no request could be let in: create one with 'kova db keys create NAME' (or serve with --no-auth on a private network)");
      }
      const docs = mkdtempSync(join(tmpdir(), "kova-db-serve-"));
      const openapi = join(docs, "openapi.json");
      writeFileSync(openapi, JSON.stringify(storeOpenapi(keys !== undefined)));
      const file = storeFile(typeof values.store === "string" ? values.store : ".");
      const env: Record<string, string | undefined> = { ...context.env };
      if (tlsCert !== undefined && tlsKey !== undefined) Object.assign(env, { KOVA_TLS_CERT: resolve(tlsCert), KOVA_TLS_KEY: resolve(tlsKey) });
      if (metricsPort !== undefined) env.KOVA_METRICS_PORT = String(metricsPort);
      const cleanup = () => {
        store.close();
        rmSync(docs, { recursive: true, force: true });
      };
      let running;
      try {
        running = await startApp(storeApp(store, keys, openapi), {
          port,
          host,
          // kova.config.json and .env beside the data: the app folder for a folder's .kova/data.db.
          appDir: file === ":memory:" ? process.cwd() : file.endsWith(join(".kova", "data.db")) ? dirname(dirname(file)) : dirname(file),
          env,
          logLevel: env.KOVA_LOG_LEVEL ?? "warn",
          bodyLimit: BODY_LIMIT,
          manageProcess: false,
        });
      } catch (error) {
        cleanup();
        if (error instanceof StartupError) {
          context.stderr.write(`kova db serve: cannot start: ${error.message}\n`);
          return ExitCode.problems;
        }
        throw error;
      }
      if (keys === undefined) context.stderr.write("kova db serve: warning: serving without API keys (--no-auth): anyone who reaches the port reads and writes the store\n");
      context.stdout.write(`kova db serve: ${file} on ${running.url}${running.metricsUrl === undefined ? "" : ` (metrics on ${running.metricsUrl})`}\n`);
      // Until SIGTERM/SIGINT: in-flight requests finish, streams end, then the store closes.
      await new Promise<void>((done) => {
        const stop = () => {
          process.off("SIGTERM", stop);
          process.off("SIGINT", stop);
          done();
        };
        process.on("SIGTERM", stop);
        process.on("SIGINT", stop);
      });
      await running.close();
      cleanup();
      return ExitCode.ok;
    });
  },
});
