/**
 * The app lifecycle: configure, connect, migrate, listen, and shut down gracefully on SIGTERM /
 * SIGINT. A generated `server.js` is just `startApp(app)`.
 */
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import type { AppDefinition } from "./app.js";
import { accessLogFromEnv, loadEnv, loadFileConfig, portFromEnv, resolveAppEnv, type RawEnv } from "./config.js";
import { connectDataSources, StartupError, type DataSources } from "./data-sources.js";
import { createLogger, flushLog, resolveLogLevel } from "./logger.js";
import { createServer, type KovaServer } from "./server.js";
import { AuthConfigError, schemeKeys } from "./auth/keys.js";
import { sessionSecret } from "./auth/sessions.js";
import { securityOptions } from "./security/start-options.js";
import { graphqlFromConfig, type GraphqlEndpoint } from "./graphql/endpoint.js";
import { DEFAULT_BODY_LIMIT } from "./body.js";
import { TaskRuntime, type ProcessRole } from "./tasks/task-runtime.js";

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
  const dataSources = await connectDataSources(app, appDir, appEnv);
  if (manageProcess && process.env[PREFLIGHT_ENV] === "1") {
    // A trial start (see PREFLIGHT_ENV): configured, connected and migrated; go no further.
    await dataSources.close();
    process.exit(0);
  }
  const role = processRole(env.KOVA_ROLE);
  let security;
  let tasks: TaskRuntime | undefined;
  try {
    security = securityOptions(app, file, env, dataSources, host, log);
    // Before listening: an ENQUEUE from the first request already has its queue.
    if ((app.tasks ?? []).length > 0) tasks = await TaskRuntime.start(app, { dataSources, env: appEnv, log, appDir, role, ...taskTuning(env) });
  } catch (error) {
    await dataSources.close().catch(() => {});
    throw error;
  }
  let graphql: GraphqlEndpoint | undefined;
  try {
    graphql = await graphqlFromConfig(app, file.graphql, dataSources, log);
  } catch (error) {
    await dataSources.close().catch(() => {});
    throw new StartupError(`kova.config.json: ${(error as Error).message}`);
  }
  const server = createServer(app, {
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
    apiDocs: { openapi: file.openapi, docs: file.apiDocs },
  });
  // Known before listening unless it is 0: `kova run` prints its URL and routes while the
  // socket opens, so they are on screen by the time a first request can be answered.
  if (manageProcess && port !== 0 && role !== "worker") notifyParent("address", `http://${host.includes(":") ? `[${host}]` : host}:${port}`);
  try {
    // A worker only runs jobs: it opens no port (kova run --role worker).
    if (role !== "worker") await server.listen(port, host);
  } catch (error) {
    await tasks?.close().catch(() => {});
    await dataSources.close().catch(() => {});
    const code = (error as { code?: string }).code;
    if (code === "EADDRINUSE") throw new StartupError(`port ${port} on ${host} is already in use; set PORT to another port`);
    if (code === "EACCES") throw new StartupError(`no permission to listen on port ${port}`);
    throw new StartupError(`cannot listen on ${host}:${port}: ${(error as Error).message}`);
  }
  if (role === "worker") {
    log.info({ tasks: (app.tasks ?? []).map((t) => t.name) }, "worker running tasks (no HTTP)");
  } else {
    if (manageProcess) notifyParent("listening", server.url);
    log.info(`listening on ${server.url}`);
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      // Requests first (their ENQUEUEs land), then running jobs finish, then the stores close.
      if (role !== "worker") await server.close();
      await tasks?.close();
      await dataSources.close();
    })());
  const running: RunningApp = { url: role === "worker" ? "" : server.url, server, dataSources, log, close, tasks };
  if (manageProcess) installSignalHandlers(running);
  return running;
}

function installSignalHandlers(running: RunningApp): void {
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
