/**
 * Start-up configuration: environment (real env over `.env`), required variables, and the optional
 * `kova.config.json`. Every problem is a StartupError with a message meant for the person running
 * the app.
 */
import type { GraphqlConfig } from "./graphql/endpoint.js";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { AppEnv, EnvRequirement } from "./app.js";
import type { UploadsConfig } from "./uploads/open.js";
import { StartupError } from "./data-sources.js";
import { SECURITY_CONFIG, type SecurityFileConfig } from "./security/config.js";
import { parseErrorFormat, type ErrorFormat } from "./error-shape.js";
import { parseCompressionConfig, type CompressionConfig } from "./compression/index.js";
import { OPS_CONFIG, type OpsFileConfig } from "./ops/config.js";
import { parseBackupConfig, type BackupConfig } from "./backups/schedule.js";

export type RawEnv = Readonly<Record<string, string | undefined>>;

export interface FileConfig extends SecurityFileConfig, OpsFileConfig {
  port?: number;
  /** The error shape and the status of validation failures (error-shape.ts). */
  errors?: ErrorFormat;
  host?: string;
  bodyLimit?: number;
  logLevel?: string;
  /** One info line per answered request (see logger.ts); default off, `kova dev` turns it on. */
  accessLog?: boolean;
  shutdownTimeoutMs?: number;
  /** Where the OpenAPI document is served (a path), or false: not served. Default `/_kova/openapi.json`. */
  openapi?: string | boolean;
  /** Where the interactive API docs page is served (a path), or false: not served. Default `/_kova/docs`. */
  apiDocs?: string | boolean;
  /** GraphQL over the entities: true (every entity, at /graphql), or its settings; default off. */
  graphql?: boolean | GraphqlConfig;
  /** Gzip/brotli responses: true (the defaults) or settings (compression/options.ts); default off. */
  compression?: boolean | CompressionConfig;
  /** Where uploaded files are kept: `dir` (relative to the app folder; default `.kova/uploads`) or an S3-compatible bucket (`s3`). */
  uploads?: UploadsConfig;
  /** Serve the app's gRPC service (grpc/server.ts) on this port (0: any free one) and host (default: the HTTP host). */
  grpc?: { port: number; host?: string };
  /** Backups the app takes itself (backups/schedule.ts); written by `kova db backup schedule`. */
  backups?: BackupConfig;
  /** The HTTP/1.1 layer: "fast" (http-fast/, the default for plain HTTP) or "node" (node:http, the default with TLS); KOVA_HTTP overrides it. */
  http?: "node" | "fast";
}

/** `"http"` in kova.config.json, or KOVA_HTTP (`kova run --http`): which HTTP/1.1 layer serves the app. */
export function parseHttpLayer(value: unknown, where: string): "node" | "fast" {
  if (value !== "node" && value !== "fast") throw new StartupError(`${where} must be "fast" (Node's own HTTP parser on node:net, the default for plain HTTP) or "node" (node:http), not ${JSON.stringify(value)}`);
  return value;
}

function grpcConfig(value: unknown, where: string): { port: number; host?: string } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new StartupError(`${where}: "grpc" must be an object such as { "port": 50051 }`);
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) if (key !== "port" && key !== "host") throw new StartupError(`${where}: unknown "grpc" setting "${key}"; known: port, host`);
  if (!Number.isInteger(v.port) || (v.port as number) < 0 || (v.port as number) > 65535) throw new StartupError(`${where}: "grpc.port" must be a whole number from 0 to 65535`);
  if (v.host !== undefined && (typeof v.host !== "string" || v.host === "")) throw new StartupError(`${where}: "grpc.host" must be a host name or address`);
  return v as { port: number; host?: string };
}

function uploadsConfig(value: unknown, where: string): UploadsConfig {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new StartupError(`${where}: "uploads" must be an object such as { "dir": "uploads" } or { "s3": { "bucket": "my-bucket" } }`);
  for (const [key, v] of Object.entries(value)) {
    if (key === "s3") {
      s3Config(v, where);
      continue;
    }
    if (key !== "dir") throw new StartupError(`${where}: unknown "uploads" setting "${key}"; known: dir, s3`);
    if (typeof v !== "string" || v.trim() === "") throw new StartupError(`${where}: "uploads.dir" must be a folder path`);
  }
  if ("dir" in value && "s3" in value) throw new StartupError(`${where}: "uploads" has both "dir" and "s3"; uploads go to one place: keep one`);
  return value as UploadsConfig;
}

const S3_SETTINGS: Record<string, "string" | "boolean"> = { bucket: "string", endpoint: "string", region: "string", prefix: "string", forcePathStyle: "boolean" };

