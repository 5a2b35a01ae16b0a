/**
 * The app lifecycle: configure, connect, migrate, listen, and shut down gracefully on SIGTERM /
 * SIGINT. A generated `server.js` is just `startApp(app)`.
 */
import { fileURLToPath } from "node:url";
import { openFileStore } from "./uploads/open.js";
import type { FileStore } from "./uploads/store.js";
import type { RunningGrpc } from "./grpc/server.js";
import { HttpSecurity } from "./security/index.js";
import type { Serving } from "./exchange.js";
import { Pipeline } from "./pipeline.js";
import { DEFAULT_ERROR_FORMAT } from "./error-shape.js";
import type { Logger } from "pino";
import type { AppDefinition, AppEnv } from "./app.js";
import { accessLogFromEnv, loadEnv, loadFileConfig, parseHttpLayer, portFromEnv, resolveAppEnv, type RawEnv } from "./config.js";
import { connectDataSources, StartupError, type DataSources } from "./data-sources.js";
import { createLogger, flushLog, resolveLogLevel } from "./logger.js";
import { tenantAuditedDriver } from "./tenant-audit.js";
import { tenantField } from "@kova/query";
import { createServerWith, resolveHttpLayer, type KovaServer, type ServerParts } from "./server.js";
import { redisConnection } from "./redis-options.js";
import { AuthConfigError, schemeKeys } from "./auth/keys.js";
import { sessionSecret } from "./auth/sessions.js";
import { securityOptions } from "./security/start-options.js";
import type { GraphqlEndpoint } from "./graphql/endpoint.js";
import type { TaskRuntime, ProcessRole } from "./tasks/task-runtime.js";
import type { ChangeFeed } from "./changes/change-feed.js";
import type { CacheRuntime } from "./cache/cache-runtime.js";
import { resolveMetrics, resolveTls, resolveTracing } from "./ops/config.js";
import type { Metrics } from "./ops/metrics.js";
import type { serveMetrics } from "./ops/metrics-server.js";
import type { Tracing } from "./ops/tracing.js";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { Server } from "node:http";
import type { AppBackups } from "./backups/index.js";
import { usesChanges } from "./changes/uses-changes.js";

/**
 * Set to "1" in the environment of a trial start: the app configures itself, connects its data
 * sources and migrates them, then exits 0 without listening (or exits 1 with the cause). `kova run
 * --workers N` runs one before forking, so start-up problems show once and migrations run once.
 */
export const PREFLIGHT_ENV = "KOVA_PREFLIGHT";

/**
 * Set to "1" by a parent that wants to hear over the IPC channel where the app listens:
 * `{ kova: "address", url }` just before listening (when the port is not 0) and
 * `{ kova: "listening", url }` once it accepts connections, with the real port. `kova run` and
 * `kova dev` print the URL from these, and `kova dev` switches over on "listening".
 */
export const NOTIFY_ENV = "KOVA_NOTIFY_LISTENING";

export interface ParentNotice {
  kova: "address" | "listening";
  url: string;
}

function notifyParent(kind: ParentNotice["kova"], url: string): void {
  if (process.env[NOTIFY_ENV] !== "1" || typeof process.send !== "function") return;
  process.send({ kova: kind, url } satisfies ParentNotice);
}

export interface StartOptions {
  /** Default: PORT (the environment, then `.env`), then kova.config.json, then 3000. */
  port?: number;
  /** Default: HOST (the environment, then `.env`), then kova.config.json, then 127.0.0.1. */
  host?: string;
  /** Where `.env`, `kova.config.json` and the embedded store live. Default: the working directory. */
  appDir?: string | URL;
  /** The environment to read instead of process.env (which is then left untouched). */
  env?: RawEnv;
  logLevel?: string;
  /**
   * One info line per answered request. Default: KOVA_ACCESS_LOG, then kova.config.json
   * `accessLog`, then off (`kova dev` sets KOVA_ACCESS_LOG=on).
   */
  accessLog?: boolean;
  logger?: Logger;
  bodyLimit?: number;
  shutdownTimeoutMs?: number;
  /**
   * Default true: a start-up failure prints its message and exits 1, SIGTERM/SIGINT shut down and
   * exit 0. False: startApp rejects with a StartupError and the caller owns the process.
   */
  manageProcess?: boolean;
  /**
   * Trace into this exporter (e.g. the SDK's InMemorySpanExporter in a test) instead of the
   * configured OTLP endpoint; turns tracing on.
   */
  traceExporter?: SpanExporter;
}

