/**
 * The engine's settings, from the environment (docs/engine.md, "Operating the engine").
 */
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { DEFAULT_QUOTAS, type Quotas } from "@kova/vm";

export interface EngineConfig {
  port: number;
  host: string;
  /** The operator's key (KOVA_ENGINE_ADMIN_KEY): creates tenants and their keys, reads everything. */
  adminKey: string;
  /** Embedded store, tenants' data, signing key (when none is given) and loaded modules. */
  dataDir: string;
  /** PostgreSQL for the engine's store (KOVA_ENGINE_PG_URL); absent: an embedded SQLite file. */
  pgUrl?: string;
  pgSchema: string;
  /** Redis for L2 and deploy announcements across nodes (KOVA_ENGINE_REDIS_URL). */
  redisUrl?: string;
  redisPrefix: string;
  /** The Ed25519 private key (PEM) that signs deploys; absent: `<dataDir>/.kova/keys/`, made on first use. */
  signingKeyFile?: string;
  /** Public keys (PEM) of earlier signing keys whose programs still load (after a rotation). */
  trustedKeyFiles: string[];
  /**
   * Where tenants' entities live (KOVA_ENGINE_TENANT_DATA): `embedded`, a store file per tenant; or
   * `postgres`, a schema per tenant (`tenant_<name>`) in KOVA_ENGINE_TENANT_PG_URL (default: the
   * engine's own KOVA_ENGINE_PG_URL).
   */
  tenantData: { kind: "embedded" } | { kind: "postgres"; url: string };
  /** Tenants' store files opened in shared locking mode (KOVA_ENGINE_SHARED_STORES=on): nodes on one host share a data folder. */
  sharedStores: boolean;
  /**
   * Host names the engine answers (KOVA_ALLOWED_HOSTS, the runtime's setting: `.example.com` allows
   * its subdomains, `*` any). Absent: loopback names, plus `.<domain>` when a domain is set.
   */
  allowedHosts?: string[];
  /** `<tenant>.<domain>` hosts route to the tenant, as `/t/<tenant>/` does. */
  domain?: string;
  /** Tenant requests in flight beyond which the engine answers 503 with Retry-After. */
  queueLimit: number;
  /** Requests per minute per key to `/_engine/*`. */
  apiRateLimit: number;
  defaultQuotas: Partial<Quotas>;
  /**
   * Worker threads executions run on (KOVA_ENGINE_WORKERS, `kova engine --workers`; default: the
   * machine's available parallelism). 0: every execution on the main thread.
   */
  workers: number;
  /**
   * Known-cheap handlers (an instruction bound, @kova/vm cost.ts) run on the main thread even with
   * workers (KOVA_ENGINE_INLINE_CHEAP, default on; `off` sends every execution to a worker).
   */
  inlineCheap: boolean;
  /** Each worker's heap limit in MB (KOVA_ENGINE_WORKER_MEMORY_MB): the wall behind the VM's memory quota. */
  workerMemoryMb: number;
  shutdownTimeoutMs: number;
  keepAliveMs: number;
  logLevel: string;
}

export class EngineConfigError extends Error {}

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new EngineConfigError(`${name} must be a whole number ≥ ${min}, not '${text}'`);
  return n;
}

