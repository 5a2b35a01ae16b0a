/**
 * The operations settings of kova.config.json, each overridable from the environment (the
 * environment wins, so one image runs in every stage):
 *
 *   tls       { "cert": "tls/cert.pem", "key": "tls/key.pem", "http2": true,
 *               "httpPort": 8080, "http": "redirect" | "refuse" }
 *             env KOVA_TLS_CERT, KOVA_TLS_KEY, KOVA_TLS_HTTP2, KOVA_TLS_HTTP_PORT, KOVA_TLS_HTTP
 *             (`kova run --tls-cert --tls-key` sets the first two)
 *   metrics   { "port": 9464, "host": "0.0.0.0" }  (a port of their own, off the public one), or
 *             { "tokenEnv": "METRICS_TOKEN" }     (on the public port, behind a bearer token), or false
 *             env KOVA_METRICS_PORT, KOVA_METRICS_HOST, KOVA_METRICS_TOKEN_ENV
 *   tracing   { "endpoint": "http://collector:4318/v1/traces", "serviceName": "shop" } or false
 *             env OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/traces),
 *             OTEL_SERVICE_NAME; KOVA_TRACING=off turns it off
 *
 * Every problem is a StartupError naming the setting.
 */
import { isAbsolute, resolve } from "node:path";
import type { RawEnv } from "../config.js";
import { parsePort } from "../config.js";
import { StartupError } from "../data-sources.js";

export interface TlsConfig {
  cert: string;
  key: string;
  /** Serve HTTP/2 (ALPN h2, falling back to http/1.1). Default false. */
  http2?: boolean;
  /** A plain-HTTP port beside the TLS one, answering every request with `http`. */
  httpPort?: number;
  /** What the plain-HTTP port does: 308 to the https URL (default), or a 403 problem. */
  http?: "redirect" | "refuse";
}

export interface MetricsConfig {
  port?: number;
  host?: string;
  /** The name of the environment variable holding the bearer token `/_kova/metrics` asks for. */
  tokenEnv?: string;
}

export interface TracingConfig {
  endpoint?: string;
  serviceName?: string;
}

export interface OpsFileConfig {
  tls?: TlsConfig;
  metrics?: MetricsConfig | false;
  tracing?: TracingConfig | false;
}

function object(value: unknown, where: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new StartupError(`${where} must be an object`);
  for (const key of Object.keys(value)) if (!keys.includes(key)) throw new StartupError(`${where}: unknown setting "${key}"; known: ${keys.join(", ")}`);
  return value as Record<string, unknown>;
}

function text(value: unknown, where: string): string {
  if (typeof value !== "string" || value === "") throw new StartupError(`${where} must be a non-empty string`);
  return value;
}

function port(value: unknown, where: string): number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 65535) throw new StartupError(`${where} must be a port from 0 to 65535`);
  return value as number;
}

export const OPS_CONFIG: Record<keyof OpsFileConfig, (value: unknown, where: string) => unknown> = {
  tls(value, where) {
    const o = object(value, where, ["cert", "key", "http2", "httpPort", "http"]);
    const out: TlsConfig = { cert: text(o.cert, `${where}.cert`), key: text(o.key, `${where}.key`) };
    if (o.http2 !== undefined) {
      if (typeof o.http2 !== "boolean") throw new StartupError(`${where}.http2 must be true or false`);
      out.http2 = o.http2;
    }
    if (o.httpPort !== undefined) out.httpPort = port(o.httpPort, `${where}.httpPort`);
    if (o.http !== undefined) out.http = plainHttp(o.http, `${where}.http`);
    return out;
  },
  metrics(value, where) {
    if (value === false) return false;
    const o = object(value, where, ["port", "host", "tokenEnv"]);
    const out: MetricsConfig = {};
    if (o.port !== undefined) out.port = port(o.port, `${where}.port`);
    if (o.host !== undefined) out.host = text(o.host, `${where}.host`);
    if (o.tokenEnv !== undefined) out.tokenEnv = text(o.tokenEnv, `${where}.tokenEnv`);
    return out;
  },
  tracing(value, where) {
    if (value === false) return false;
    const o = object(value, where, ["endpoint", "serviceName"]);
    const out: TracingConfig = {};
    if (o.endpoint !== undefined) out.endpoint = url(o.endpoint, `${where}.endpoint`);
    if (o.serviceName !== undefined) out.serviceName = text(o.serviceName, `${where}.serviceName`);
    return out;
  },
};