export interface RunningApp {
  readonly url: string;
  readonly server: KovaServer;
  readonly dataSources: DataSources;
  readonly log: Logger;
  /** Graceful stop: in-flight requests finish, then data sources close. Safe to call twice. */
  close(): Promise<void>;
  /** The task runtime, when the app declares TASKs. */
  readonly tasks?: TaskRuntime;
  /** The port the gRPC service listens on, when kova.config.json turns it on. */
  readonly grpcPort?: number;
  /** Where Prometheus scrapes, when metrics are on. */
  readonly metricsUrl?: string;
  /** The plain-HTTP port's URL beside HTTPS (redirecting or refusing), when configured. */
  readonly plainHttpUrl?: string;
}

/** KOVA_TASKS_POLL_MS and KOVA_TASKS_LEASE_GRACE_MS: how often idle workers look, and a lease's margin past the timeout. */
function taskTuning(env: RawEnv): { pollMs?: number; leaseGraceMs?: number; backend?: "embedded" } {
  const read = (name: string): number | undefined => {
    const value = env[name];
    if (value === undefined || value === "") return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 10) throw new StartupError(`${name} must be a whole number of milliseconds, at least 10`);
    return n;
  };
  const backend = env.KOVA_TASKS_BACKEND;
  if (backend !== undefined && backend !== "" && backend !== "embedded" && backend !== "redis") throw new StartupError(`KOVA_TASKS_BACKEND must be embedded or redis, not "${backend}"`);
  return { pollMs: read("KOVA_TASKS_POLL_MS"), leaseGraceMs: read("KOVA_TASKS_LEASE_GRACE_MS"), backend: backend === "embedded" ? "embedded" : undefined };
}

/** KOVA_CHANGES_POLL_MS and KOVA_CHANGES_BATCH_MS: the redelivery poll and the durable consumers' batch window. */
function changeTuning(env: RawEnv): { pollMs?: number; batchMs?: number } {
  const read = (name: string, min: number): number | undefined => {
    const value = env[name];
    if (value === undefined || value === "") return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new StartupError(`${name} must be a whole number of milliseconds, at least ${min}`);
    return n;
  };
  return { pollMs: read("KOVA_CHANGES_POLL_MS", 10), batchMs: read("KOVA_CHANGES_BATCH_MS", 0) };
}

/** KOVA_ROLE (set by `kova run --role`): `web`, `worker`, or both (default). */
function processRole(value: string | undefined): ProcessRole {
  if (value === undefined || value === "" || value === "all") return "all";
  if (value === "web" || value === "worker") return value;
  throw new StartupError(`KOVA_ROLE must be web, worker or all, not "${value}"`);
}

export async function startApp(app: AppDefinition, options: StartOptions = {}): Promise<RunningApp> {
  const manageProcess = options.manageProcess ?? true;
  try {
    return await start(app, options, manageProcess);
  } catch (error) {
    if (!manageProcess) throw error;
    // The message is the whole story for the person starting the app: no stack trace.
    const message = error instanceof Error ? error.message : String(error);
    // A folder the app may not write (the embedded store's .kova/): say how to fix it.
    const fix = /\b(EACCES|EPERM|EROFS)\b/.test(message) && !/listen|port/i.test(message) ? "; make the app folder writable for this user, or set KOVA_APP_DIR to a folder that is" : "";
    process.stderr.write(`${app.name}: cannot start: ${message}${fix}\n`);
    process.exit(1);
  }
}