export function engineConfig(env: NodeJS.ProcessEnv, overrides: { port?: number; host?: string; workers?: number } = {}): EngineConfig {
  const adminKey = env.KOVA_ENGINE_ADMIN_KEY ?? "";
  if (adminKey.length < 24) throw new EngineConfigError("KOVA_ENGINE_ADMIN_KEY must be set to a secret of at least 24 characters (the operator's key)");
  const quotas: Partial<Quotas> = {};
  if (env.KOVA_ENGINE_QUOTAS !== undefined && env.KOVA_ENGINE_QUOTAS !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(env.KOVA_ENGINE_QUOTAS);
    } catch {
      throw new EngineConfigError("KOVA_ENGINE_QUOTAS must be a JSON object such as {\"fuel\": 1000000}");
    }
    for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (!(name in DEFAULT_QUOTAS) || typeof value !== "number" || !(value > 0)) throw new EngineConfigError(`KOVA_ENGINE_QUOTAS: '${name}' is not a quota with a positive value (quotas: ${Object.keys(DEFAULT_QUOTAS).join(", ")})`);
      quotas[name as keyof Quotas] = value;
    }
  }
  const optional = (name: string): string | undefined => (env[name] === undefined || env[name] === "" ? undefined : env[name]);
  return {
    port: overrides.port ?? whole(env, "KOVA_ENGINE_PORT", 7400),
    host: overrides.host ?? env.KOVA_ENGINE_HOST ?? "127.0.0.1",
    adminKey,
    dataDir: resolve(env.KOVA_ENGINE_DATA_DIR ?? ".kova-engine"),
    pgUrl: optional("KOVA_ENGINE_PG_URL"),
    pgSchema: env.KOVA_ENGINE_PG_SCHEMA ?? "kova_engine",
    redisUrl: optional("KOVA_ENGINE_REDIS_URL"),
    redisPrefix: env.KOVA_ENGINE_REDIS_PREFIX ?? "",
    signingKeyFile: optional("KOVA_ENGINE_SIGNING_KEY"),
    trustedKeyFiles: (optional("KOVA_ENGINE_TRUSTED_KEYS") ?? "").split(",").filter((f) => f !== ""),
    tenantData: tenantData(env.KOVA_ENGINE_TENANT_DATA, optional("KOVA_ENGINE_TENANT_PG_URL") ?? optional("KOVA_ENGINE_PG_URL")),
    sharedStores: env.KOVA_ENGINE_SHARED_STORES === "on",
    allowedHosts: allowedHosts(optional("KOVA_ALLOWED_HOSTS"), optional("KOVA_ENGINE_DOMAIN")?.toLowerCase()),
    domain: optional("KOVA_ENGINE_DOMAIN")?.toLowerCase(),
    queueLimit: whole(env, "KOVA_ENGINE_QUEUE_LIMIT", 1024, 1),
    apiRateLimit: whole(env, "KOVA_ENGINE_API_RATE_LIMIT", 600, 1),
    defaultQuotas: quotas,
    workers: overrides.workers ?? whole(env, "KOVA_ENGINE_WORKERS", availableParallelism()),
    inlineCheap: onOff(env, "KOVA_ENGINE_INLINE_CHEAP", true),
    workerMemoryMb: whole(env, "KOVA_ENGINE_WORKER_MEMORY_MB", 512, 16),
    shutdownTimeoutMs: whole(env, "KOVA_ENGINE_SHUTDOWN_MS", 10_000),
    keepAliveMs: whole(env, "KOVA_ENGINE_KEEPALIVE_MS", 5_000),
    logLevel: env.KOVA_LOG_LEVEL ?? "info",
  };
}

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  if (text !== "on" && text !== "off") throw new EngineConfigError(`${name} takes on or off, not '${text}'`);
  return text === "on";
}

function allowedHosts(list: string | undefined, domain: string | undefined): string[] | undefined {
  if (list !== undefined) return list.split(",").map((h) => h.trim()).filter((h) => h !== "");
  return domain === undefined ? undefined : [`.${domain}`, "localhost", "127.0.0.1", "[::1]"];
}

function tenantData(kind: string | undefined, url: string | undefined): EngineConfig["tenantData"] {
  if (kind === undefined || kind === "" || kind === "embedded") return { kind: "embedded" };
  if (kind !== "postgres") throw new EngineConfigError(`KOVA_ENGINE_TENANT_DATA takes embedded or postgres, not '${kind}'`);
  if (url === undefined) throw new EngineConfigError("KOVA_ENGINE_TENANT_DATA=postgres needs KOVA_ENGINE_TENANT_PG_URL (or KOVA_ENGINE_PG_URL)");
  return { kind: "postgres", url };
}