function s3Config(value: unknown, where: string): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new StartupError(`${where}: "uploads.s3" must be an object such as { "bucket": "my-bucket", "endpoint": "http://127.0.0.1:9000" }`);
  for (const [key, v] of Object.entries(value)) {
    const kind = S3_SETTINGS[key];
    if (kind === undefined) {
      const hint = /key|secret|credential/i.test(key) ? " (credentials come from the environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, never from this file)" : "";
      throw new StartupError(`${where}: unknown "uploads.s3" setting "${key}"; known: ${Object.keys(S3_SETTINGS).join(", ")}${hint}`);
    }
    if (typeof v !== kind || (kind === "string" && (v as string).trim() === "")) throw new StartupError(`${where}: "uploads.s3.${key}" must be ${kind === "string" ? "a non-empty string" : "true or false"}`);
  }
  const s3 = value as { bucket?: string; endpoint?: string };
  if (s3.bucket === undefined) throw new StartupError(`${where}: "uploads.s3" needs a "bucket"`);
  if (s3.endpoint !== undefined && !/^https?:\/\//.test(s3.endpoint)) throw new StartupError(`${where}: "uploads.s3.endpoint" must be an http:// or https:// URL, such as "http://127.0.0.1:9000"`);
}

type GraphqlSettingKind = "path" | "boolean" | "number" | "names" | "access" | "accessMap" | "endpoints" | "introspection";

const GRAPHQL_KEYS: Readonly<Record<keyof GraphqlConfig, GraphqlSettingKind>> = {
  path: "path", entities: "names", exclude: "names", mutations: "boolean", endpoints: "endpoints", maxDepth: "number", maxLimit: "number", maxCost: "number",
  introspection: "introspection", read: "access", write: "access", access: "accessMap",
};

const isNames = (v: unknown): boolean => Array.isArray(v) && v.every((n) => typeof n === "string");
const isAccess = (v: unknown): boolean => v === "public" || v === "authenticated" || (isNames(v) && (v as unknown[]).length > 0);

const GRAPHQL_CHECKS: Readonly<Record<GraphqlSettingKind, [(v: unknown) => boolean, string]>> = {
  path: [(v) => typeof v === "string" && v.startsWith("/"), 'a path starting with "/"'],
  boolean: [(v) => typeof v === "boolean", "true or false"],
  number: [(v) => Number.isInteger(v) && (v as number) > 0, "a whole number above 0"],
  names: [isNames, "a list of entity names"],
  endpoints: [(v) => typeof v === "boolean" || isNames(v), "true, false or a list of operationIds"],
  introspection: [(v) => typeof v === "boolean" || v === "development", 'true, false or "development" (off when NODE_ENV=production)'],
  access: [isAccess, '"public", "authenticated" or a list of roles'],
  accessMap: [
    (v) => typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((p) => typeof p === "object" && p !== null && !Array.isArray(p) && Object.entries(p).every(([k, a]) => (k === "read" || k === "write") && isAccess(a))),
    'an object of entity names to { "read": …, "write": … }, each "public", "authenticated" or a list of roles',
  ],
};

function graphqlConfig(value: unknown, where: string): boolean | GraphqlConfig {
  if (typeof value === "boolean") return value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new StartupError(`${where}: "graphql" must be true, false or an object of settings`);
  for (const [key, v] of Object.entries(value)) {
    const kind = GRAPHQL_KEYS[key as keyof GraphqlConfig];
    if (kind === undefined) throw new StartupError(`${where}: unknown "graphql" setting "${key}"; known: ${Object.keys(GRAPHQL_KEYS).join(", ")}`);
    const [ok, expected] = GRAPHQL_CHECKS[kind];
    if (!ok(v)) throw new StartupError(`${where}: "graphql.${key}" must be ${expected}`);
  }
  return value as GraphqlConfig;
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return undefined;
    throw new StartupError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

/** dotenv's parser, loaded on first use: an app without a `.env` file does not pay for it at start-up. */
let dotenvParse: ((text: string) => Record<string, string>) | undefined;
function parseDotenv(): (text: string) => Record<string, string> {
  return (dotenvParse ??= (createRequire(import.meta.url)("dotenv") as typeof import("dotenv")).parse);
}

/**
 * The environment the app runs with: `base` (process.env unless given) over `<appDir>/.env`.
 * When `writeBack` is set, `.env` values are also put into process.env (without overriding), as
 * dotenv does, so libraries reading process.env see them too.
 */
export function loadEnv(appDir: string, base: RawEnv, writeBack: boolean, file = ".env"): RawEnv {
  const text = readOptional(join(appDir, file));
  if (text === undefined) return base;
  const fromFile = parseDotenv()(text);
  if (writeBack) {
    for (const [name, value] of Object.entries(fromFile)) {
      if (process.env[name] === undefined) process.env[name] = value;
    }
  }
  return { ...fromFile, ...definedOnly(base) };
}

function definedOnly(env: RawEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) out[name] = value;
  return out;
}

/**
 * The app's declared variables with defaults applied. An unset or empty variable without a default
 * is missing; all missing ones are reported together so one restart fixes them all.
 */