function plainHttp(value: unknown, where: string): "redirect" | "refuse" {
  if (value !== "redirect" && value !== "refuse") throw new StartupError(`${where} must be "redirect" or "refuse", not ${JSON.stringify(value)}`);
  return value;
}

function url(value: unknown, where: string): string {
  const s = text(value, where);
  try {
    const u = new URL(s);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error();
  } catch {
    throw new StartupError(`${where} must be an http(s) URL, not ${JSON.stringify(s)}`);
  }
  return s;
}

function envPort(env: RawEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const p = parsePort(raw);
  if (p === undefined) throw new StartupError(`${name} must be a whole number from 0 to 65535, got "${raw}"`);
  return p;
}

/** The TLS settings in force (paths resolved against the app folder), or undefined: plain HTTP. */
export function resolveTls(file: OpsFileConfig, env: RawEnv, appDir: string): TlsConfig | undefined {
  const cert = env.KOVA_TLS_CERT || file.tls?.cert;
  const key = env.KOVA_TLS_KEY || file.tls?.key;
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined) throw new StartupError(`TLS needs both a certificate and a key: set ${cert === undefined ? "KOVA_TLS_CERT (kova run --tls-cert)" : "KOVA_TLS_KEY (kova run --tls-key)"} too`);
  const http2Raw = env.KOVA_TLS_HTTP2;
  let http2 = file.tls?.http2 ?? false;
  if (http2Raw !== undefined && http2Raw !== "") {
    if (!["on", "off", "true", "false", "1", "0"].includes(http2Raw)) throw new StartupError(`KOVA_TLS_HTTP2 must be on or off, got "${http2Raw}"`);
    http2 = ["on", "true", "1"].includes(http2Raw);
  }
  const action = env.KOVA_TLS_HTTP ? plainHttp(env.KOVA_TLS_HTTP, "KOVA_TLS_HTTP") : file.tls?.http;
  const httpPort = envPort(env, "KOVA_TLS_HTTP_PORT") ?? file.tls?.httpPort;
  if (action !== undefined && httpPort === undefined) throw new StartupError(`plain HTTP is set to "${action}" but no port is given for it: set tls.httpPort in kova.config.json or KOVA_TLS_HTTP_PORT`);
  const at = (p: string) => (isAbsolute(p) ? p : resolve(appDir, p));
  return { cert: at(cert), key: at(key), http2, httpPort, http: action ?? (httpPort === undefined ? undefined : "redirect") };
}

export interface ResolvedMetrics {
  /** Served on a port of its own. */
  port?: number;
  host: string;
  /** Served on the public port, to requests bearing this token. */
  token?: string;
}

/** The metrics settings in force, or undefined: no metrics. */
export function resolveMetrics(file: OpsFileConfig, env: RawEnv): ResolvedMetrics | undefined {
  const fromFile = file.metrics === false ? undefined : file.metrics;
  const portValue = envPort(env, "KOVA_METRICS_PORT") ?? fromFile?.port;
  const tokenEnv = env.KOVA_METRICS_TOKEN_ENV || fromFile?.tokenEnv;
  if (portValue === undefined && tokenEnv === undefined) {
    if (fromFile !== undefined) throw new StartupError(`kova.config.json: "metrics" needs "port" (served off the public port) or "tokenEnv" (on it, behind a bearer token); metrics are never public`);
    return undefined;
  }
  const host = env.KOVA_METRICS_HOST || fromFile?.host || "127.0.0.1";
  if (tokenEnv === undefined) return { port: portValue, host };
  const token = env[tokenEnv];
  if (token === undefined || token.length < 16) throw new StartupError(`metrics are served behind the token in ${tokenEnv}, which is ${token === undefined ? "not set" : "shorter than 16 characters"}`);
  return { port: portValue, host, token };
}

/** The tracing settings in force, or undefined: no tracing. */
export function resolveTracing(file: OpsFileConfig, env: RawEnv, appName: string): { endpoint?: string; serviceName: string } | undefined {
  if (env.KOVA_TRACING === "off" || file.tracing === false) return undefined;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || (base ? `${base.replace(/\/+$/, "")}/v1/traces` : undefined) || file.tracing?.endpoint;
  if (endpoint === undefined && file.tracing === undefined) return undefined;
  if (endpoint === undefined) throw new StartupError(`kova.config.json: "tracing" needs "endpoint" (an OTLP/HTTP traces URL) or OTEL_EXPORTER_OTLP_ENDPOINT`);
  return { endpoint: url(endpoint, "the OTLP traces endpoint"), serviceName: env.OTEL_SERVICE_NAME || file.tracing?.serviceName || appName };
}
