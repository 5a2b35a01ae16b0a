/**
 * Turns kova.config.json, the environment and the connected data sources into the SecurityOptions
 * `startApp` gives the server. This is also where the rate-limit store is chosen: the app's Redis
 * is the program's `CONNECT … USING redis(…)` data source (the first one, or the one
 * `rateLimitStore` names); without one, or with `rateLimitStore: "memory"`, each process counts alone.
 */
import type { Logger } from "pino";
import type { AppDefinition } from "../app.js";
import type { FileConfig, RawEnv } from "../config.js";
import { StartupError, type DataSources } from "../data-sources.js";
import { securityFromEnv } from "./config.js";
import type { SecurityOptions } from "./index.js";
import type { ScriptRunner } from "./rate-limit/redis-store.js";

export function securityOptions(app: AppDefinition, file: FileConfig, env: RawEnv, dataSources: DataSources, listenHost: string | undefined, log: Logger): SecurityOptions {
  const fromEnv = securityFromEnv(env);
  const options: SecurityOptions = {
    allowedHosts: fromEnv.allowedHosts ?? file.allowedHosts,
    trustProxy: fromEnv.trustProxy ?? file.trustProxy,
    production: env.NODE_ENV === "production",
    listenHost,
    hstsSeconds: file.hsts,
    cors: file.cors,
    crossOriginWrites: file.crossOriginWrites,
  };
  options.rateLimitScript = sharedRateLimitScript(app, file.rateLimitStore, dataSources, log);
  return options;
}

/** The Redis script runner rate limits share, or undefined to count in this process (see the file comment). */
export function sharedRateLimitScript(app: AppDefinition, setting: string | undefined, dataSources: DataSources, log: Logger): ScriptRunner | undefined {
  const limited = app.security?.rateLimit !== undefined || app.routes.some((r) => r.rateLimit !== undefined);
  if (!limited) return undefined;
  const store = rateLimitStore(app, setting, dataSources);
  if (store === undefined) return undefined;
  log.info({ dataSource: store.name }, "rate limits are shared through Redis");
  return (script, keys, args) => store.driver.evalScript!(script, keys.map((k) => `kova:ratelimit:${k}`), args);
}

function rateLimitStore(app: AppDefinition, setting: string | undefined, dataSources: DataSources) {
  if (setting === "memory") return undefined;
  const redisSources = app.dataSources.filter((s) => s.driver === "redis").map((s) => s.name);
  const name = setting ?? redisSources[0];
  if (name === undefined) return undefined;
  if (!app.dataSources.some((s) => s.name === name)) {
    throw new StartupError(`rateLimitStore: no data source named "${name}" (the app has: ${app.dataSources.map((s) => s.name).join(", ") || "none"}); use "memory" or a Redis data source`);
  }
  const driver = dataSources.get(name);
  if (typeof driver.evalScript !== "function") {
    throw new StartupError(`rateLimitStore: data source "${name}" is not Redis; rate limits can be shared only through a Redis data source (or use "memory")`);
  }
  return { name, driver };
}