async function start(app: AppDefinition, options: StartOptions, manageProcess: boolean): Promise<RunningApp> {
  const appDir = options.appDir === undefined ? process.cwd()
    : options.appDir instanceof URL ? fileURLToPath(options.appDir) : options.appDir;
  const env = loadEnv(appDir, options.env ?? process.env, options.env === undefined);
  const file = loadFileConfig(appDir);
  const appEnv = resolveAppEnv(app.env, env, appDir);
  let level: string;
  try {
    level = resolveLogLevel(options.logLevel ?? env.KOVA_LOG_LEVEL ?? file.logLevel, {});
  } catch (error) {
    throw new StartupError((error as Error).message);
  }
  const accessLog = options.accessLog ?? accessLogFromEnv(env) ?? file.accessLog ?? false;
  const log = options.logger ?? createLogger(app.name, level);
  const port = options.port ?? portFromEnv(env) ?? file.port ?? 3000;
  const host = options.host ?? (env.HOST || undefined) ?? file.host ?? "127.0.0.1";

  await checkAuthKeys(app, appEnv);
  const tls = resolveTls(file, env, appDir);
  // Before any data source opens: a missing or mismatched certificate is the whole story.
  if (tls !== undefined) (await import("./ops/tls.js")).readPair(tls);
  const requestedLayer = env.KOVA_HTTP === undefined || env.KOVA_HTTP === "" ? file.http : parseHttpLayer(env.KOVA_HTTP, "KOVA_HTTP");
  if (requestedLayer === "fast" && tls !== undefined) throw new StartupError('the fast HTTP layer (KOVA_HTTP=fast, kova run --http fast, "http": "fast") serves plain HTTP/1.1: serve TLS with node:http (KOVA_HTTP=node, the default with TLS), or terminate TLS in front of the app');
  const httpLayer = resolveHttpLayer(requestedLayer, tls !== undefined);
  const metricsConfig = resolveMetrics(file, env);
  const tracingConfig = resolveTracing(file, env, app.name);
  const connected = await connectDataSources(app, appDir, appEnv);
  if (manageProcess && process.env[PREFLIGHT_ENV] === "1") {
    // A trial start (see PREFLIGHT_ENV): configured, connected and migrated; go no further.
    await connected.close();
    process.exit(0);
  }
  let metrics: Metrics | undefined;
  let tracing: Tracing | undefined;
  try {
    metrics = metricsConfig === undefined ? undefined : await (await import("./ops/metrics.js")).Metrics.create();
    if (options.traceExporter !== undefined || tracingConfig !== undefined) {
      const { Tracing } = await import("./ops/tracing.js");
      tracing = await Tracing.start({ serviceName: tracingConfig?.serviceName ?? app.name, endpoint: tracingConfig?.endpoint, exporter: options.traceExporter });
    }
  } catch (error) {
    await connected.close().catch(() => {});
    throw error;
  }
  // Every statement timed and traced, tasks' too: wrapped before anything else holds the drivers.
  const observedDriver = metrics === undefined && tracing === undefined ? undefined : (await import("./ops/observed-driver.js")).observedDriver;
  const observed = observedDriver === undefined ? connected : connected.observed((name, driver) => observedDriver(name, driver, metrics, tracing));
  // TENANT BY: a by-id miss of a tenant's query leaves a warn line (tenant-audit.ts).
  const dataSources = app.dataSources.some((s) => s.entities.some((e) => tenantField(e) !== undefined))
    ? observed.observed((name, driver) => tenantAuditedDriver(driver, app.dataSources.find((s) => s.name === name)?.entities ?? [], log))
    : observed;
  metrics?.observe(dataSources);
  const role = processRole(env.KOVA_ROLE);
  let security;
  let tasks: TaskRuntime | undefined;
  let changes: ChangeFeed | undefined;
  let caches: CacheRuntime | undefined;
  let backups: AppBackups | undefined;
  try {
    security = securityOptions(app, file, env, dataSources, host, log);
    // Each feature's code loads only when the app or its configuration uses it (start-up cost).
    // Backups always: the control socket `kova db backup` talks to opens without a schedule too.
    backups = await (await import("./backups/index.js")).startBackups(dataSources, appDir, file.backups, log);
    // Before listening: an ENQUEUE from the first request already has its queue.
    if ((app.tasks ?? []).length > 0) tasks = await (await import("./tasks/task-runtime.js")).TaskRuntime.start(app, { dataSources, env: appEnv, log, appDir, role, ...taskTuning(env) });
    // ON handlers and caches follow committed writes; the feed starts before the first request.
    if (usesChanges(app)) changes = await (await import("./changes/start.js")).startChangeFeed(app, { dataSources, env: appEnv, log, tasks, ...changeTuning(env) });
    if (changes !== undefined && (app.caches ?? []).length > 0) caches = await (await import("./cache/cache-runtime.js")).CacheRuntime.start(app, { dataSources, env: appEnv, log, feed: changes });
  } catch (error) {
    await caches?.close().catch(() => {});
    await changes?.close().catch(() => {});
    await tasks?.close().catch(() => {});
    await backups?.close().catch(() => {});
    await dataSources.close().catch(() => {});
    throw error;
  }
  let graphql: GraphqlEndpoint | undefined;
  let files: FileStore;
  try {
    if (file.graphql !== undefined) graphql = await (await import("./graphql/endpoint.js")).graphqlFromConfig(app, file.graphql, dataSources, log);
    files = await openFileStore(appDir, file.uploads);
  } catch (error) {
    await tasks?.close().catch(() => {});
    await backups?.close().catch(() => {});
    await dataSources.close().catch(() => {});
    throw error instanceof StartupError ? error : new StartupError(`kova.config.json: ${(error as Error).message}`);
  }
  // The HTTP layers beyond node:http load only when configured.
  const parts: ServerParts = {
    FastServer: httpLayer === "fast" ? (await import("./http-fast/server.js")).FastServer : undefined,
    createTlsServer: tls === undefined ? undefined : (await import("./ops/tls.js")).createTlsServer,
  };
  const server = createServerWith(app, {
    tls,
    metrics,
    // On the public port only when they have no port of their own (then always behind the token).
    metricsToken: metricsConfig?.port === undefined ? metricsConfig?.token : undefined,
    tracing,
    graphql,
    security,
    maxHeaderSize: file.maxHeaderSize,
    logger: log,
    accessLog,
    env: appEnv,
    dataSources,
    bodyLimit: options.bodyLimit ?? file.bodyLimit,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? file.shutdownTimeoutMs,
    errors: file.errors,
    files,
    apiDocs: { openapi: file.openapi, docs: file.apiDocs },
    realtime: realtimeOptions(app, appEnv, env),
    compression: file.compression,
    http: httpLayer,
  }, parts);
  // Known before listening unless it is 0: `kova run` prints its URL and routes while the
  // socket opens, so they are on screen by the time a first request can be answered.
  if (manageProcess && port !== 0 && role !== "worker") notifyParent("address", `${tls === undefined ? "http" : "https"}://${host.includes(":") ? `[${host}]` : host}:${port}`);
  let metricsServer: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  let plainServer: Server | undefined;
  let plainHttpUrl: string | undefined;
  try {
    // A worker only runs jobs: it opens no port (kova run --role worker).
    if (role !== "worker") await server.listen(port, host);
    if (metrics !== undefined && metricsConfig?.port !== undefined) metricsServer = await (await import("./ops/metrics-server.js")).serveMetrics(metrics, metricsConfig.port, metricsConfig.host, metricsConfig.token);
    if (tls?.httpPort !== undefined && tls.http !== undefined && role !== "worker") {
      const plain = (await import("./ops/tls.js")).plainHttpServer(tls.http, () => Number(new URL(server.url).port), log);
      plainServer = plain;
      await new Promise<void>((resolve, reject) => {
        plain.once("error", reject);
        plain.listen(tls.httpPort, host, () => resolve());
      });
      plainHttpUrl = `http://${host.includes(":") ? `[${host}]` : host}:${(plain.address() as { port: number }).port}`;
      log.info({ action: tls.http }, `plain HTTP on ${plainHttpUrl} (${tls.http === "redirect" ? "redirected to HTTPS" : "refused"})`);
    }
  } catch (error) {
    await caches?.close().catch(() => {});
    await changes?.close().catch(() => {});
    await server.close().catch(() => {});
    await metricsServer?.close().catch(() => {});
    plainServer?.close();
    await tracing?.shutdown().catch(() => {});
    await tasks?.close().catch(() => {});
    await backups?.close().catch(() => {});
    await dataSources.close().catch(() => {});
    const code = (error as { code?: string }).code;
    if (code === "EADDRINUSE") throw new StartupError(`port ${port} on ${host} is already in use; set PORT to another port`);
    if (code === "EACCES") throw new StartupError(`no permission to listen on port ${port}`);
    throw new StartupError(`cannot listen on ${host}:${port}: ${(error as Error).message}`);
  }
  let grpc: RunningGrpc | undefined;
  if (file.grpc !== undefined && role !== "worker") {
    // The same pipeline and settings as HTTP, reached through gRPC (grpc/server.ts).
    const grpcSecurity = new HttpSecurity(app, appEnv, security, log);
    const serving: Serving = { env: appEnv, log, dataSources, security: grpcSecurity, errors: file.errors ?? DEFAULT_ERROR_FORMAT, files };
    try {
      grpc = await (await import("./grpc/server.js")).startGrpcServer(app, serving, grpcSecurity.withStages(new Pipeline()), { port: file.grpc.port, host: file.grpc.host ?? host });
    } catch (error) {
      await server.close().catch(() => {});
      await tasks?.close().catch(() => {});
      await dataSources.close().catch(() => {});
      throw error;
    }
  }
  if (role === "worker") {
    log.info({ tasks: (app.tasks ?? []).map((t) => t.name) }, "worker running tasks (no HTTP)");
  } else {
    if (manageProcess) notifyParent("listening", server.url);
    // Which HTTP/1.1 layer answers is in the log: an operator tracing a difference needs to know.
    log.info({ http: httpLayer }, `listening on ${server.url}`);
  }
  if (metricsServer !== undefined) log.info(`metrics on ${metricsServer.url}`);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      // Requests first (their ENQUEUEs land), then running jobs finish, then the stores close.
      if (role !== "worker") await server.close();
      await changes?.close();
      await caches?.close();
      await grpc?.close();
      if (plainServer !== undefined) await new Promise((resolve) => plainServer!.close(resolve));
      await tasks?.close();
      await backups?.close();
      await dataSources.close();
      // Last: the spans of the requests and jobs that just finished are sent before the exit.
      await metricsServer?.close();
      await tracing?.shutdown();
    })());
  const running: RunningApp = { url: role === "worker" ? "" : server.url, server, dataSources, log, close, tasks, grpcPort: grpc?.port, metricsUrl: metricsServer?.url ?? (metrics !== undefined && role !== "worker" ? `${server.url}/_kova/metrics` : undefined), plainHttpUrl };
  if (manageProcess) installSignalHandlers(running, tls !== undefined);
  return running;
}