export function resolveAppEnv(requirements: readonly EnvRequirement[], env: RawEnv, appDir: string): AppEnv {
  const resolved: Record<string, string> = {};
  const missing: string[] = [];
  for (const requirement of requirements) {
    const value = env[requirement.name];
    if (value !== undefined && value !== "") resolved[requirement.name] = value;
    else if (requirement.default !== undefined) resolved[requirement.name] = requirement.default;
    else missing.push(requirement.name);
  }
  if (missing.length > 0) {
    const noun = missing.length === 1 ? "variable" : "variables";
    throw new StartupError(
      `missing required environment ${noun}: ${missing.join(", ")}. ` +
        `Set ${missing.length === 1 ? "it" : "them"} in the environment or in ${join(appDir, ".env")}.`,
    );
  }
  return Object.freeze(resolved);
}

const FILE_CONFIG_TYPES: Record<Exclude<keyof FileConfig, keyof SecurityFileConfig | keyof OpsFileConfig | keyof typeof API_CONFIG | "graphql" | "errors" | "compression" | "uploads" | "grpc" | "backups" | "http">, "number" | "string" | "boolean"> = {
  port: "number",
  host: "string",
  bodyLimit: "number",
  logLevel: "string",
  accessLog: "boolean",
  shutdownTimeoutMs: "number",
};

/** The API description settings: true (the default path), false (off) or a path. */
const API_CONFIG = { openapi: true, apiDocs: true } as const;

export function loadFileConfig(appDir: string): FileConfig {
  const path = join(appDir, "kova.config.json");
  const text = readOptional(path);
  if (text === undefined) return {};
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new StartupError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new StartupError(`${path} must contain a JSON object`);
  }
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const security = SECURITY_CONFIG[key as keyof SecurityFileConfig];
    if (security !== undefined) {
      config[key] = security(value, `${path}: "${key}"`);
      continue;
    }
    const ops = OPS_CONFIG[key as keyof OpsFileConfig];
    if (ops !== undefined) {
      config[key] = ops(value, `${path}: "${key}"`);
      continue;
    }
    if (key === "errors") {
      config.errors = parseErrorFormat(value, `${path}: "errors"`);
      continue;
    }
    if (key === "graphql") {
      config.graphql = graphqlConfig(value, path);
      continue;
    }
    if (key === "backups") {
      config.backups = parseBackupConfig(value, `${path}: "backups"`);
      continue;
    }
    if (key === "http") {
      config.http = parseHttpLayer(value, `${path}: "http"`);
      continue;
    }
    if (key === "grpc") {
      config.grpc = grpcConfig(value, path);
      continue;
    }
    if (key === "uploads") {
      config.uploads = uploadsConfig(value, path);
      continue;
    }
    if (key === "compression") {
      const parsed = parseCompressionConfig(value, `${path}: "compression"`);
      if (typeof parsed === "string") throw new StartupError(parsed);
      config.compression = parsed;
      continue;
    }
    if (Object.hasOwn(API_CONFIG, key)) {
      if (typeof value !== "boolean" && !(typeof value === "string" && value.startsWith("/"))) {
        throw new StartupError(`${path}: "${key}" must be true, false or a path starting with "/"`);
      }
      config[key] = value;
      continue;
    }
    const expected = FILE_CONFIG_TYPES[key as keyof typeof FILE_CONFIG_TYPES];
    if (expected === undefined) {
      throw new StartupError(`${path}: unknown setting "${key}"; known: ${[...Object.keys(FILE_CONFIG_TYPES), "errors", ...Object.keys(API_CONFIG), "graphql", "compression", "uploads", "grpc", "backups", "http", ...Object.keys(SECURITY_CONFIG), ...Object.keys(OPS_CONFIG)].join(", ")}`);
    }
    if (typeof value !== expected || (expected === "number" && !(Number.isInteger(value) && (value as number) >= 0))) {
      throw new StartupError(`${path}: "${key}" must be ${expected === "number" ? "a non-negative integer" : expected === "boolean" ? "true or false" : "a string"}`);
    }
    if (key === "port" && (value as number) > 65535) throw new StartupError(`${path}: "port" must be from 0 to 65535, got ${value}`);
    config[key] = value;
  }
  return config as FileConfig;
}

/** KOVA_ACCESS_LOG from the environment: on/off (also true/false, 1/0); unset or empty is undefined. */
export function accessLogFromEnv(env: RawEnv): boolean | undefined {
  const raw = env.KOVA_ACCESS_LOG;
  if (raw === undefined || raw === "") return undefined;
  const value = raw.trim().toLowerCase();
  if (value === "on" || value === "true" || value === "1") return true;
  if (value === "off" || value === "false" || value === "0") return false;
  throw new StartupError(`KOVA_ACCESS_LOG must be on or off, got "${raw}"`);
}

/**
 * A port as text: decimal digits only, 0 to 65535. `Number()` alone would take "0x10", "1e3", " 8"
 * and "8.0", so a typo could put the app on a port nobody meant.
 */
export function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

/** PORT from the environment (real env over `.env`), checked. */
export function portFromEnv(env: RawEnv): number | undefined {
  const raw = env.PORT;
  if (raw === undefined || raw === "") return undefined;
  const port = parsePort(raw);
  if (port === undefined) throw new StartupError(`PORT must be a whole number from 0 to 65535, got "${raw}"`);
  return port;
}
