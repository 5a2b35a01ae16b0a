/**
 * The security settings of kova.config.json and the environment, checked at start-up. Everything
 * here is per deployment (host names, proxies, origins differ between staging and production);
 * what the program itself declares (CORS, RATE_LIMIT) is in the .kova source.
 *
 *   allowedHosts       ["api.example.com", ".example.com"]   (env KOVA_ALLOWED_HOSTS, comma-separated)
 *   trustProxy         1 (proxy hops) or ["10.0.0.0/8"]       (env KOVA_TRUST_PROXY)
 *   hsts               seconds of Strict-Transport-Security on HTTPS requests, 0 = off
 *   cors               { origins, methods, headers, expose, credentials, maxAge } or false: replaces the program's CORS
 *   crossOriginWrites  "refuse" (default) or "allow"
 *   rateLimitStore     "memory", or the name of a Redis data source (default: the program's first one)
 *   maxHeaderSize      bytes of request line and headers (default Node's 16 KiB)
 */
import type { CorsDefinition } from "../app.js";
import type { RawEnv } from "../config.js";
import { StartupError } from "../data-sources.js";
import type { TrustProxy } from "./client-address.js";

export interface SecurityFileConfig {
  allowedHosts?: string[];
  trustProxy?: TrustProxy;
  hsts?: number;
  cors?: CorsDefinition | false;
  crossOriginWrites?: "refuse" | "allow";
  rateLimitStore?: string;
  maxHeaderSize?: number;
}

const CORS_KEYS = ["origins", "methods", "headers", "expose", "credentials", "maxAge"];

type Check = (value: unknown, where: string) => unknown;

const stringList = (value: unknown, where: string): string[] => {
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) throw new StartupError(`${where} must be a list of strings`);
  return value as string[];
};

const wholeNumber = (value: unknown, where: string): number => {
  if (!Number.isInteger(value) || (value as number) < 0) throw new StartupError(`${where} must be a non-negative integer`);
  return value as number;
};

export const SECURITY_CONFIG: Record<keyof SecurityFileConfig, Check> = {
  allowedHosts: stringList,
  trustProxy: (value, where) => {
    if (value === false) return false;
    if (Number.isInteger(value) && (value as number) >= 0) return value;
    if (Array.isArray(value)) return stringList(value, where);
    throw new StartupError(`${where} must be false, a number of proxy hops, or a list of proxy addresses / CIDR ranges`);
  },
  hsts: wholeNumber,
  cors: (value, where) => {
    if (value === false) return false;
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new StartupError(`${where} must be an object or false`);
    const cors = value as Record<string, unknown>;
    for (const key of Object.keys(cors)) {
      if (!CORS_KEYS.includes(key)) throw new StartupError(`${where}: unknown setting "${key}"; known: ${CORS_KEYS.join(", ")}`);
    }
    if (cors.origins === undefined) throw new StartupError(`${where} needs "origins", e.g. ["https://app.example.com"]`);
    const out: CorsDefinition = { origins: stringList(cors.origins, `${where}.origins`) };
    if (cors.methods !== undefined) out.methods = stringList(cors.methods, `${where}.methods`);
    if (cors.headers !== undefined) out.headers = stringList(cors.headers, `${where}.headers`);
    if (cors.expose !== undefined) out.expose = stringList(cors.expose, `${where}.expose`);
    if (cors.credentials !== undefined) {
      if (typeof cors.credentials !== "boolean") throw new StartupError(`${where}.credentials must be true or false`);
      out.credentials = cors.credentials;
    }
    if (cors.maxAge !== undefined) out.maxAgeSeconds = wholeNumber(cors.maxAge, `${where}.maxAge`);
    return out;
  },
  crossOriginWrites: (value, where) => {
    if (value !== "refuse" && value !== "allow") throw new StartupError(`${where} must be "refuse" or "allow"`);
    return value;
  },
  rateLimitStore: (value, where) => {
    if (typeof value !== "string" || value === "") throw new StartupError(`${where} must be "memory" or the name of a Redis data source`);
    return value;
  },
  maxHeaderSize: (value, where) => {
    const n = wholeNumber(value, where);
    if (n < 1024) throw new StartupError(`${where} must be at least 1024 bytes`);
    return n;
  },
};

/** KOVA_ALLOWED_HOSTS and KOVA_TRUST_PROXY override the file. */
export function securityFromEnv(env: RawEnv): Pick<SecurityFileConfig, "allowedHosts" | "trustProxy"> {
  const out: Pick<SecurityFileConfig, "allowedHosts" | "trustProxy"> = {};
  const hosts = env.KOVA_ALLOWED_HOSTS;
  if (hosts !== undefined && hosts.trim() !== "") out.allowedHosts = hosts.split(",").map((h) => h.trim()).filter((h) => h !== "");
  const trust = env.KOVA_TRUST_PROXY?.trim();
  if (trust !== undefined && trust !== "") {
    if (/^\d+$/.test(trust)) out.trustProxy = Number(trust);
    else if (trust === "false" || trust === "0") out.trustProxy = false;
    else out.trustProxy = trust.split(",").map((a) => a.trim()).filter((a) => a !== "");
  }
  return out;
}