function installSignalHandlers(running: RunningApp, reloadTlsOnHangup: boolean): void {
  // SIGHUP: a renewed certificate (cert-manager, certbot's deploy hook) for new connections; open
  // ones carry on. Handled without TLS too, so a stray hang-up never kills a serving process.
  process.on("SIGHUP", () => {
    if (reloadTlsOnHangup) running.server.reloadTls();
    else running.log.info("SIGHUP: nothing to reload (no TLS)");
  });
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      // A second signal means "now": skip the drain.
      process.exit(1);
    }
    signalled = true;
    running.log.info({ signal }, "shutting down: finishing in-flight requests");
    running.close().then(
      () => {
        flushLog(running.log);
        process.exit(0);
      },
      (error: unknown) => {
        running.log.error({ err: error }, "error while shutting down");
        flushLog(running.log);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  // Started by `kova run`/`kova dev` (an IPC channel to the parent): when the parent dies without
  // passing a signal on (kill -9, a crashed terminal), the channel closes; shut down rather than
  // keep serving as an orphan nobody can stop with Ctrl-C.
  if (process.env[NOTIFY_ENV] === "1" && typeof process.send === "function") {
    process.once("disconnect", () => {
      if (!signalled) onSignal("SIGTERM");
    });
  }
}

/** A short secret or an unreadable key stops the start with its reason, instead of 500s later. */
async function checkAuthKeys(app: AppDefinition, env: Parameters<typeof schemeKeys>[1]): Promise<void> {
  const schemes = new Set(app.routes.map((r) => r.auth?.scheme).filter((s) => s !== undefined));
  for (const scheme of schemes) {
    try {
      if (scheme.kind === "jwt") await schemeKeys(scheme, env);
      else if (scheme.kind === "session") sessionSecret(scheme, env);
    } catch (error) {
      if (error instanceof AuthConfigError) throw new StartupError(error.message);
      throw error;
    }
  }
}

/**
 * Rooms span processes through the app's Redis data source, when it has one and uses rooms;
 * KOVA_REALTIME_REDIS=off keeps them within each process. KOVA_STREAM_REPLAY: messages kept per
 * room for `Last-Event-ID` resume (default 100).
 */
function realtimeOptions(app: AppDefinition, appEnv: AppEnv, env: RawEnv): { redis?: object; replay?: number } {
  const replayText = env.KOVA_STREAM_REPLAY;
  const replay = replayText === undefined || replayText === "" ? undefined : Number(replayText);
  if (replay !== undefined && (!Number.isSafeInteger(replay) || replay < 0 || replay > 100_000)) throw new StartupError(`KOVA_STREAM_REPLAY must be a whole number from 0 to 100000, not "${replayText}"`);
  const redis = app.dataSources.find((d) => d.driver === "redis");
  const usesRooms = (app.sockets ?? []).length > 0 || app.routes.some((r) => r.stream === true || r.broadcasts === true);
  if (redis === undefined || !usesRooms || env.KOVA_REALTIME_REDIS === "off") return { replay };
  return { redis: redisConnection(redis.options(appEnv)), replay };
}
